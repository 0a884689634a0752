//! The named mutants. Each is declared once, with its name and its one-line description
//! (`--list`), so the name, the description and the parser cannot drift apart.

use std::str::FromStr;

macro_rules! mutants {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal,)+) => {
        /// One deliberate deviation from docs/CONTRACT.md. Reply-level mutants rewrite a
        /// finished reply (`mutants::reply`); the others are explicit checks at the handler
        /// that owns the behaviour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Mutant {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Mutant {
            /// Every mutant, in declaration order.
            pub const ALL: &'static [Mutant] = &[$(Mutant::$variant,)+];

            /// The kebab-case name used on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $(Mutant::$variant => $name,)+
                }
            }

            /// What it breaks, in one line.
            pub fn description(self) -> &'static str {
                match self {
                    $(Mutant::$variant => concat!($($doc),+).trim(),)+
                }
            }
        }
    };
}

mutants! {
    /// remove_router_interface answers 204 without a body instead of 200
    NeutronRemove204 = "neutron-remove-204",
    /// a reader's remove_router_interface is answered 401 instead of 403
    NeutronReader401 = "neutron-reader-401",
    /// SubnetMismatchForPort is answered 409 instead of 400
    NeutronMismatch409 = "neutron-mismatch-409",
    /// the router interface info lacks subnet_ids
    NeutronNoSubnetIds = "neutron-no-subnet-ids",
    /// subnet_ids in the router interface info is a string, not a list
    NeutronSubnetIdsString = "neutron-subnet-ids-string",
    /// the router interface info carries an extra `tags: []`
    NeutronExtraTags = "neutron-extra-tags",
    /// the router interface info carries both tenant_id and project_id
    NeutronBothOwnerKeys = "neutron-both-owner-keys",
    /// the router interface info carries neither tenant_id nor project_id
    NeutronNoOwnerKey = "neutron-no-owner-key",
    /// remove_router_interface errors lack the NeutronError wrapper
    NeutronBareError = "neutron-bare-error",
    /// remove_router_interface replies lack x-openstack-request-id
    NeutronNoRequestId = "neutron-no-request-id",
    /// remove_router_interface serves its JSON body as text/plain
    NeutronTextContentType = "neutron-text-content-type",
    /// removing an interface by subnet leaves the router port in place
    NeutronRouterPortKept = "neutron-router-port-kept",
    /// removing an interface by port unbinds the user's port instead of deleting it
    NeutronUserPortKept = "neutron-user-port-kept",
    /// another project's router is found and its interface removed
    NeutronOtherProjectRouter = "neutron-other-project-router",
    /// a reader may remove a router interface
    NeutronReaderWrites = "neutron-reader-writes",
    /// an interface a floating IP depends on can be removed
    NeutronFipCheckSkipped = "neutron-fip-check-skipped",
    /// removing one interface by subnet removes every interface of the router
    NeutronRemovesEveryInterface = "neutron-removes-every-interface",
    /// detach answers 204 instead of 202
    NovaDetach204 = "nova-detach-204",
    /// detach answers 200 instead of 202
    NovaDetach200 = "nova-detach-200",
    /// detaching from a locked server is answered 400 instead of 409
    NovaLocked400 = "nova-locked-400",
    /// detach faults use the key `fault` instead of the status's fault name
    NovaFaultKeyRenamed = "nova-fault-key-renamed",
    /// detach replies lack x-openstack-request-id
    NovaNoRequestId = "nova-no-request-id",
    /// detach replies lack the microversion headers
    NovaNoMicroversionHeaders = "nova-no-microversion-headers",
    /// a detached user port stays bound to the server
    NovaUserPortKeptBound = "nova-user-port-kept-bound",
    /// a detached port Nova created is unbound but not deleted
    NovaPortNotDeleted = "nova-port-not-deleted",
    /// a detach is accepted but never completes
    NovaDetachNeverCompletes = "nova-detach-never-completes",
    /// detaching one port detaches every port of the server
    NovaDetachesEveryPort = "nova-detaches-every-port",
    /// detaching a port that is not attached ends in Success instead of Error
    NovaDetachErrorAsSuccess = "nova-detach-error-as-success",
    /// the server lock does not stop a member's detach
    NovaLockIgnored = "nova-lock-ignored",
    /// a suspended server detaches instead of answering 409
    NovaSuspendedIgnored = "nova-suspended-ignored",
    /// a non-JSON Content-Type is accepted instead of 415
    NovaContentTypeIgnored = "nova-content-type-ignored",
    /// a body over max_request_body_size is accepted instead of 413
    NovaBodyLimitIgnored = "nova-body-limit-ignored",
    /// a URL project that is not the token's is accepted instead of 400
    NovaProjectMismatchIgnored = "nova-project-mismatch-ignored",
    /// another project's server is found and its interface detached
    NovaOtherProjectServer = "nova-other-project-server",
    /// a malformed microversion header is ignored instead of 400
    NovaBadMicroversionAccepted = "nova-bad-microversion-accepted",
    /// Nova and Neutron 401s lack WWW-Authenticate
    NoWwwAuthenticate = "no-www-authenticate",
    /// Keystone issues tokens without the X-Subject-Token header
    KeystoneNoSubjectToken = "keystone-no-subject-token",
    /// Keystone's catalog has no compute endpoint
    KeystoneNoComputeEndpoint = "keystone-no-compute-endpoint",
}

impl Mutant {
    pub fn all() -> &'static [Mutant] {
        Mutant::ALL
    }
}

impl std::fmt::Display for Mutant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
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
