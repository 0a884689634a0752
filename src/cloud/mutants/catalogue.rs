//! The named mutants. Each doc comment is the mutant's one-line description (`--list`, `--help`), so the
//! name, the description and the parser cannot drift apart.

use std::str::FromStr;

use clap::ValueEnum;

/// One deliberate deviation from CONTRACT.md. Reply-level mutants rewrite a finished reply
/// (`mutants::reply`); the others are explicit checks at the handler that owns the behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum Mutant {
    /// remove_router_interface answers 204 without a body instead of 200
    #[value(name = "neutron-remove-204")]
    NeutronRemove204,
    /// a reader's remove_router_interface is answered 401 instead of 403
    #[value(name = "neutron-reader-401")]
    NeutronReader401,
    /// SubnetMismatchForPort is answered 409 instead of 400
    #[value(name = "neutron-mismatch-409")]
    NeutronMismatch409,
    /// the router interface info lacks subnet_ids
    NeutronNoSubnetIds,
    /// subnet_ids in the router interface info is a string, not a list
    NeutronSubnetIdsString,
    /// the router interface info carries an extra `tags: []`
    NeutronExtraTags,
    /// the router interface info carries both tenant_id and project_id
    NeutronBothOwnerKeys,
    /// the router interface info carries neither tenant_id nor project_id
    NeutronNoOwnerKey,
    /// remove_router_interface errors lack the NeutronError wrapper
    NeutronBareError,
    /// remove_router_interface replies lack x-openstack-request-id
    NeutronNoRequestId,
    /// remove_router_interface serves its JSON body as text/plain
    NeutronTextContentType,
    /// removing an interface by subnet leaves the router port in place
    NeutronRouterPortKept,
    /// removing an interface by port unbinds the user's port instead of deleting it
    NeutronUserPortKept,
    /// another project's router is found and its interface removed
    NeutronOtherProjectRouter,
    /// a reader may remove a router interface
    NeutronReaderWrites,
    /// an interface a floating IP depends on can be removed
    NeutronFipCheckSkipped,
    /// removing one interface by subnet removes every interface of the router
    NeutronRemovesEveryInterface,
    /// detach answers 204 instead of 202
    #[value(name = "nova-detach-204")]
    NovaDetach204,
    /// detach answers 200 instead of 202
    #[value(name = "nova-detach-200")]
    NovaDetach200,
    /// detaching from a locked server is answered 400 instead of 409
    #[value(name = "nova-locked-400")]
    NovaLocked400,
    /// detach faults use the key `fault` instead of the status's fault name
    NovaFaultKeyRenamed,
    /// detach replies lack x-openstack-request-id
    NovaNoRequestId,
    /// detach replies lack the microversion headers
    NovaNoMicroversionHeaders,
    /// a detached user port stays bound to the server
    NovaUserPortKeptBound,
    /// a detached port Nova created is unbound but not deleted
    NovaPortNotDeleted,
    /// a detach is accepted but never completes
    NovaDetachNeverCompletes,
    /// detaching one port detaches every port of the server
    NovaDetachesEveryPort,
    /// detaching a port that is not attached ends in Success instead of Error
    NovaDetachErrorAsSuccess,
    /// the server lock does not stop a member's detach
    NovaLockIgnored,
    /// a suspended server detaches instead of answering 409
    NovaSuspendedIgnored,
    /// a non-JSON Content-Type is accepted instead of 415
    NovaContentTypeIgnored,
    /// a body over max_request_body_size is accepted instead of 413
    NovaBodyLimitIgnored,
    /// a URL project that is not the token's is accepted instead of 400
    NovaProjectMismatchIgnored,
    /// another project's server is found and its interface detached
    NovaOtherProjectServer,
    /// a malformed microversion header is ignored instead of 400
    NovaBadMicroversionAccepted,
    /// Nova and Neutron 401s lack WWW-Authenticate
    NoWwwAuthenticate,
    /// Keystone issues tokens without the X-Subject-Token header
    KeystoneNoSubjectToken,
    /// Keystone's catalog has no compute endpoint
    KeystoneNoComputeEndpoint,
}

impl Mutant {
    pub fn all() -> &'static [Mutant] {
        Mutant::value_variants()
    }

    /// The kebab-case name used on the command line.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    pub fn description(self) -> String {
        self.to_possible_value()
            .and_then(|v| v.get_help().map(ToString::to_string))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Mutant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no mutant {0:?} (`stackconform mutants --list` names them all)")]
pub struct UnknownMutant(pub String);

impl FromStr for Mutant {
    type Err = UnknownMutant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mutant::from_str_exact(s.trim()).ok_or_else(|| UnknownMutant(s.to_string()))
    }
}

impl Mutant {
    fn from_str_exact(name: &str) -> Option<Mutant> {
        Mutant::all().iter().copied().find(|m| m.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names = std::collections::BTreeSet::new();
        for m in Mutant::all() {
            assert!(!m.description().is_empty(), "{m:?} has no description");
            assert_eq!(m.name().parse::<Mutant>(), Ok(*m));
            assert!(names.insert(m.name()), "duplicate name {}", m.name());
        }
        assert!(Mutant::all().len() >= 25);
        assert_eq!(
            "nova-detach-204".parse::<Mutant>(),
            Ok(Mutant::NovaDetach204)
        );
        assert!("nova-detach-999".parse::<Mutant>().is_err());
    }
}
