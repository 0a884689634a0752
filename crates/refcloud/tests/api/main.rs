//! The reference cloud through its HTTP API, as any client sees it: Keystone, Neutron and
//! Nova rules of docs/CONTRACT.md, fault injection and concurrency. One test binary.
mod add_interface;
mod bulk_and_subnets;
mod common;
mod concurrency;
mod faults;
mod images;
mod keypairs;
mod keystone;
mod neutron;
mod nova;
mod profile;
mod quotas;
