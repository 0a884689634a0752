//! The identities a cloud is seeded with (docs/CONTRACT.md §6.5).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// member + reader in project A, which owns the resources.
    Owner,
    /// member + reader in project B.
    Other,
    /// reader only in project A.
    Reader,
    /// admin + member + reader in project A.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Other, Role::Reader, Role::Admin];

    pub fn cloud_name(self) -> &'static str {
        match self {
            Role::Owner => "reference",
            Role::Other => "reference-alt",
            Role::Reader => "reference-reader",
            Role::Admin => "reference-admin",
        }
    }

    pub fn username(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Other => "other",
            Role::Reader => "reader",
            Role::Admin => "admin",
        }
    }

    pub fn role_names(self) -> &'static [&'static str] {
        match self {
            Role::Owner | Role::Other => &["member", "reader"],
            Role::Reader => &["reader"],
            Role::Admin => &["admin", "member", "reader"],
        }
    }

    /// Everyone but "other" works in project A.
    pub fn in_project_a(self) -> bool {
        !matches!(self, Role::Other)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededIdentity {
    pub cloud: String,
    pub role: Role,
    pub username: String,
    pub password: String,
    pub user_id: String,
    pub project_id: String,
    pub project_name: String,
    pub domain: String,
}
