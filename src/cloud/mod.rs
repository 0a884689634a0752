//! The reference cloud: Keystone v3, Neutron and Nova as the contract describes them.
