//! Timestamps in the formats each service uses.

use std::time::SystemTime;

/// Neutron and Nova server bodies: `2026-08-01T12:00:00Z`.
pub fn seconds(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Keystone: `2026-08-01T12:00:00.000000Z`.
pub fn micros_z(t: SystemTime) -> String {
    humantime::format_rfc3339_micros(t).to_string()
}

/// Nova instance actions and events: `2026-08-01T12:00:00.123456`, naive as Nova's DB returns it.
pub fn micros_naive(t: SystemTime) -> String {
    let s = micros_z(t);
    s.trim_end_matches('Z').to_string()
}
