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
    if isinstance(host, (bytes, bytearray)):
        host = host.decode("ascii", "replace")
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
    if isinstance(address, tuple) and address:
        host = address[0]
        if not isinstance(host, (str, bytes, bytearray)) or not _loopback(host):
            port = address[1] if len(address) > 1 else "?"
            _refuse(f"a connection to {host!r}:{port}".replace("'", ""))


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _checked(address)
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _checked(address)
    return _connect_ex(self, address)


_sendto = socket.socket.sendto
_sendmsg = socket.socket.sendmsg


def sendto(self, data, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6) and args:
        _checked(args[-1])
    return _sendto(self, data, *args)


def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
    if self.family in (socket.AF_INET, socket.AF_INET6) and address is not None:
        _checked(address)
    return _sendmsg(self, buffers, ancdata, flags, address)


_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    # A name other than localhost would be asked of a resolver, off this machine.
    if host is not None and not _loopback(host if isinstance(host, str) else bytes(host)):
        name = host if isinstance(host, str) else host.decode("ascii", "replace")
        try:
            ipaddress.ip_address(name.split('%')[0])
        except ValueError:
            _refuse(f"a lookup of {name}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.socket.sendmsg = sendmsg
socket.getaddrinfo = getaddrinfo

_popen_init = subprocess.Popen.__init__


GUEST_COMMANDS = {"ping", "ping6", "ssh", "scp", "nc", "ncat", "telnet"}


def _words(args):
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    for a in argv:
        a = os.fsdecode(a) if isinstance(a, (bytes, os.PathLike)) else str(a)
        yield from a.split()


def _check_command(args, executable=None):
    words = list(_words(args)) + ([os.fsdecode(executable)] if executable else [])
    if any(os.path.basename(w) in GUEST_COMMANDS for w in words):
        _refuse(f"the command {' '.join(words)}")


def _popen(self, args, *rest, **kwargs):
    _check_command(args, kwargs.get("executable"))
    return _popen_init(self, args, *rest, **kwargs)


_system = os.system


def _os_system(command):
    _check_command(command)
    return _system(command)


subprocess.Popen.__init__ = _popen
os.system = _os_system
