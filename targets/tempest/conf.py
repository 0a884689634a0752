"""Writes tempest.conf and accounts.yaml for `stackconform serve` from the clouds.yaml
it wrote: pre-provisioned accounts (owner, alt, admin), no dynamic credentials, and what
the reference cloud serves. Run with the Tempest venv's Python (it has PyYAML).

    python conf.py CLOUDS_YAML OUT_DIR [--validation]
"""
import sys

import yaml

clouds_file, out = sys.argv[1], sys.argv[2]
validation = "--validation" in sys.argv[3:]
clouds = yaml.safe_load(open(clouds_file))["clouds"]
owner = clouds["reference"]
auth = owner["auth"]
facts = owner["stackconform"]["facts"]
NETWORK = "reference-net"


def account(cloud, types=(), roles=("member",)):
    a = clouds[cloud]["auth"]
    entry = {
        "username": a["username"],
        "password": a["password"],
        "project_name": a["project_name"],
        "domain_name": a["user_domain_name"],
        "user_domain_name": a["user_domain_name"],
        "project_domain_name": a["project_domain_name"],
    }
    if types:
        entry["types"] = list(types)
    else:
        entry["roles"] = list(roles)
    return entry


# Tempest picks by role: primary and alt are members, project_reader a reader, admin an admin.
accounts = [
    dict(account("reference"), resources={"network": NETWORK}),
    account("reference-alt"),
    account("reference-reader", roles=("reader",)),
    account("reference-admin", types=["admin"]),
]
with open(f"{out}/accounts.yaml", "w") as f:
    yaml.safe_dump(accounts, f, sort_keys=False)

conf = {
    "DEFAULT": {"log_file": "tempest.log", "debug": "true"},
    "auth": {
        "use_dynamic_credentials": "false",
        "test_accounts_file": f"{out}/accounts.yaml",
        "default_credentials_domain_name": auth["user_domain_name"],
        "create_isolated_networks": "false",
        "admin_domain_scope": "false",
    },
    "identity": {
        "uri_v3": auth["auth_url"],
        "auth_version": "v3",
        "region": owner.get("region_name", "RegionOne"),
        "v3_endpoint_type": "public",
        "disable_ssl_certificate_validation": "true",
    },
    "identity-feature-enabled": {"api_v2": "false", "api_v3": "true"},
    "service_available": {
        "nova": "true", "neutron": "true", "glance": "true", "cinder": "false",
        "swift": "false", "horizon": "false", "placement": "false",
    },
    "network": {
        "project_networks_reachable": "false",
        "shared_physical_network": "false",
    },
    "network-feature-enabled": {"api_extensions": "all", "ipv6": "true",
                                "ipv6_subnet_attributes": "true"},
    "compute": {
        "image_ref": facts["image_id"],
        "image_ref_alt": facts["image_id"],
        "flavor_ref": facts["flavor_id"],
        "flavor_ref_alt": facts["flavor_id"],
        "build_timeout": "60",
        # The network `serve` seeds in the owner's project (refcloud seed.rs).
        "fixed_network_name": NETWORK,
        "max_microversion": "latest",
    },
    "compute-feature-enabled": {"interface_attach": "true", "console_output": "false",
                                "resize": "false", "snapshot": "false"},
    "image-feature-enabled": {"api_v2": "true", "api_v1": "false"},
    "validation": {
        "run_validation": "true" if validation else "false",
        "connect_method": "fixed",
        "auth_method": "keypair",
        "security_group": "false",
        "image_ssh_user": "cirros",
        "network_for_ssh": NETWORK,
        "ssh_timeout": "5",
        "connect_timeout": "2",
        "ping_timeout": "5",
    },
}
if facts.get("public_network_id"):
    conf["network"]["public_network_id"] = facts["public_network_id"]
with open(f"{out}/tempest.conf", "w") as f:
    for section, values in conf.items():
        f.write(f"[{section}]\n")
        for k, v in values.items():
            f.write(f"{k} = {v}\n")
        f.write("\n")
