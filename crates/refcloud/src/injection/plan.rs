//! A fault plan and its one-line spec, e.g. `seed=7,rate=0.2,kinds=503+latency,only=POST|DELETE`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::Method;
use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// 503 with the service's own error body, without running the handler.
    Unavailable,
    /// The request is answered normally after the plan's added latency.
    Latency,
    /// The connection is closed without an answer, before the handler runs.
    Drop,
    /// The handler runs; the answer declares its full Content-Length but sends only part of the body.
    Truncate,
}

impl FaultKind {
    pub const ALL: [FaultKind; 4] = [
        FaultKind::Unavailable,
        FaultKind::Latency,
        FaultKind::Drop,
        FaultKind::Truncate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Unavailable => "503",
            FaultKind::Latency => "latency",
            FaultKind::Drop => "drop",
            FaultKind::Truncate => "truncate",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone)]
pub struct FaultPlan {
    pub seed: u64,
    /// Probability that an eligible request gets a fault, 0.0 to 1.0.
    pub rate: f64,
    /// The kinds drawn from, uniformly.
    pub kinds: Vec<FaultKind>,
    pub latency: Duration,
    /// Eligible methods; empty means every method.
    pub methods: Vec<Method>,
    /// Eligible paths (the path as received, e.g. `/compute/v2.1/servers`); `None` means every path.
    pub include: Option<Regex>,
    /// Paths never eligible, even if `include` matches.
    pub exclude: Option<Regex>,
}

impl FaultPlan {
    pub fn new(seed: u64, rate: f64, kinds: Vec<FaultKind>) -> Self {
        FaultPlan {
            seed,
            rate,
            kinds,
            latency: DEFAULT_LATENCY,
            methods: Vec::new(),
            include: None,
            exclude: None,
        }
    }

    pub fn eligible(&self, method: &Method, path: &str) -> bool {
        (self.methods.is_empty() || self.methods.contains(method))
            && self.include.as_ref().is_none_or(|r| r.is_match(path))
            && !self.exclude.as_ref().is_some_and(|r| r.is_match(path))
    }
}

const DEFAULT_LATENCY: Duration = Duration::from_millis(250);
const DEFAULT_RATE: f64 = 0.1;
const KEYS: [&str; 7] = ["seed", "rate", "kinds", "latency", "only", "path", "except"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    #[error("`{0}` is not KEY=VALUE (keys: {keys})", keys = KEYS.join(", "))]
    NotKeyValue(String),
    #[error("unknown key `{0}` (keys: {keys})", keys = KEYS.join(", "))]
    UnknownKey(String),
    #[error("{key}: {reason}")]
    BadValue { key: &'static str, reason: String },
    #[error("`seed` is required, so that a run can be repeated")]
    NoSeed,
}

fn bad(key: &'static str, reason: impl Into<String>) -> FaultSpecError {
    FaultSpecError::BadValue {
        key,
        reason: reason.into(),
    }
}

/// Splits on commas, except inside a regex value (`path=a{1,3}`): a piece that does not start with a
/// known `KEY=` continues the preceding `path` or `except`.
fn pairs(spec: &str) -> Result<Vec<(String, String)>, FaultSpecError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for piece in spec.split(',') {
        match piece.split_once('=') {
            Some((k, v)) if KEYS.contains(&k.trim()) => {
                out.push((k.trim().to_string(), v.trim().to_string()))
            }
            split => match out.last_mut() {
                Some((k, value)) if k == "path" || k == "except" => {
                    value.push(',');
                    value.push_str(piece);
                }
                _ => {
                    return Err(match split {
                        Some((k, _)) => FaultSpecError::UnknownKey(k.trim().to_string()),
                        None => FaultSpecError::NotKeyValue(piece.to_string()),
                    })
                }
            },
        }
    }
    Ok(out)
}

impl FromStr for FaultPlan {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut seed = None;
        let mut plan = FaultPlan::new(0, DEFAULT_RATE, FaultKind::ALL.to_vec());
        for (key, value) in pairs(spec)? {
            match key.as_str() {
                "seed" => {
                    seed = Some(
                        value
                            .parse::<u64>()
                            .map_err(|e| bad("seed", e.to_string()))?,
                    )
                }
                "rate" => {
                    let rate: f64 = value.parse().map_err(|_| bad("rate", "not a number"))?;
                    if !(0.0..=1.0).contains(&rate) {
                        return Err(bad("rate", "must be between 0 and 1"));
                    }
                    plan.rate = rate;
                }
                "kinds" => {
                    plan.kinds = value
                        .split('+')
                        .map(|k| {
                            FaultKind::ALL
                                .into_iter()
                                .find(|f| f.name() == k.trim())
                                .ok_or_else(|| {
                                    bad(
                                        "kinds",
                                        format!("`{k}` is not one of 503, latency, drop, truncate"),
                                    )
                                })
                        })
                        .collect::<Result<_, _>>()?;
                }
                "latency" => {
                    plan.latency = humantime::parse_duration(&value)
                        .map_err(|e| bad("latency", e.to_string()))?
                }
                "only" => {
                    plan.methods = value
                        .split('|')
                        .map(|m| {
                            Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes())
                                .map_err(|_| bad("only", format!("`{m}` is not an HTTP method")))
                        })
                        .collect::<Result<_, _>>()?;
                }
                "path" => {
                    plan.include = Some(Regex::new(&value).map_err(|e| bad("path", e.to_string()))?)
                }
                "except" => {
                    plan.exclude =
                        Some(Regex::new(&value).map_err(|e| bad("except", e.to_string()))?)
                }
                other => return Err(FaultSpecError::UnknownKey(other.to_string())),
            }
        }
        plan.seed = seed.ok_or(FaultSpecError::NoSeed)?;
        if plan.kinds.is_empty() {
            return Err(bad("kinds", "names no kind"));
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let plan: FaultPlan = "seed=7,rate=0.2,kinds=503+latency,only=POST|DELETE"
            .parse()
            .unwrap();
        assert_eq!(plan.seed, 7);
        assert_eq!(plan.rate, 0.2);
        assert_eq!(plan.kinds, vec![FaultKind::Unavailable, FaultKind::Latency]);
        assert!(plan.eligible(&Method::POST, "/compute/v2.1/servers"));
        assert!(!plan.eligible(&Method::GET, "/compute/v2.1/servers"));
    }

    #[test]
    fn path_selectors_and_commas_inside_regexes() {
        let plan: FaultPlan =
            "seed=1,path=^/compute/v2\\.1/[a-z]{1,40}/,except=os-instance-actions,latency=5ms"
                .parse()
                .unwrap();
        assert_eq!(plan.latency, Duration::from_millis(5));
        assert!(plan.eligible(&Method::GET, "/compute/v2.1/servers/x"));
        assert!(!plan.eligible(&Method::GET, "/networking/v2.0/ports"));
        assert!(!plan.eligible(
            &Method::GET,
            "/compute/v2.1/servers/x/os-instance-actions/r"
        ));
    }

    #[test]
    fn rejects_bad_specs() {
        assert_eq!(
            "rate=0.5".parse::<FaultPlan>().unwrap_err(),
            FaultSpecError::NoSeed
        );
        assert!(matches!(
            "seed=1,rate=2".parse::<FaultPlan>(),
            Err(FaultSpecError::BadValue { key: "rate", .. })
        ));
        assert!(matches!(
            "seed=1,kinds=503+boom".parse::<FaultPlan>(),
            Err(FaultSpecError::BadValue { key: "kinds", .. })
        ));
        assert!(matches!(
            "seed=1,colour=red".parse::<FaultPlan>(),
            Err(FaultSpecError::UnknownKey(_))
        ));
        assert!(matches!(
            "seed=1,path=(".parse::<FaultPlan>(),
            Err(FaultSpecError::BadValue { key: "path", .. })
        ));
    }
}
