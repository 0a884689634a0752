//! Sharding a run across CI workers (`--partition hash:M/N` or `count:M/N`, as nextest).
use std::fmt;
use std::str::FromStr;

use crate::case::Case;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// Case ids are random UUIDs, so their value modulo N spreads cases evenly, and a case
    /// stays in its shard whatever is added or removed around it.
    Hash { shard: u64, of: u64 },
    /// The k-th case in trial-name order goes to shard k mod N: exactly balanced, but a new
    /// case can move others.
    Count { shard: u64, of: u64 },
}

/// A `--partition` that is not `hash:M/N` or `count:M/N` with 1 <= M <= N.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected hash:M/N or count:M/N with 1 <= M <= N, got {0:?}")]
pub struct BadPartition(String);

impl FromStr for Partition {
    type Err = BadPartition;

    fn from_str(s: &str) -> Result<Self, BadPartition> {
        let usage = || BadPartition(s.to_string());
        let (kind, rest) = s.split_once(':').ok_or_else(usage)?;
        let (m, n) = rest.split_once('/').ok_or_else(usage)?;
        let shard: u64 = m.trim().parse().map_err(|_| usage())?;
        let of: u64 = n.trim().parse().map_err(|_| usage())?;
        if shard == 0 || of == 0 || shard > of {
            return Err(usage());
        }
        match kind {
            "hash" => Ok(Partition::Hash { shard, of }),
            "count" => Ok(Partition::Count { shard, of }),
            _ => Err(usage()),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Partition::Hash { shard, of } => write!(f, "hash:{shard}/{of}"),
            Partition::Count { shard, of } => write!(f, "count:{shard}/{of}"),
        }
    }
}

impl Partition {
    /// `("hash", N)` or `("count", N)`: which partition this is a shard of.
    pub fn kind_and_count(&self) -> (&'static str, u64) {
        match *self {
            Partition::Hash { of, .. } => ("hash", of),
            Partition::Count { of, .. } => ("count", of),
        }
    }

    /// M, counted from 1.
    pub fn shard(&self) -> u64 {
        match *self {
            Partition::Hash { shard, .. } | Partition::Count { shard, .. } => shard,
        }
    }

    /// The cases of this shard, in their original order.
    pub fn select(&self, cases: &[Case]) -> Vec<Case> {
        match *self {
            Partition::Hash { shard, of } => cases
                .iter()
                .filter(|c| {
                    let n = uuid::Uuid::parse_str(&c.doc.id.value)
                        .map(|u| u.as_u128())
                        .unwrap_or(0);
                    (n % of as u128) as u64 == shard - 1
                })
                .cloned()
                .collect(),
            Partition::Count { shard, of } => {
                let mut order: Vec<&Case> = cases.iter().collect();
                order.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
                let chosen: std::collections::BTreeSet<&str> = order
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (*i as u64) % of == shard - 1)
                    .map(|(_, c)| c.trial_name.as_str())
                    .collect();
                cases
                    .iter()
                    .filter(|c| chosen.contains(c.trial_name.as_str()))
                    .cloned()
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("hash:2/3".parse(), Ok(Partition::Hash { shard: 2, of: 3 }));
        assert_eq!(
            "count:1/1".parse(),
            Ok(Partition::Count { shard: 1, of: 1 })
        );
        for bad in ["hash:0/3", "hash:4/3", "hash:1", "slice:1/2", "count:a/2"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }
}
