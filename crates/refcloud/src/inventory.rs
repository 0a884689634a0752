//! A snapshot of every resource that exists, for leak tests (what a case created and did not remove).

use crate::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryItem {
    pub id: String,
    pub name: String,
    pub project_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub networks: Vec<InventoryItem>,
    pub subnets: Vec<InventoryItem>,
    pub ports: Vec<InventoryItem>,
    pub routers: Vec<InventoryItem>,
    pub floating_ips: Vec<InventoryItem>,
    pub servers: Vec<InventoryItem>,
    pub application_credentials: Vec<InventoryItem>,
}

fn item(id: &str, name: &str, project_id: &str) -> InventoryItem {
    InventoryItem {
        id: id.to_string(),
        name: name.to_string(),
        project_id: project_id.to_string(),
    }
}

impl Inventory {
    pub fn of(state: &State) -> Inventory {
        Inventory {
            networks: state
                .networks
                .iter()
                .map(|n| item(&n.id, &n.name, &n.project_id))
                .collect(),
            subnets: state
                .subnets
                .iter()
                .map(|s| item(&s.id, &s.name, &s.project_id))
                .collect(),
            ports: state
                .ports
                .iter()
                .map(|p| item(&p.id, &p.name, &p.project_id))
                .collect(),
            routers: state
                .routers
                .iter()
                .map(|r| item(&r.id, &r.name, &r.project_id))
                .collect(),
            floating_ips: state
                .floating_ips
                .iter()
                .map(|f| item(&f.id, &f.floating_ip.to_string(), &f.project_id))
                .collect(),
            servers: state
                .servers
                .iter()
                .map(|s| item(&s.id, &s.name, &s.project_id))
                .collect(),
            application_credentials: state
                .app_creds
                .iter()
                .map(|c| item(&c.id, &c.name, &c.project_id))
                .collect(),
        }
    }

    /// (kind, count) for every kind, in a stable order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("networks", self.networks.len()),
            ("subnets", self.subnets.len()),
            ("ports", self.ports.len()),
            ("routers", self.routers.len()),
            ("floating_ips", self.floating_ips.len()),
            ("servers", self.servers.len()),
            (
                "application_credentials",
                self.application_credentials.len(),
            ),
        ]
    }
}
