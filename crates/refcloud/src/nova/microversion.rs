//! Nova microversion negotiation (docs/CONTRACT.md §6.4).

pub const MIN: Version = Version(2, 1);
/// Nova 34.0.0 (2026.2).
pub const MAX: Version = Version(2, 104);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

impl Version {
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= Version(major, minor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// `InvalidAPIVersionString`: 400, no version headers.
    Malformed(String),
    /// `InvalidGlobalAPIVersion`: 406, the headers echo the request.
    OutOfRange(Version),
}

/// `MajorNum.MinorNum` with no leading zeros on the major number and none on a non-zero minor number.
fn parse(text: &str) -> Option<Version> {
    let (major, minor) = text.split_once('.')?;
    let ok = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    if !ok(major) || !ok(minor) || major == "0" {
        return None;
    }
    Some(Version(major.parse().ok()?, minor.parse().ok()?))
}

/// The compute entry of `OpenStack-API-Version` (which may list several services), else the legacy header.
pub fn requested(new_header: Option<&str>, legacy_header: Option<&str>) -> Option<String> {
    if let Some(value) = new_header {
        for item in value.split(',') {
            let mut words = item.split_whitespace();
            if words
                .next()
                .is_some_and(|s| s.eq_ignore_ascii_case("compute"))
            {
                return Some(words.collect::<Vec<_>>().join(" "));
            }
        }
    }
    legacy_header.map(|v| v.trim().to_string())
}

pub fn negotiate(requested: Option<&str>) -> Result<Version, VersionError> {
    let Some(text) = requested else {
        return Ok(MIN);
    };
    if text.eq_ignore_ascii_case("latest") {
        return Ok(MAX);
    }
    let version = parse(text).ok_or_else(|| VersionError::Malformed(text.to_string()))?;
    if version < MIN || version > MAX {
        return Err(VersionError::OutOfRange(version));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(None), Ok(MIN));
        assert_eq!(negotiate(Some("latest")), Ok(MAX));
        assert_eq!(negotiate(Some("2.51")), Ok(Version(2, 51)));
        assert_eq!(
            negotiate(Some("foo")),
            Err(VersionError::Malformed("foo".into()))
        );
        assert_eq!(
            negotiate(Some("9.99")),
            Err(VersionError::OutOfRange(Version(9, 99)))
        );
        assert_eq!(
            requested(Some("volume 3.0, compute 2.60"), Some("2.1")),
            Some("2.60".into())
        );
        assert_eq!(requested(Some("volume 3.0"), None), None);
    }
}
