"""Judges one Tempest module's run from its stestr repository (Tempest's own record).

    python verdict.py MODULE WORKSPACE

Prints `MODULE: N passed, N skipped, N failed` with the skip reasons and failures, and
exits 1 when the module failed: any failure of a network module; for the compute module
(run with [validation] run_validation) any failure whose traceback is not the refused
guest access of sitecustomize.py; and a module where nothing passed.
"""
import io
import re
import os
import subprocess
import sys
from collections import Counter

import subunit
import testtools

MARK = "stackconform-loopback-only"
# Where Tempest reaches into a guest: its SSH client, the remote client, and the waiters
# that retry them until a timeout (their own exception then carries no message).
GUEST_STEPS = ("tempest/lib/common/ssh.py", "linux/remote_client.py", "wait_for_ssh",
               "ping_ip_address", "wait_for_ping", "check_vm_connectivity")
# The tests that reach into a guest (README: "Expected failures"), and only these: a
# refusal anywhere else, or a class setup that fails at a guest, is a failure.
GUEST_TESTS = {
    "tempest.api.compute.servers.test_attach_interfaces": (
        "AttachInterfacesTestJSON.test_create_list_show_delete_interfaces_by_network_port",
        "AttachInterfacesTestJSON.test_reassign_port_between_servers",
    ),
}
# The refusal of a guest access: SSH to port 22, or a ping.
GUEST_REFUSAL = re.compile(MARK + r": refused (a connection to \S+:22 |the command \S*ping)")
module, ws = sys.argv[1], sys.argv[2]
stream = subprocess.run([os.path.join(os.path.dirname(sys.executable), "stestr"), "last", "--subunit"], cwd=ws, capture_output=True).stdout
tests = []
result = testtools.StreamToDict(tests.append)
result.startTestRun()
subunit.ByteStreamToStreamResult(io.BytesIO(stream), non_subunit_name="stdout").run(result)
result.stopTestRun()


def text(t, key):
    c = t["details"].get(key)
    return c.as_text() if c is not None else ""


counts = Counter()
problems, guest, skips = [], [], Counter()
for t in tests:
    status = t["status"]
    if status == "success":
        counts["passed"] += 1
    elif status == "skip":
        counts["skipped"] += 1
        skips[text(t, "reason").strip() or "(no reason)"] += 1
    elif status in ("fail", "uxsuccess", "xfail") or status not in ("success", "skip"):
        counts["failed"] += 1
        tb = text(t, "traceback")
        everything = "".join(text(t, k) for k in t["details"])
        at_guest = any(step in tb for step in GUEST_STEPS)
        expected = any(t["id"].startswith(f"{module}.{name}") for name in GUEST_TESTS.get(module, ()))
        if expected and at_guest and GUEST_REFUSAL.search(everything):
            guest.append(f"{t['id']}: {[l for l in tb.strip().splitlines() if l.strip()][-1]}")
        else:
            last = [l for l in tb.strip().splitlines() if l.strip()][-1:] or ["(no traceback)"]
            problems.append(f"{t['id']} ({status}): {last[0]}")
line = f"{module}: {counts['passed']} passed, {counts['skipped']} skipped, {counts['failed']} failed"
if guest:
    line += f" ({len(guest)} at the refused guest access, as expected)"
print(line)
for reason, n in sorted(skips.items()):
    print(f"  skipped {n}: {reason}")
for g in guest:
    print(f"  guest access refused: {g}")
for p in problems:
    print(f"  FAILED {p}")
if not tests:
    print(f"  FAILED: no test result recorded (see {ws}/run.log)")
sys.exit(1 if problems or not tests or counts["passed"] == 0 else 0)
