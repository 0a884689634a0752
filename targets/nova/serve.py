#!/usr/bin/env python3
"""real-nova target: the real OpenStack Nova compute API (of the release its venv holds) on 127.0.0.1.

usage: .venv-RELEASE/bin/python serve.py STATE_DIR [PORT [NETWORK_PORT]]  (0 = any free port)
Normally run by start.sh.

Everything runs in this one process, built from Nova's own functional-test
fixtures (nova.tests.functional.integrated_helpers._IntegratedTestBase):
nova-api (the installed api-paste.ini pipeline incl. the real keystonemiddleware
auth_token filter), conductor, scheduler, one nova-compute on the fake virt
driver, in-process Placement, and Nova's in-memory fakes of Neutron, Glance and
Cinder.  RPC uses oslo.messaging's fake transport; casts stay asynchronous, as
in production.  There is no Keystone: keystonemiddleware's AuthTokenFixture
answers the token lookups for four static tokens (IDENTITIES); any other or
missing token gets the real middleware's 401.
The compute API is served by cheroot on PORT; network_view.py serves a small
Neutron-style HTTP view of the fake Neutron's state on NETWORK_PORT.  Once both
listen, it writes STATE_DIR/clouds.yaml (one cloud per identity, each with a
"stackconform" map: project_id, user_id, roles) and STATE_DIR/target.json.
"""
import faulthandler
import importlib.metadata
import json
import logging
import os
import signal
import sys
import threading
import time

# Each release runs as its deployments do by default. Nova 34 (2026.2): native threads,
# its API's default. Nova 31 to 33 (2025.1 to 2026.1): eventlet (threading is marked
# experimental in 32 and 33); their services and the fake RPC transport spawn
# greenthreads, which never run under unpatched threads (a boot stays in BUILD).
NOVA_VERSION = importlib.metadata.version('nova')
EVENTLET = int(NOVA_VERSION.split('.')[0]) < 34
if not EVENTLET:
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', '1')
from nova import monkey_patch  # noqa: E402  (must come before other imports)
if hasattr(monkey_patch, 'patch'):   # Nova 32+; Nova 31 patches when imported
    monkey_patch.patch()

T0 = time.monotonic()
faulthandler.register(signal.SIGUSR1)      # kill -USR1 <pid> dumps all stacks
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
STATE = os.path.abspath(sys.argv[1])
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
NET_PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 0
FREE_PORTS = 10          # unbound ports made in advance (the network view makes more)

import yaml  # noqa: E402
from cheroot import wsgi as cheroot_wsgi  # noqa: E402
from keystonemiddleware import fixture as ksm_fixture  # noqa: E402

from nova.api.openstack import api_version_request  # noqa: E402
from nova import policy as nova_policy  # noqa: E402
from nova.tests import fixtures as nova_fixtures  # noqa: E402
from nova.tests.functional.api import client as api_client  # noqa: E402
from nova.tests.functional import integrated_helpers  # noqa: E402

import cell_lock  # noqa: E402
import network_view  # noqa: E402

cell_lock.install()

NAME = 'real-nova'
PROJECT = nova_fixtures.PROJECT_ID          # '6f70656e737461636b20342065766572'
ALT_PROJECT = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'
IDENTITIES = {  # cloud name -> token, user, project, roles
    NAME: ('demo-token', 'demo', PROJECT, ['member', 'reader']),
    NAME + '-alt': ('alt-token', 'alt', ALT_PROJECT, ['member', 'reader']),
    NAME + '-reader': ('reader-token', 'reader', PROJECT, ['reader']),
    NAME + '-admin': ('admin-token', 'admin', PROJECT,
                      ['admin', 'member', 'reader']),
}
_request = api_client.TestOpenStackClient.request


def _request_with_token(self, url, method='GET', body=None, headers=None):
    """The fixture's own API clients (used to boot servers) need a token too."""
    headers = dict(headers or {})
    headers.setdefault('X-Auth-Token', 'admin-token' if self.auth_user == 'admin'
                       else 'demo-token')
    return _request(self, url, method=method, body=body, headers=headers)


class Nova(integrated_helpers._IntegratedTestBase):
    STUB_KEYSTONE = False       # keep the real keystonemiddleware in the pipeline
    CAST_AS_CALL = False        # casts (e.g. detach) stay asynchronous
    microversion = 'latest'
    ADMIN_API = False

    def _setup_services(self):
        # The wheel installs the stock paste pipeline under <venv>/etc/nova.
        self.flags(api_paste_config=os.path.join(
            sys.prefix, 'etc', 'nova', 'api-paste.ini'), group='wsgi')
        self.flags(www_authenticate_uri=network_view.AUTH_URI,
                   group='keystone_authtoken')
        auth = self.useFixture(ksm_fixture.AuthTokenFixture())
        for token, user, project, roles in IDENTITIES.values():
            auth.add_token_data(token_id=token, user_id=user, user_name=user,
                                user_domain_id='default', project_id=project,
                                project_name=project, project_domain_id='default',
                                role_list=roles, expires='2099-01-01T00:00:00Z')
        api_client.TestOpenStackClient.request = _request_with_token
        # The Placement fixture flips oslo.policy's *global* default to
        # enforce_new_defaults=False; restore Nova's real default (True) so
        # that e.g. a reader-only token gets 403 on attach/detach.
        self.flags(enforce_new_defaults=True, group='oslo_policy')
        # The fixtures default to SmallFakeDriver (2 vCPUs): a harness booting many
        # servers in parallel would get NoValidHost. FakeDriver has room for 1000.
        self.flags(compute_driver='fake.FakeDriver')
        nova_policy.reset()
        nova_policy.init(suppress_deprecation_warnings=True)
        super()._setup_services()

    def runTest(self):
        pass


def write_atomic(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.replace(path + '.tmp', path)


def main():
    t = Nova()
    t.setUp()
    # The fixtures buffer log records in memory; send them to stderr instead.
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter(
        '%(asctime)s %(levelname)s [%(name)s] %(message)s'))
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    view = network_view.NetworkView(
        t.neutron, {tok: (user, proj, roles)
                    for tok, user, proj, roles in IDENTITIES.values()})
    net_id = t.neutron.network_1['id']
    servers = {}
    for name, nports in (('server1', 1), ('server2', 2)):   # both end ACTIVE
        ports = [view.new_port(net_id, PROJECT)['id'] for _ in range(nports)]
        server = t._create_server(name=name,
                                  networks=[{'port': p} for p in ports])
        servers[name] = {'id': server['id'], 'ports': ports}
    free_ports = [view.new_port(net_id, PROJECT)['id'] for _ in range(FREE_PORTS)]

    api = cheroot_wsgi.Server(('127.0.0.1', PORT), t.api_fixture.app(),
                              numthreads=8)
    net = cheroot_wsgi.Server(('127.0.0.1', NET_PORT), view, numthreads=4)
    api.prepare()
    net.prepare()
    threading.Thread(target=net.serve, daemon=True).start()
    url = 'http://127.0.0.1:%d' % api.bind_addr[1]
    net_url = 'http://127.0.0.1:%d' % net.bind_addr[1]
    # "stackconform": the identity's project id, user id and roles, so that
    # the harness knows them without Keystone.  It is deliberately NOT
    # auth.project_id (nor a top-level project_id, which openstacksdk moves
    # into auth): openstacksdk passes every auth key to the admin_token plugin,
    # whose Token(endpoint, token) then fails on the unexpected 'project_id'.
    # openstacksdk ignores this unknown cloud-level key.
    # Facts the harness's Nova cases need: what to boot from, where ports go.
    facts = {'image_id': t.glance.image1['id'], 'flavor_id': '1',
             'network_id': net_id}
    clouds = {name: {'auth_type': 'admin_token',
                     'auth': {'token': tok, 'endpoint': url + '/v2.1'},
                     'compute_endpoint_override': url + '/v2.1',
                     'network_endpoint_override': net_url,
                     'region_name': 'RegionOne',
                     'stackconform': {'project_id': proj, 'user_id': user,
                                      'roles': roles, 'facts': facts}}
              for name, (tok, user, proj, roles) in IDENTITIES.items()}
    info = {
        'name': NAME, 'service_type': 'compute', 'nova_version': NOVA_VERSION,
        'url': url, 'api_url': url + '/v2.1', 'port': api.bind_addr[1],
        'max_microversion': api_version_request._MAX_API_VERSION,
        'network_url': net_url, 'network_api_url': net_url + '/v2.0',
        'network_port': net.bind_addr[1],
        'network_is_fake': True,      # Nova's in-memory NeutronFixture
        'pid': os.getpid(), 'state_dir': STATE,
        'clouds_yaml': os.path.join(STATE, 'clouds.yaml'),
        'log_file': os.path.join(STATE, 'server.log'),
        'project_id': PROJECT, 'alt_project_id': ALT_PROJECT,
        'identities': {name: {'token': tok, 'user_id': user,
                              'project_id': proj, 'roles': roles}
                       for name, (tok, user, proj, roles) in IDENTITIES.items()},
        'image_id': t.glance.image1['id'], 'flavor_id': '1',
        'network_id': net_id, 'subnet_id': t.neutron.subnet_1['id'],
        'servers': servers, 'free_ports': free_ports,
        'startup_seconds': round(time.monotonic() - T0, 1),
    }
    write_atomic(info['clouds_yaml'],
                 yaml.safe_dump({'clouds': clouds}, sort_keys=False))
    write_atomic(os.path.join(STATE, 'target.json'),
                 json.dumps(info, indent=1) + '\n')
    print('READY %s network %s (startup %.1fs, pid %d)'
          % (url, net_url, time.monotonic() - T0, os.getpid()), flush=True)
    api.serve()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        os._exit(0)
    except BaseException:
        import traceback
        traceback.print_exc(file=sys.__stderr__)
        os._exit(1)
