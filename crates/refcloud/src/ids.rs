//! Identifiers, secrets and MAC addresses. One generator per cloud so that a seed makes a run repeatable.

use std::sync::Mutex;

pub struct Ids {
    state: Mutex<u64>,
}

impl Ids {
    pub fn new(seed: Option<u64>) -> Self {
        let seed = seed.unwrap_or_else(|| {
            let r = uuid::Uuid::new_v4().as_u128();
            (r as u64) ^ ((r >> 64) as u64)
        });
        Ids {
            state: Mutex::new(seed),
        }
    }

    /// splitmix64: tiny, good enough for identifiers, and needs no extra crate.
    fn next_u64(&self) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes16(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        b
    }

    /// A version-4 UUID in canonical form.
    pub fn uuid(&self) -> String {
        uuid::Builder::from_random_bytes(self.bytes16())
            .into_uuid()
            .to_string()
    }

    /// Keystone-style 32-hex id (users, projects).
    pub fn hex32(&self) -> String {
        uuid::Builder::from_random_bytes(self.bytes16())
            .into_uuid()
            .simple()
            .to_string()
    }

    pub fn password(&self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..20)
            .map(|_| ALPHABET[(self.next_u64() % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    /// Opaque bearer token, shaped like a Fernet token's prefix so that logs look familiar.
    pub fn token(&self) -> String {
        format!("gAAAAA{}{}", self.hex32(), self.hex32())
    }

    pub fn mac(&self) -> String {
        let v = self.next_u64();
        format!(
            "fa:16:3e:{:02x}:{:02x}:{:02x}",
            v & 0xff,
            (v >> 8) & 0xff,
            (v >> 16) & 0xff
        )
    }
}

/// Request ids are never seeded: they must be fresh even across identical seeded runs.
pub fn request_id() -> String {
    format!("req-{}", uuid::Uuid::new_v4())
}

/// oslo_utils.uuidutils.is_uuid_like: 32 hex digits once `urn:`, `uuid:`, braces and dashes are removed.
pub fn is_uuid_like(s: &str) -> bool {
    let t = s.replace("urn:", "").replace("uuid:", "");
    let t = t.trim_matches(|c| c == '{' || c == '}').replace('-', "");
    t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The canonical 8-4-4-4-12 form that Nova's JSON schema `uuid` format requires.
pub fn is_canonical_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}
