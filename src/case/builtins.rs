//! The variables every case can use without defining them. One list for the loader's
//! checks, the runner's scopes and the hint a misspelt variable gets.
use super::model::Role;
use super::plan::IdentityId;

/// The run's short id.
pub const RUN_ID: &str = "run.id";
/// `stackconform-<run id>-`: every resource the run creates starts with it.
pub const RUN_PREFIX: &str = "run.prefix";
/// A name for the case's resources: the prefix and the case's file stem.
pub const NAME: &str = "name";
/// `${target.<fact>}`: an id the target's `stackconform:` map gives (image, flavor...).
pub const FACT: &str = "target.";
/// `${uuid.<label>}`: a fresh random UUID per label, stable within the case.
pub const UUID: &str = "uuid.";

/// The alias under which a case's `cleanup:` steps are torn down and written to the ledger.
pub const CLEANUP: &str = "cleanup";

/// First segments a fixture alias cannot take, because built-in variables (or the
/// case's cleanup) use them.
pub const RESERVED: &[&str] = &[
    "owner", "other", "reader", "admin", "none", "target", "run", "uuid", "name", CLEANUP,
];

/// What a case can refer to, for the hint under an unknown variable.
pub const HINT: &str = "defined variables: captures of earlier steps (`${key}`), fixture values (`${alias.key}`), `${owner.project_id}`, `${target.<fact>}`, `${uuid.<label>}`, `${name}`, `${run.id}`, `${run.prefix}`";

/// `${<role>.project_id}` and the like.
pub fn identity(role: Role, id: IdentityId) -> String {
    format!("{role}.{}", id.as_str())
}

/// What a built-in variable name stands for, or `None` when it is not one.
pub enum Builtin {
    /// Known without asking the target.
    Run,
    Fact(String),
    Identity(Role, IdentityId),
}

pub fn classify(name: &str) -> Option<Builtin> {
    if let Some(fact) = name.strip_prefix(FACT) {
        return Some(Builtin::Fact(fact.to_string()));
    }
    if name.starts_with(UUID) || matches!(name, RUN_ID | RUN_PREFIX | NAME) {
        return Some(Builtin::Run);
    }
    let (role, attr) = name.split_once('.')?;
    let role = Role::ALL.into_iter().find(|r| r.as_str() == role)?;
    match (IdentityId::parse(attr), role) {
        (Some(id), r) if r != Role::None => Some(Builtin::Identity(r, id)),
        _ => None,
    }
}
