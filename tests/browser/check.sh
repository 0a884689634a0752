#!/usr/bin/env bash
# Opens the page `--html` writes in a real browser (Debian's headless Chromium) and checks
# what it shows: every case of the run, the failing one open with its failure, and the
# verdict filter (`#only=failed`) hiding the others. Leaves a screenshot in
# target/browser/ for people to look at.
#   usage: tests/browser/check.sh          (installs Debian's chromium when missing)
#   env:   STACKCONFORM_BIN (default target/release/stackconform), CHROMIUM (default chromium)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
BIN=${STACKCONFORM_BIN:-target/release/stackconform}
CHROMIUM=${CHROMIUM:-chromium}
trap 'echo "FAIL (line $LINENO): $BASH_COMMAND" >&2' ERR

if ! command -v "$CHROMIUM" >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
OUT=target/browser
mkdir -p "$OUT"
"$BIN" catalogue export "$W" >/dev/null
# One failing case (its body check expects another fault), one known deviation.
sed -i '0,/itemNotFound/s//badRequest/' "$W/cases/compute/detach_interface/404-unknown-server.yaml"
DEVIATION=$(grep -m1 '^id:' "$W/cases/compute/detach_interface/406-microversion-out-of-range.yaml" | awk '{print $2}')
sed -i '0,/^  status: 406/s//  status: 400/' "$W/cases/compute/detach_interface/406-microversion-out-of-range.yaml"
printf 'target: browser check\ndeviations:\n  - case: %s\n    reason: planted to show a deviation\n' "$DEVIATION" >"$W/deviations.yaml"
code=0
CI=true "$BIN" --cases "$W/cases" --deviations "$W/deviations.yaml" \
  --html "$W/page.html" --report "$W/report.json" compute.detach_interface:: >"$W/run.log" 2>&1 || code=$?
[ "$code" = 101 ] || { cat "$W/run.log"; echo "expected exit 101, got $code" >&2; exit 1; }
cp "$W/page.html" "$OUT/page.html"

browse() {
  # The flags the machine's notes give for a closed network; a fresh profile each time.
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$W")" "$@" 2>/dev/null
}
browse --dump-dom "file://$W/page.html" >"$W/all.html"
browse --dump-dom "file://$W/page.html#only=failed" >"$W/failed.html"
browse --screenshot="$OUT/page.png" --window-size=1280,1600 "file://$W/page.html"

python3 - "$W/report.json" "$W/all.html" "$W/failed.html" <<'PY'
import json, sys
from html.parser import HTMLParser

report = json.load(open(sys.argv[1]))
expected = {c["trial"].replace("::", "-"): c["verdict"] for c in report["cases"]}

class Cases(HTMLParser):
    """Each case entry (details) as the browser left it: its verdict, hidden or not."""
    def __init__(self):
        super().__init__()
        self.cases, self.shown_count, self._in_shown = {}, None, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details" and a.get("id", "").startswith("case-"):
            self.cases[a["id"][5:]] = (a.get("data-verdict"), "hidden" in a, "open" in a)
        if a.get("id") == "shown":
            self._in_shown = True
    def handle_data(self, data):
        if self._in_shown:
            self.shown_count, self._in_shown = int(data), False

def dom(path):
    p = Cases()
    p.feed(open(path).read())
    return p

all_, failed = dom(sys.argv[2]), dom(sys.argv[3])
assert set(all_.cases) == set(expected), (sorted(all_.cases), sorted(expected))
for trial, verdict in expected.items():
    seen, hidden, is_open = all_.cases[trial]
    assert seen == verdict, (trial, seen, verdict)
    assert not hidden, f"{trial} hidden with every verdict ticked"
    assert is_open == (verdict == "failed"), (trial, is_open)
    f_seen, f_hidden, _ = failed.cases[trial]
    assert f_hidden == (verdict != "failed"), f"#only=failed: {trial} ({verdict}) hidden={f_hidden}"
verdicts = sorted(expected.values())
assert "failed" in verdicts and "known_deviation" in verdicts and "passed" in verdicts, verdicts
assert all_.shown_count == len(expected), all_.shown_count
assert failed.shown_count == verdicts.count("failed"), failed.shown_count
print(f"browser: {len(expected)} cases shown ({', '.join(f'{verdicts.count(v)} {v}' for v in sorted(set(verdicts)))}); "
      f"#only=failed shows {failed.shown_count}")
PY
echo "browser: page and screenshot in $OUT/"
