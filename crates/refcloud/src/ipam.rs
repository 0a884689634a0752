//! CIDR arithmetic and address allocation for Neutron subnets, IPv4 and IPv6 alike (addresses as u128).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: IpAddr,
    pub prefix: u8,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CidrError {
    /// Not an address/prefix at all.
    Invalid,
    /// Host bits set; carries the network Neutron recommends instead.
    HostBits(Cidr),
}

pub fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

pub fn from_u128(v: u128, version: u8) -> IpAddr {
    if version == 4 {
        IpAddr::V4(Ipv4Addr::from((v & 0xffff_ffff) as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

pub fn version_of(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        4
    } else {
        6
    }
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, CidrError> {
        let (addr, prefix) = text.split_once('/').ok_or(CidrError::Invalid)?;
        let addr: IpAddr = addr.parse().map_err(|_| CidrError::Invalid)?;
        let prefix: u8 = prefix.parse().map_err(|_| CidrError::Invalid)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(CidrError::Invalid);
        }
        let cidr = Cidr {
            network: addr,
            prefix,
        };
        let net = cidr.masked();
        if net.network != addr {
            return Err(CidrError::HostBits(net));
        }
        Ok(cidr)
    }

    pub fn version(&self) -> u8 {
        version_of(self.network)
    }

    fn bits(&self) -> u32 {
        if self.version() == 4 {
            32
        } else {
            128
        }
    }

    fn host_mask(&self) -> u128 {
        let host_bits = self.bits() - self.prefix as u32;
        if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        }
    }

    fn masked(&self) -> Cidr {
        Cidr {
            network: from_u128(to_u128(self.network) & !self.host_mask(), self.version()),
            prefix: self.prefix,
        }
    }

    pub fn first(&self) -> u128 {
        to_u128(self.network)
    }

    pub fn last(&self) -> u128 {
        self.first() | self.host_mask()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        version_of(ip) == self.version() && {
            let v = to_u128(ip);
            v >= self.first() && v <= self.last()
        }
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.version() == other.version()
            && self.first() <= other.last()
            && other.first() <= self.last()
    }

    /// Neutron's default gateway: the first address after the network address.
    pub fn default_gateway(&self) -> Option<IpAddr> {
        (self.last() > self.first()).then(|| from_u128(self.first() + 1, self.version()))
    }

    /// Neutron's default allocation pools: all host addresses (IPv4 without network and broadcast,
    /// IPv6 without the subnet-router anycast address) minus the gateway.
    pub fn default_pools(&self, gateway: Option<IpAddr>) -> Vec<(IpAddr, IpAddr)> {
        let (start, end) = if self.version() == 4 {
            if self.prefix >= 31 {
                (self.first(), self.last())
            } else {
                (self.first() + 1, self.last() - 1)
            }
        } else if self.prefix == 128 {
            (self.first(), self.last())
        } else {
            (self.first() + 1, self.last())
        };
        let v = self.version();
        let mut pools = Vec::new();
        match gateway.map(to_u128) {
            Some(g) if g >= start && g <= end => {
                if g > start {
                    pools.push((from_u128(start, v), from_u128(g - 1, v)));
                }
                if g < end {
                    pools.push((from_u128(g + 1, v), from_u128(end, v)));
                }
            }
            _ => pools.push((from_u128(start, v), from_u128(end, v))),
        }
        pools
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// First free address of the pools. Scans at most `used.len() + 1` candidates, so a huge IPv6 pool costs
/// no more than a small one.
pub fn allocate(pools: &[(IpAddr, IpAddr)], used: &HashSet<IpAddr>) -> Option<IpAddr> {
    for (start, end) in pools {
        let v = version_of(*start);
        let (s, e) = (to_u128(*start), to_u128(*end));
        let mut candidate = s;
        let mut tries = 0usize;
        while candidate <= e && tries <= used.len() {
            let ip = from_u128(candidate, v);
            if !used.contains(&ip) {
                return Some(ip);
            }
            candidate = match candidate.checked_add(1) {
                Some(c) => c,
                None => break,
            };
            tries += 1;
        }
    }
    None
}

pub fn in_pools(pools: &[(IpAddr, IpAddr)], ip: IpAddr) -> bool {
    pools.iter().any(|(s, e)| {
        version_of(*s) == version_of(ip) && to_u128(ip) >= to_u128(*s) && to_u128(ip) <= to_u128(*e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_defaults() {
        let c = Cidr::parse("10.0.0.0/24").expect("valid");
        let gw = c.default_gateway();
        assert_eq!(gw, Some("10.0.0.1".parse().expect("ip")));
        let pools = c.default_pools(gw);
        assert_eq!(
            pools,
            vec![(
                "10.0.0.2".parse().expect("ip"),
                "10.0.0.254".parse().expect("ip")
            )]
        );
        assert!(matches!(
            Cidr::parse("10.0.0.5/24"),
            Err(CidrError::HostBits(_))
        ));
        assert_eq!(Cidr::parse("nope"), Err(CidrError::Invalid));
    }

    #[test]
    fn ipv6_allocation() {
        let c = Cidr::parse("fd00:1::/64").expect("valid");
        let pools = c.default_pools(c.default_gateway());
        let mut used = HashSet::new();
        used.insert("fd00:1::2".parse().expect("ip"));
        assert_eq!(
            allocate(&pools, &used),
            Some("fd00:1::3".parse().expect("ip"))
        );
    }
}
