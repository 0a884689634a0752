#!/usr/bin/env python3
"""real-neutron target: the real OpenStack Neutron API (of the release its venv holds) on 127.0.0.1.

usage: .venv-RELEASE/bin/python serve.py STATE_DIR [PORT]    (PORT 0 = any free port)
Normally run by start.sh.

Neutron's own WSGI app (neutron.server.api.api_server, the installed
api-paste.ini "keystone" pipeline incl. the real keystonemiddleware auth_token
filter) with the ML2 core plugin (no mechanism drivers, "local" networks) and
the L3 router service plugin, on a fresh SQLite database and the oslo.messaging
"fake" transport; none of the L2/L3/DHCP agents run.  There is no Keystone:
keystonemiddleware's AuthTokenFixture answers the token lookups for four static
tokens (IDENTITIES); any other or missing token gets the real middleware's 401.
Served by wsgiref on one thread per connection (SQLite transactions queue for the
write lock).  Once listening it writes
STATE_DIR/clouds.yaml (one cloud per identity, each with a
"stackconform" map: project_id, user_id, roles) and
STATE_DIR/target.json and prints "READY <url>".
"""
import importlib.metadata
import json
import os
import socketserver
import sys
import time
from wsgiref import simple_server

T0 = time.monotonic()
HERE = os.path.dirname(os.path.abspath(__file__))
STATE = os.path.abspath(sys.argv[1])
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
NAME = 'real-neutron'
PROJECT = '6f70656e737461636b20342065766572'      # owns what the clouds create
ALT_PROJECT = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'
IDENTITIES = {  # cloud name -> token, user, project, roles
    NAME: ('demo-token', 'demo', PROJECT, ['member', 'reader']),
    NAME + '-alt': ('alt-token', 'alt', ALT_PROJECT, ['member', 'reader']),
    NAME + '-reader': ('reader-token', 'reader', PROJECT, ['reader']),
    NAME + '-admin': ('admin-token', 'admin', PROJECT,
                      ['admin', 'member', 'reader']),
}

import yaml  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_db import options as db_options  # noqa: E402

from neutron.common import config  # noqa: E402

db_file = os.path.join(STATE, 'neutron.sqlite')
if os.path.exists(db_file):
    os.remove(db_file)                   # every start begins with an empty DB
os.makedirs(os.path.join(STATE, 'lock'), exist_ok=True)

config.register_common_config_options()
config.init(['--config-file', os.path.join(HERE, 'neutron.conf')],
            prog='neutron-api')
db_options.set_defaults(cfg.CONF, connection='sqlite:///' + db_file)
cfg.CONF.set_override('api_paste_config', os.path.join(
    sys.prefix, 'etc', 'neutron', 'api-paste.ini'))   # installed by the wheel
cfg.CONF.set_override('state_path', STATE)
cfg.CONF.set_override('lock_path', os.path.join(STATE, 'lock'),
                      group='oslo_concurrency')
config.setup_logging()
config.set_config_defaults()

import sqlalchemy  # noqa: E402
from keystonemiddleware import fixture as ksm_fixture  # noqa: E402
from neutron_lib.db import api as db_api  # noqa: E402

from neutron.db.migration.models import head  # noqa: E402
from neutron import policy as neutron_policy  # noqa: E402
from neutron.server import api as server_api  # noqa: E402

# Neutron's alembic migrations do not run on SQLite (ALTER of constraints),
# so the schema is created from the models, as Neutron's unit tests do.
engine = db_api.get_context_manager().writer.get_engine()
head.get_metadata().create_all(engine)


# Requests are served on threads, as a deployed neutron-api serves them (uWSGI or
# Apache, with threads or processes, on one database server). SQLite has one writer at
# a time: oslo.db opens every transaction with a deferred BEGIN, so two that read and
# then write would each wait for the other and fail at once with "database is locked".
# BEGIN IMMEDIATE takes the write lock up front, and a generous busy timeout makes the
# others queue for it, as row locks make them wait on MySQL.
@sqlalchemy.event.listens_for(engine, 'connect')
def _busy_timeout(dbapi_con, _record):
    dbapi_con.execute('PRAGMA busy_timeout = 60000')


@sqlalchemy.event.listens_for(engine, 'before_cursor_execute', retval=True)
def _begin_immediate(conn, cursor, statement, params, context, executemany):
    # oslo.db's own 'begin' listener sends the BEGIN; this makes it take the lock.
    return ('BEGIN IMMEDIATE' if statement == 'BEGIN' else statement), params

auth = ksm_fixture.AuthTokenFixture()
auth.setUp()
for token, user, project, roles in IDENTITIES.values():
    auth.add_token_data(token_id=token, user_id=user, user_name=user,
                        user_domain_id='default', project_id=project,
                        project_name=project, project_domain_id='default',
                        role_list=roles, expires='2099-01-01T00:00:00Z')

app = server_api.api_server()   # what neutron/wsgi/api.py gives to uWSGI
# neutron.policy.init() publishes its Enforcer before registering the rules: a request
# on another thread meanwhile finds no rule and is refused ("rule:create_network is
# disallowed by policy", seen with threads). Loaded once here, before any request.
neutron_policy.init()


def write_atomic(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.replace(path + '.tmp', path)


class Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    # One thread per connection: requests are served at once, as clients send them.
    daemon_threads = True
    # socketserver listens with a backlog of 5: with more clients at once the kernel
    # drops their SYNs, and they wait seconds for a retransmit. Deployed Neutron (uwsgi,
    # Apache) listens with a backlog of 100 or more.
    request_queue_size = 128


class Handler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):            # one access-log line
        sys.stderr.write('ACCESS %s\n' % (fmt % args))


def main():
    httpd = simple_server.make_server('127.0.0.1', PORT, app,
                                      server_class=Server,
                                      handler_class=Handler)
    url = 'http://127.0.0.1:%d' % httpd.server_port
    # "stackconform": the identity's project id, user id and roles, so that
    # the harness knows them without Keystone.  It is deliberately NOT
    # auth.project_id (nor a top-level project_id, which openstacksdk moves
    # into auth): openstacksdk passes every auth key to the admin_token plugin,
    # whose Token(endpoint, token) then fails on the unexpected 'project_id'.
    # openstacksdk ignores this unknown cloud-level key.
    clouds = {name: {'auth_type': 'admin_token',
                     'auth': {'token': tok, 'endpoint': url},
                     'network_endpoint_override': url,
                     'region_name': 'RegionOne',
                     'stackconform': {'project_id': proj, 'user_id': user,
                                      'roles': roles}}
              for name, (tok, user, proj, roles) in IDENTITIES.items()}
    info = {
        'name': NAME, 'service_type': 'network', 'neutron_version': importlib.metadata.version('neutron'),
        'url': url, 'api_url': url + '/v2.0', 'port': httpd.server_port,
        'pid': os.getpid(), 'state_dir': STATE,
        'clouds_yaml': os.path.join(STATE, 'clouds.yaml'),
        'log_file': os.path.join(STATE, 'server.log'),
        'project_id': PROJECT, 'alt_project_id': ALT_PROJECT,
        'identities': {name: {'token': t, 'user_id': u, 'project_id': p,
                              'roles': r}
                       for name, (t, u, p, r) in IDENTITIES.items()},
        'startup_seconds': round(time.monotonic() - T0, 1),
    }
    write_atomic(info['clouds_yaml'],
                 yaml.safe_dump({'clouds': clouds}, sort_keys=False))
    write_atomic(os.path.join(STATE, 'target.json'),
                 json.dumps(info, indent=1) + '\n')
    print('READY %s (startup %.1fs, pid %d)'
          % (url, time.monotonic() - T0, os.getpid()), flush=True)
    httpd.serve_forever()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
