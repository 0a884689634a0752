"""Installed into the Tempest venv by setup.sh: Tempest may talk to loopback only.

The reference cloud's servers have fixed IPs in private ranges and no guest behind them.
Tempest's guest checks (SSH, ping) must fail here, before anything is sent, and must
never reach another machine: every socket connection to an address outside 127.0.0.0/8
(and ::1) and every `ping`/`ssh` command is refused with a message naming this file.
The CI job (run.sh) expects exactly these refusals as the compute module's failures.
"""
import ipaddress
import os
import socket
import subprocess

MARK = "stackconform-loopback-only"


def _loopback(host):
    try:
        return ipaddress.ip_address(host.split('%')[0]).is_loopback
    except ValueError:
        # A name: only localhost resolves to loopback without asking anyone.
        return host in ("localhost", "localhost.localdomain")


def _refuse(what):
    raise OSError(101, f"{MARK}: refused {what} (Tempest may only reach 127.0.0.0/8 here)")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _checked(address):
    if isinstance(address, tuple) and address and isinstance(address[0], str):
        if not _loopback(address[0]):
            _refuse(f"a connection to {address[0]}:{address[1]}")


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _checked(address)
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _checked(address)
    return _connect_ex(self, address)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex

_popen_init = subprocess.Popen.__init__


def _popen(self, args, *rest, **kwargs):
    argv = [args] if isinstance(args, (str, bytes)) else list(args)
    first = os.path.basename(str(argv[0]).split()[0]) if argv else ""
    if first in ("ping", "ping6", "ssh", "scp", "nc"):
        _refuse(f"the command {' '.join(map(str, argv))}")
    return _popen_init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _popen
