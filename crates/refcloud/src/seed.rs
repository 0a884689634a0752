//! The state a fresh cloud starts with: four identities in two projects, the catalog, one image, flavors
//! 1..5, and a network of project A with an IPv4 subnet for the Nova cases.

use std::time::SystemTime;

use crate::identities::{Role, SeededIdentity};
use crate::ids::Ids;
use crate::ipam::Cidr;
use crate::state::{Endpoint, Flavor, Image, Network, Project, RoleRef, State, Subnet, User};

pub const REGION: &str = "RegionOne";
pub const DOMAIN_ID: &str = "default";
pub const DOMAIN_NAME: &str = "Default";
pub const SEED_NETWORK_NAME: &str = "reference-net";
pub const SEED_SUBNET_CIDR: &str = "192.168.1.0/24";

pub struct Seeded {
    pub state: State,
    pub identities: Vec<SeededIdentity>,
    pub network_id: String,
    pub subnet_id: String,
    pub image_id: String,
}

pub fn seed(ids: &Ids, base_url: &str) -> Seeded {
    let now = SystemTime::now();
    let mut state = State::default();
    let project_a = Project {
        id: ids.hex32(),
        name: "reference-project".into(),
    };
    let project_b = Project {
        id: ids.hex32(),
        name: "reference-alt-project".into(),
    };
    for name in ["admin", "member", "reader"] {
        state.roles.push(RoleRef {
            id: ids.hex32(),
            name: name.into(),
        });
    }
    let mut identities = Vec::new();
    for role in Role::ALL {
        let project = if role.in_project_a() {
            &project_a
        } else {
            &project_b
        };
        let user = User {
            id: ids.hex32(),
            name: role.username().into(),
            password: ids.password(),
        };
        state.assignments.insert(
            (user.id.clone(), project.id.clone()),
            role.role_names().iter().map(|r| r.to_string()).collect(),
        );
        identities.push(SeededIdentity {
            cloud: role.cloud_name().into(),
            role,
            username: user.name.clone(),
            password: user.password.clone(),
            user_id: user.id.clone(),
            project_id: project.id.clone(),
            project_name: project.name.clone(),
            domain: DOMAIN_NAME.into(),
        });
        state.users.push(user);
    }
    state.projects.push(project_a.clone());
    state.projects.push(project_b);

    for (service_type, service_name, path) in [
        ("identity", "keystone", "/identity"),
        ("network", "neutron", "/networking"),
        ("compute", "nova", "/compute/v2.1"),
        ("image", "glance", "/image"),
    ] {
        state.endpoints.push(Endpoint {
            service_type,
            service_name,
            service_id: ids.hex32(),
            url: format!("{base_url}{path}"),
            endpoint_ids: [ids.hex32(), ids.hex32()],
        });
    }

    let image_id = ids.uuid();
    // The image the servers boot. The reference cloud holds no image file: the size and
    // digests are placeholders of the form Glance shows (an MD5 and a SHA-512 in hex).
    let digest = md5_hex(image_id.as_bytes());
    state.images.push(Image {
        id: image_id.clone(),
        name: "cirros-0.6.3-x86_64-disk".into(),
        status: "active",
        visibility: "public",
        disk_format: "qcow2",
        container_format: "bare",
        size: 21_692_416,
        virtual_size: Some(117_440_512),
        checksum: digest.clone(),
        os_hash_value: digest.repeat(4),
        min_ram: 0,
        min_disk: 0,
        owner: project_a.id.clone(),
        tags: Vec::new(),
        properties: Vec::new(),
        created_at: SystemTime::now(),
    });
    for (id, name, vcpus, ram, disk) in [
        ("1", "m1.tiny", 1, 512, 1),
        ("2", "m1.small", 1, 2048, 20),
        ("3", "m1.medium", 2, 4096, 40),
        ("4", "m1.large", 4, 8192, 80),
        ("5", "m1.xlarge", 8, 16384, 160),
    ] {
        state.flavors.push(Flavor {
            id: id.into(),
            name: name.into(),
            vcpus,
            ram,
            disk,
        });
    }

    let network_id = ids.uuid();
    state.networks.push(Network {
        id: network_id.clone(),
        name: SEED_NETWORK_NAME.into(),
        description: String::new(),
        project_id: project_a.id.clone(),
        admin_state_up: true,
        shared: false,
        external: false,
        mtu: 1500,
        created_at: now,
        updated_at: now,
        revision: 1,
    });
    let subnet_id = ids.uuid();
    // The literal is valid; a failure here would be a programming error caught by every test.
    let cidr = Cidr::parse(SEED_SUBNET_CIDR).unwrap_or(Cidr {
        network: std::net::IpAddr::from([192, 168, 1, 0]),
        prefix: 24,
    });
    let gateway = cidr.default_gateway();
    state.subnets.push(Subnet {
        id: subnet_id.clone(),
        name: format!("{SEED_NETWORK_NAME}-subnet"),
        description: String::new(),
        network_id: network_id.clone(),
        project_id: project_a.id,
        cidr,
        gateway_ip: gateway,
        pools: cidr.default_pools(gateway),
        enable_dhcp: true,
        dns_nameservers: Vec::new(),
        host_routes: Vec::new(),
        ipv6_ra_mode: None,
        ipv6_address_mode: None,
        created_at: now,
        updated_at: now,
        revision: 0,
    });
    Seeded {
        state,
        identities,
        network_id,
        subnet_id,
        image_id,
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
