#!/usr/bin/env bash
# Measures stackconform on this machine and regenerates docs/performance.md.
#
#   cargo build --release && bench/run.sh
#
# Needs curl, wrk (`apt-get install -y wrk`) and GNU time at /usr/bin/time
# (`apt-get install -y time`); it builds the `http_path` bench target with cargo. Not run in CI: it takes a few minutes and its figures
# depend on the machine. Settings (environment):
#   BENCH_REPS=10           runs of the whole catalogue (measurement 1)
#   BENCH_TP_CASES=10000    generated cases per harness run (measurement 2)
#   BENCH_TP_THREADS=16     concurrency of the harness (--test-threads) and of wrk (-c)
#   BENCH_TP_ROUNDS=3       rounds of cases, HTTP path and wrk, interleaved (measurement 2)
#   BENCH_SCALE="1000 10000" catalogue sizes (measurement 3), BENCH_SCALE_REPS=3
#   BENCH_DELAYS="100ms 250ms 1s" reference detach delays, BENCH_POLL_REPS=3 (measurement 4)
#   BENCH_PROFILE_THREADS="16 64" concurrency under the realistic profile, BENCH_PROFILE_REPS=3
#                           runs each (measurement 5)
#   BENCH_START_REPS=20     runs each of stackconform and Hurl on five cases (measurement 6)
#   HURL=hurl               Hurl for measurement 6 (`cargo install --locked hurl --version 8.0.1`,
#                           with libcurl4-openssl-dev, libxml2-dev and libclang-dev); without
#                           it measurement 6 says it was not measured
#   BENCH_OUT=docs/performance.md, STACKCONFORM_BIN=target/release/stackconform
#   BENCH_KEEP=1            keep the scratch folder (logs of every run) for a look after
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${STACKCONFORM_BIN:-$ROOT/target/release/stackconform}
OUT=${BENCH_OUT:-$ROOT/docs/performance.md}
REPS=${BENCH_REPS:-10}
TP_CASES=${BENCH_TP_CASES:-10000}
TP_THREADS=${BENCH_TP_THREADS:-16}
TP_ROUNDS=${BENCH_TP_ROUNDS:-3}
SCALE=${BENCH_SCALE:-1000 10000}
SCALE_REPS=${BENCH_SCALE_REPS:-3}
DELAYS=${BENCH_DELAYS:-100ms 250ms 1s}
PROFILE_THREADS=${BENCH_PROFILE_THREADS:-16 64}
PROFILE_REPS=${BENCH_PROFILE_REPS:-3}
POLL_REPS=${BENCH_POLL_REPS:-3}
WRK_SECONDS=5

die() { echo "bench/run.sh: $*" >&2; exit 2; }
say() { echo "bench: $*" >&2; }

[ -x "$BIN" ] || die "no $BIN; run \`cargo build --release\` first"
command -v curl >/dev/null || die "curl is missing"
command -v wrk >/dev/null || die "wrk is missing (apt-get install -y wrk)"
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install -y time)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stackconform-bench.XXXXXX")
SERVE_PID=
cleanup() {
    if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -TERM "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# "median min max" of the numbers on stdin.
stats() {
    sort -g | awk '{v[NR]=$1} END {
        if (NR == 0) { print "- - -"; exit }
        m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
        printf "%s %s %s\n", m, v[1], v[NR] }'
}

# "median min max" of field N (1-based, space-separated) of FILE.
stats_of() { cut -d' ' -f"$2" "$1" | stats; }

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# gen_cases DIR N TEMPLATE...: DIR/fixtures from the catalogue, and N copies of the
# templates, round robin, each with a fresh v4 id and its own file name.
gen_cases() {
    local dir=$1 n=$2; shift 2
    mkdir -p "$dir/gen"
    cp -r "$ROOT/cases/fixtures" "$dir/"
    local bodies=() stems=() t
    for t in "$@"; do
        local text
        text=$(<"$ROOT/cases/$t.yaml")
        [[ $text == id:* ]] || die "cases/$t.yaml does not start with its id"
        bodies+=("${text#*$'\n'}")
        stems+=("$(basename "$t")")
    done
    local i k u
    for ((i = 0; i < n; i++)); do
        k=$((i % ${#bodies[@]}))
        read -r u </proc/sys/kernel/random/uuid
        printf 'id: %s\n%s\n' "$u" "${bodies[k]}" >"$dir/gen/${stems[k]}-$i.yaml"
    done
}

# timed OUTFILE CMD...: runs CMD (stdout and stderr to OUTFILE.log); OUTFILE gets
# "wall_ms user_s sys_s maxrss_kb exit".
timed() {
    local out=$1; shift
    local t0 t1 rc=0
    t0=$(now_ms)
    /usr/bin/time -f '%U %S %M' -o "$out.time" "$@" >"$out.log" 2>&1 || rc=$?
    t1=$(now_ms)
    # GNU time writes "Command exited with non-zero status N" first on failure.
    echo "$((t1 - t0)) $(tail -n 1 "$out.time") $rc" >"$out"
}

# The "finished in X.XXs" of libtest's summary, in seconds.
finished_in() { sed -n 's/.*finished in \([0-9.]*\)s.*/\1/p' "$1" | tail -n 1; }

MACHINE_CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
MACHINE="${MACHINE_CPU:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -qv '^??' && echo " (with uncommitted changes)" || true)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_BEFORE=$(load_avg)
VERSION="stackconform $(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)"

# ---------------------------------------------------------------- 1. the catalogue
say "1. the whole catalogue against the embedded cloud, $REPS runs"
cd "$ROOT"
timed "$TMP/warmup" "$BIN" # page cache and first-run effects are not measured
: >"$TMP/m1"
for ((r = 1; r <= REPS; r++)); do
    timed "$TMP/m1.$r" "$BIN"
    read -r wall user sys rss rc <"$TMP/m1.$r"
    [ "$rc" = 0 ] || die "the catalogue failed (exit $rc); see below
$(tail -n 20 "$TMP/m1.$r.log")"
    echo "$wall $user $sys $rss" >>"$TMP/m1"
done
CAT_SUMMARY=$(grep 'test result' "$TMP/m1.1.log" | tail -n 1)
read -r M1_MED M1_MIN M1_MAX < <(stats_of "$TMP/m1" 1)
read -r M1_CPU _ _ < <(awk '{printf "%.2f\n", $2 + $3}' "$TMP/m1" | stats)
read -r M1_RSS _ _ < <(stats_of "$TMP/m1" 4)
read -r M1_TRIALS _ _ < <(for ((r = 1; r <= REPS; r++)); do finished_in "$TMP/m1.$r.log"; done | stats)

# ---------------------------------------------------------------- 2. HTTP overhead
say "2. harness vs wrk at concurrency $TP_THREADS, $TP_CASES requests per harness run"
# `stackconform serve` on a free loopback port, its clouds.yaml in $TMP/clouds.yaml.
start_serve() {
    rm -f "$TMP/serve.log"
    "$BIN" serve --listen 127.0.0.1:0 --clouds-yaml "$TMP/clouds.yaml" >"$TMP/serve.log" 2>&1 &
    SERVE_PID=$!
    for _ in $(seq 100); do
        grep -q '^READY clouds.yaml' "$TMP/serve.log" 2>/dev/null && break
        kill -0 "$SERVE_PID" 2>/dev/null || die "serve exited: $(cat "$TMP/serve.log")"
        sleep 0.1
    done
    grep -q '^READY clouds.yaml' "$TMP/serve.log" || die "serve did not get ready in 10 s"
}
start_serve

# The `reference` cloud's entry of the clouds.yaml serve wrote.
cloud_field() {
    awk -v key="$1:" '/^  reference:/ {f = 1; next} /^  [^ ]/ {f = 0}
        f && $1 == key {gsub(/"/, "", $2); print $2; exit}' "$TMP/clouds.yaml"
}
# AUTH_URL, PASSWORD, USERNAME, PROJECT and BASE (the URL before /identity) of it.
read_reference_cloud() {
    AUTH_URL=$(cloud_field auth_url)
    PASSWORD=$(cloud_field password)
    USERNAME=$(cloud_field username)
    PROJECT=$(cloud_field project_name)
    [ -n "$AUTH_URL" ] && [ -n "$PASSWORD" ] || die "cannot read the reference cloud from $TMP/clouds.yaml"
    BASE=${AUTH_URL%/identity/v3}
}
read_reference_cloud
TOKEN=$(curl -sS -o /dev/null -D - -X POST "$AUTH_URL/auth/tokens" \
    -H 'Content-Type: application/json' \
    -d "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\":
        {\"name\": \"$USERNAME\", \"domain\": {\"name\": \"Default\"}, \"password\": \"$PASSWORD\"}}},
        \"scope\": {\"project\": {\"name\": \"$PROJECT\", \"domain\": {\"name\": \"Default\"}}}}}" |
    awk -F': ' 'tolower($1) == "x-subject-token" {sub(/\r$/, "", $2); print $2}')
[ -n "$TOKEN" ] || die "Keystone gave no token"
ROUTER=$(</proc/sys/kernel/random/uuid)
TP_URL="$BASE/networking/v2.0/routers/$ROUTER/remove_router_interface"
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT "$TP_URL" -H "X-Auth-Token: $TOKEN" \
    -H 'Content-Type: application/json' -H 'Accept: application/json' -d '{}')
[ "$STATUS" = 404 ] || die "the load generator's request answers $STATUS, not 404"
# The same request as the case sends (method, body, headers); its token is passed with -H.
cat >"$TMP/wrk.lua" <<'EOF'
wrk.method = "PUT"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
EOF

say "2. building the HTTP-path bench (cargo bench --bench http_path)"
PATH_BENCH=$(cd "$ROOT" && cargo bench --locked --bench http_path --no-run --message-format=json 2>"$TMP/bench-build.log" |
    grep '"name":"http_path"' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[ -x "$PATH_BENCH" ] || die "cannot build the http_path bench: $(tail -n 20 "$TMP/bench-build.log")"

gen_cases "$TMP/tp" "$TP_CASES" network/remove_router_interface/404-router-missing
HARNESS=("$BIN" run --cases "$TMP/tp" --snapshots "$ROOT/snapshots" --cloud reference
    --test-threads "$TP_THREADS" --format terse)
# Once with a report, to check that a case is exactly one request.
OS_CLIENT_CONFIG_FILE="$TMP/clouds.yaml" "${HARNESS[@]}" --report "$TMP/tp-report.json" \
    >"$TMP/tp-check.log" 2>&1 || die "the generated cases failed: $(tail -n 20 "$TMP/tp-check.log")"
EXCHANGES=$(grep -o '"phase"' "$TMP/tp-report.json" | wc -l)
[ "$EXCHANGES" = "$TP_CASES" ] || die "expected $TP_CASES exchanges in the report, found $EXCHANGES"
: >"$TMP/m2"
for ((r = 1; r <= TP_ROUNDS; r++)); do
    OS_CLIENT_CONFIG_FILE="$TMP/clouds.yaml" "${HARNESS[@]}" >"$TMP/m2.h.$r" 2>&1 ||
        die "harness round $r failed: $(tail -n 20 "$TMP/m2.h.$r")"
    secs=$(finished_in "$TMP/m2.h.$r")
    harness=$(awk -v n="$TP_CASES" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
    BENCH_URL=$TP_URL BENCH_TOKEN=$TOKEN BENCH_CONCURRENCY=$TP_THREADS BENCH_SECONDS=$WRK_SECONDS \
        "$PATH_BENCH" >"$TMP/m2.p.$r" 2>&1 || die "the http_path bench failed: $(cat "$TMP/m2.p.$r")"
    path=$(awk '/^requests\/s:/ {print $2}' "$TMP/m2.p.$r")
    [ -n "$path" ] || die "the http_path bench printed no rate: $(tail -n 5 "$TMP/m2.p.$r")"
    wrk -t 2 -c "$TP_THREADS" -d "${WRK_SECONDS}s" -s "$TMP/wrk.lua" -H "X-Auth-Token: $TOKEN" \
        "$TP_URL" >"$TMP/m2.w.$r" 2>&1 || die "wrk failed: $(cat "$TMP/m2.w.$r")"
    plain=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$TMP/m2.w.$r")
    echo "$path $harness $plain $(awk -v a="$path" -v h="$harness" -v p="$plain" 'BEGIN {printf "%.2f %.2f", a / p, h / p}')" >>"$TMP/m2"
done
read -r M2_P _ _ < <(stats_of "$TMP/m2" 1)
read -r M2_H _ _ < <(stats_of "$TMP/m2" 2)
read -r M2_W _ _ < <(stats_of "$TMP/m2" 3)
read -r M2_R M2_RMIN M2_RMAX < <(stats_of "$TMP/m2" 4)
read -r M2_C M2_CMIN M2_CMAX < <(stats_of "$TMP/m2" 5)
kill -TERM "$SERVE_PID" && wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=

# ---------------------------------------------------------------- 3. scale
MATRIX=(network/remove_router_interface/404-router-missing
    network/remove_router_interface/404-router-not-uuid
    compute/detach_interface/404-unknown-server
    compute/detach_interface/404-server-not-uuid
    compute/detach_interface/401-no-token)
: >"$TMP/m3"
for n in $SCALE; do
    say "3. $n generated cases against the embedded cloud"
    rm -rf "$TMP/scale"
    gen_cases "$TMP/scale" "$n" "${MATRIX[@]}"
    : >"$TMP/m3.$n" && : >"$TMP/m3.list.$n"
    for ((r = 1; r <= SCALE_REPS; r++)); do
        timed "$TMP/m3.l" "$BIN" run --cases "$TMP/scale" --snapshots "$ROOT/snapshots" --list
        cat "$TMP/m3.l" >>"$TMP/m3.list.$n"
        timed "$TMP/m3.$n.$r" "$BIN" run --cases "$TMP/scale" --snapshots "$ROOT/snapshots" --format terse
        read -r wall user sys rss rc <"$TMP/m3.$n.$r"
        [ "$rc" = 0 ] || die "$n cases: exit $rc: $(tail -n 20 "$TMP/m3.$n.$r.log")"
        echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}') $rss $(finished_in "$TMP/m3.$n.$r.log")" >>"$TMP/m3.$n"
    done
    read -r wall _ _ < <(stats_of "$TMP/m3.$n" 1)
    read -r cpu _ _ < <(stats_of "$TMP/m3.$n" 2)
    read -r _ _ rss < <(stats_of "$TMP/m3.$n" 3)
    read -r trials _ _ < <(stats_of "$TMP/m3.$n" 4)
    read -r list_wall _ _ < <(stats_of "$TMP/m3.list.$n" 1)
    read -r _ _ list_rss < <(stats_of "$TMP/m3.list.$n" 4)
    echo "$n $wall $cpu $rss $trials $list_wall $list_rss" >>"$TMP/m3"
done
rm -rf "$TMP/scale"

# ---------------------------------------------------------------- 4. polling
# The request under test of a 202 case starts the reference cloud's detach; follow-up
# check 1 polls the instance action until it is as the case waits for it. The embedded
# cloud logs when it finishes an action's event and when it writes the action's message;
# the runner logs every exchange, with its URL (which has the action's request id), when
# the answer is in. lag = (the poll that saw it) - (the last of those changes to the
# action before it). For most cases that is the event, D after the 202; a case that waits
# for a failed action's message too (202-not-attached) waits for the message, which the
# cloud writes 250 ms after the event, as real Nova writes it a moment after.
: >"$TMP/m4"
for delay in $DELAYS; do
    delay_ms=$(awk -v d="$delay" 'BEGIN {
        if (d ~ /ms$/) { sub(/ms$/, "", d); print d + 0 }
        else if (d ~ /s$/) { sub(/s$/, "", d); print d * 1000 }
        else print "x" }')
    [ "$delay_ms" != x ] || die "BENCH_DELAYS: write delays as 100ms or 1s, not $delay"
    for ((r = 1; r <= POLL_REPS; r++)); do
        say "4. polling after a $delay detach, run $r of $POLL_REPS"
        RUST_LOG=stackconform::runner::request=debug,refcloud::nova::instance_actions=debug \
            "$BIN" --reference-detach-delay "$delay" compute.detach_interface::202- >"$TMP/m4.out" 2>"$TMP/m4.log" ||
            die "the 202 cases failed with a $delay delay: $(tail -n 20 "$TMP/m4.out")"
        sed 's/\x1b\[[0-9;]*m//g' "$TMP/m4.log" | awk -v d="$delay" '
            function secs(ts,   p) { split(substr(ts, 12, 15), p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
            / instance action (event finished|message written) / {
                match($0, /request_id="[^"]+"/); rid = substr($0, RSTART + 12, RLENGTH - 13)
                changes[rid] = changes[rid] " " sprintf("%.6f", secs($1))   # not CONVFMT: 6 digits
            }
            / exchange / && /step="follow-up check 1 / {
                match($0, /trial=[^ ]+/); trial = substr($0, RSTART + 6, RLENGTH - 6)
                match($0, /os-instance-actions\/[^ ?]+/); action[trial] = substr($0, RSTART + 20, RLENGTH - 20)
                seen[trial] = secs($1); polls[trial]++
            }
            END {
                for (c in seen) {
                    n = split(changes[action[c]], t, " "); done = -1
                    for (i = 1; i <= n; i++) if (t[i] <= seen[c] && t[i] > done) done = t[i]
                    if (done < 0) continue   # no change logged for that action
                    lag = (seen[c] - done) * 1000
                    if (lag < 0) lag += 86400000   # a run across midnight (UTC)
                    printf "%s %.1f %d %s\n", d, lag, polls[c], c
                }
            }' >>"$TMP/m4"
    done
done
[ -s "$TMP/m4" ] || die "no detach was measured (no 202 case with a polling follow-up ran)"
LOAD_AFTER=$(load_avg)

# ---------------------------------------------------------------- 5. realistic profile
# The catalogue against the embedded cloud answering and finishing work as a production
# deployment does (`--reference-profile realistic`), next to its critical path: the
# longest chain of requests that depend on each other, at the profile's times.
say "5. the catalogue under the realistic profile: $PROFILE_THREADS cases at once, $PROFILE_REPS runs each"
"$BIN" profile realistic --critical-path --json >"$TMP/m5.cp.json" || die "profile --critical-path failed"
"$BIN" profile realistic --critical-path >"$TMP/m5.cp.txt"
M5_CP=$(sed -n 's/.*"critical_path_ms": \([0-9]*\).*/\1/p' "$TMP/m5.cp.json")
M5_WORK=$(sed -n 's/.*"work_ms": \([0-9]*\).*/\1/p' "$TMP/m5.cp.json")
: >"$TMP/m5"
for threads in $PROFILE_THREADS; do
    for ((r = 1; r <= PROFILE_REPS; r++)); do
        timed "$TMP/m5.$threads.$r" "$BIN" --reference-profile realistic --test-threads "$threads" \
            --report "$TMP/m5.$threads.$r.json"
        read -r wall _ _ _ rc <"$TMP/m5.$threads.$r"
        [ "$rc" = 0 ] || die "the catalogue failed under the realistic profile (exit $rc)
$(tail -n 20 "$TMP/m5.$threads.$r.log")"
        echo "$threads $wall" >>"$TMP/m5"
    done
done
M5_CREATED=$(sed -n 's/^  created (by resource): //p' "$TMP/m5.$(echo "$PROFILE_THREADS" | cut -d' ' -f1).1.log")
M5_PEAKS=$(grep -E '^  quota (router|instances) of project .* in flight' "$TMP/m5.$(echo "$PROFILE_THREADS" | cut -d' ' -f1).1.log" | sed 's/^  //; s/ of project [0-9a-f]*…//' | paste -sd';' | sed 's/;/; /g')

# ---------------------------------------------------------------- 6. start-up, five cases
# What a person waits for with a handful of cases: process start, the catalogue, the
# logins, discovery, five requests. The same five fixture-less cases as measurement 3,
# against `serve`, and the same five requests as a Hurl file that logs in once and checks
# the status, the request-id header and the body fields the cases check. Rounds interleave
# the two tools, so a busy machine weighs on both alike.
START_REPS=${BENCH_START_REPS:-20}
HURL=${HURL:-$(command -v hurl || true)}
say "6. start-up: five cases, stackconform${HURL:+ and Hurl}, $START_REPS runs each"
start_serve
read_reference_cloud
mkdir -p "$TMP/five"
cp -r "$ROOT/cases/fixtures" "$TMP/five/fixtures"
for c in "${MATRIX[@]}"; do
    mkdir -p "$TMP/five/$(dirname "$c")"
    cp "$ROOT/cases/$c.yaml" "$TMP/five/$c.yaml"
done
IDENTITY_FLAGS=(--cloud reference --alt-cloud reference-alt --reader-cloud reference-reader
    --admin-cloud reference-admin)
FIVE=("$BIN" --cases "$TMP/five" --snapshots "$ROOT/snapshots" "${IDENTITY_FLAGS[@]}")
cat >"$TMP/five.hurl" <<'EOF'
POST {{auth_url}}/auth/tokens
{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "{{user}}",
 "domain": {"name": "Default"}, "password": "{{password}}"}}},
 "scope": {"project": {"name": "{{project}}", "domain": {"name": "Default"}}}}}
HTTP 201
[Captures]
token: header "X-Subject-Token"
project_id: jsonpath "$.token.project.id"

PUT {{base}}/networking/v2.0/routers/{{newUuid}}/remove_router_interface
X-Auth-Token: {{token}}
Accept: application/json
{}
HTTP 404
[Asserts]
header "X-Openstack-Request-Id" matches /^req-[0-9a-f-]{36}$/
jsonpath "$.NeutronError.type" == "RouterNotFound"
jsonpath "$.NeutronError.message" matches /^Router [0-9a-f-]{36} could not be found$/
jsonpath "$.NeutronError.detail" == ""

PUT {{base}}/networking/v2.0/routers/not-a-uuid/remove_router_interface
X-Auth-Token: {{token}}
Accept: application/json
{}
HTTP 404
[Asserts]
header "X-Openstack-Request-Id" matches /^req-[0-9a-f-]{36}$/
jsonpath "$.NeutronError.type" == "RouterNotFound"
jsonpath "$.NeutronError.message" == "Router not-a-uuid could not be found"
jsonpath "$.NeutronError.detail" == ""

DELETE {{base}}/compute/v2.1/{{project_id}}/servers/{{newUuid}}/os-interface/{{newUuid}}
X-Auth-Token: {{token}}
Accept: application/json
HTTP 404
[Asserts]
header "OpenStack-API-Version" == "compute 2.1"
header "X-Openstack-Request-Id" matches /^req-[0-9a-f-]{36}$/
jsonpath "$.itemNotFound.code" == 404
jsonpath "$.itemNotFound.message" matches /^Instance [0-9a-f-]{36} could not be found\.$/

DELETE {{base}}/compute/v2.1/{{project_id}}/servers/not-a-uuid/os-interface/{{newUuid}}
X-Auth-Token: {{token}}
Accept: application/json
HTTP 404
[Asserts]
header "OpenStack-API-Version" == "compute 2.1"
header "X-Openstack-Request-Id" matches /^req-[0-9a-f-]{36}$/
jsonpath "$.itemNotFound.code" == 404
jsonpath "$.itemNotFound.message" == "Instance not-a-uuid could not be found."

DELETE {{base}}/compute/v2.1/servers/{{newUuid}}/os-interface/{{newUuid}}
Accept: application/json
HTTP 401
[Asserts]
header "WWW-Authenticate" startsWith "Keystone uri="
jsonpath "$.error.code" == 401
jsonpath "$.error.title" == "Unauthorized"
jsonpath "$.error.message" == "The request you have made requires authentication."
EOF
HURL_RUN=("$HURL" --test --jobs 1 --variable "auth_url=$AUTH_URL" --variable "base=$BASE"
    --variable "user=$USERNAME" --variable "password=$PASSWORD" --variable "project=$PROJECT"
    "$TMP/five.hurl")
OS_CLIENT_CONFIG_FILE="$TMP/clouds.yaml" "${FIVE[@]}" >"$TMP/m6.check" 2>&1 ||
    die "the five cases failed: $(tail -n 20 "$TMP/m6.check")"
grep -q '5 passed' "$TMP/m6.check" || die "expected 5 passed: $(tail -n 3 "$TMP/m6.check")"
if [ -n "$HURL" ]; then
    "${HURL_RUN[@]}" >"$TMP/m6.hurl.check" 2>&1 || die "the Hurl file failed: $(tail -n 30 "$TMP/m6.hurl.check")"
    M6_HURL_VERSION=$("$HURL" --version | sed -n 1p)   # sed reads it all: no SIGPIPE under pipefail
fi
: >"$TMP/m6"
# m6_time TOOL CMD...: runs CMD, appends "TOOL <microseconds>" to $TMP/m6.
m6_time() {
    local tool=$1 s e
    shift
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || die "$tool, run $r failed"
    e=$(date +%s%N)
    echo "$tool $(( (e - s) / 1000 ))" >>"$TMP/m6"
}
for ((r = 1; r <= START_REPS; r++)); do
    OS_CLIENT_CONFIG_FILE="$TMP/clouds.yaml" m6_time stackconform "${FIVE[@]}"
    [ -z "$HURL" ] || m6_time hurl "${HURL_RUN[@]}"
done
kill -TERM "$SERVE_PID" && wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=
# "median min max" in ms with one decimal, of the tool's runs (µs in the file).
m6_stats() { awk -v t="$1" '$1 == t {print $2}' "$TMP/m6" | stats | awk '{printf "%.1f %.1f %.1f\n", $1 / 1000, $2 / 1000, $3 / 1000}'; }
read -r M6_S M6_S_MIN M6_S_MAX < <(m6_stats stackconform)
if [ -n "$HURL" ]; then
    read -r M6_H M6_H_MIN M6_H_MAX < <(m6_stats hurl)
    M6_RATIO=$(awk -v s="$M6_S" -v h="$M6_H" 'BEGIN {printf "%.2f", s / h}')
fi

# ---------------------------------------------------------------- the report
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN {
    ok = (dir == "<") ? (v < t) : (v >= t); print ok ? "met" : "**missed**" }'; }
M1_S=$(awk -v v="$M1_MED" 'BEGIN {printf "%.3f", v / 1000}')

{
    cat <<EOF
# Performance

<!-- generated by bench/run.sh; do not edit by hand: run \`cargo build --release && bench/run.sh\` -->

Measured with \`bench/run.sh\` on $STARTED, at commit \`$COMMIT\`$DIRTY ($VERSION).

- Machine: $MACHINE.
- The machine is shared: load average $LOAD_BEFORE before the run, $LOAD_AFTER after.
  Wall times on a loaded 2-core machine vary by a factor of 2 or more between runs;
  CPU time (user + system) is the steadier figure.
- Reproduce: \`cargo build --release && bench/run.sh\` (needs \`curl\`, \`wrk\`, GNU
  \`/usr/bin/time\`; settings are environment variables, see the head of the script).

## Summary

| measurement | target | result | |
|---|---|---|---|
| 1. whole catalogue, embedded cloud, wall time (median, runs: $REPS) | < 1 s | ${M1_S} s | $(verdict "$M1_MED" 1000 "<") |
| 2. the harness's HTTP path / plain \`wrk\`, same request and concurrency ($TP_THREADS), requests per second | ≥ 0.5 | $M2_R (median, rounds: $TP_ROUNDS) | $(verdict "$M2_R" 0.5 ">=") |
| 2. whole one-request cases / plain \`wrk\` (the same, plus rendering, checks, schema, record) | ≥ 0.5 if read as whole cases | $M2_C (median) | $(verdict "$M2_C" 0.5 ">=") |
EOF
    while read -r n wall cpu rss trials list_wall list_rss; do
        echo "| 3. $n generated cases, wall time / peak memory | < 30 s / < 150 MB | $(awk -v v="$wall" 'BEGIN {printf "%.2f", v / 1000}') s / $(awk -v v="$rss" 'BEGIN {printf "%.0f", v / 1024}') MB | $(verdict "$wall" 30000 "<") / $(verdict "$rss" 153600 "<") |"
    done <"$TMP/m3"
    if grep -q '^100ms ' "$TMP/m4"; then
        read -r med _ worst < <(awk '$1 == "100ms" {print $2}' "$TMP/m4" | stats)
        echo "| 4. completion to the poll that sees it, 100 ms detach | < 50 ms | median $med ms, worst $worst ms | $(verdict "$med" 50 "<") (median) / $(verdict "$worst" 50 "<") (worst) |"
    fi
    for threads in $PROFILE_THREADS; do
        read -r med _ _ < <(awk -v t="$threads" '$1 == t {print $2}' "$TMP/m5" | stats)
        ratio=$(awk -v w="$med" -v c="$M5_CP" 'BEGIN {printf "%.2f", w / c}')
        echo "| 5. realistic profile, $threads cases at once: wall time / critical path ($(awk -v c="$M5_CP" 'BEGIN {printf "%.1f", c / 1000}') s) | ≤ 1.3 | $ratio ($(awk -v v="$med" 'BEGIN {printf "%.1f", v / 1000}') s, median of $PROFILE_REPS) | $(verdict "$ratio" 1.3001 "<") |"
    done
    if [ -n "$HURL" ]; then
        echo "| 6. five cases against \`serve\`, process start to exit: stackconform / Hurl | ≤ 1 | $M6_RATIO ($M6_S ms / $M6_H ms, medians of $START_REPS) | $(verdict "$M6_RATIO" 1.0001 "<") |"
    else
        echo "| 6. five cases against \`serve\`: stackconform / Hurl | ≤ 1 | not measured: no \`hurl\` on this machine (stackconform alone: $M6_S ms) | - |"
    fi
    cat <<EOF

## 1. The whole catalogue against the embedded reference cloud

\`\`\`sh
target/release/stackconform      # in the clone, $REPS times, after one unmeasured run
\`\`\`

Wall time from process start to exit (measured around the process), $REPS runs:
**median ${M1_MED} ms**, min ${M1_MIN} ms, max ${M1_MAX} ms. Median CPU time (user + system)
${M1_CPU} s, peak memory $(awk -v v="$M1_RSS" 'BEGIN {printf "%.0f", v / 1024}') MB; libtest's own
\`finished in\` (the trials alone, without loading and starting the cloud) has median ${M1_TRIALS} s.
The summary line: \`$CAT_SUMMARY\`.

Most of the time is the asynchronous cases waiting for the reference cloud (a detach takes
100 ms, a server boot and delete some more); with 16 trials in parallel the slowest chain of
waits sets the wall time, not the CPU.

## 2. The harness's own overhead

\`\`\`sh
stackconform serve --listen 127.0.0.1:0 --clouds-yaml \$TMP/clouds.yaml
# the HTTP path: the harness's client and http::send, $TP_THREADS requests at a time
BENCH_URL=$BASE/networking/v2.0/routers/<uuid>/remove_router_interface BENCH_TOKEN=\$TOKEN \\
  BENCH_CONCURRENCY=$TP_THREADS BENCH_SECONDS=$WRK_SECONDS cargo bench --bench http_path
# whole cases: $TP_CASES copies of cases/network/remove_router_interface/404-router-missing.yaml,
# each a file of its own with a fresh id, plus cases/fixtures, in \$TMP/tp:
OS_CLIENT_CONFIG_FILE=\$TMP/clouds.yaml stackconform run --cases \$TMP/tp \\
  --snapshots snapshots --cloud reference --test-threads $TP_THREADS --format terse
# the plain load generator
wrk -t 2 -c $TP_THREADS -d ${WRK_SECONDS}s -s \$TMP/wrk.lua -H "X-Auth-Token: \$TOKEN" \\
  $BASE/networking/v2.0/routers/<uuid>/remove_router_interface
\`\`\`

All three send the same request, \`PUT /networking/v2.0/routers/<uuid>/remove_router_interface\`
with body \`{}\`, Content-Type and Accept JSON and a Keystone token, answered 404, over
$TP_THREADS connections at once, to the same \`serve\` process, which shares the 2 cores with
whichever client runs; rounds alternate the three.

- **The HTTP path** (\`benches/http_path.rs\`) is what every request of a case goes through:
  the client \`runner::http_client\` builds and \`http::send\` (the request timeout, the capped
  body read, the response headers kept for the checks). This is the issue's measure: the
  request rate the harness's HTTP path reaches next to a plain load generator.
- **Whole cases** add everything a case does around its one request (checked: $EXCHANGES
  exchanges in a report of $TP_CASES cases): render the request from the case's templates,
  judge status, the request-id header (a regex), three body fields and the strict schema,
  and record the exchange and the body's shape for the report, with libtest printing each
  outcome. Their rate is $TP_CASES over libtest's \`finished in\` (not loading or log-in).
- **\`wrk\`** is a C event loop that parses little more than the status line.

| round | HTTP path (requests/s) | whole cases (cases/s) | wrk (requests/s) | HTTP path / wrk | cases / wrk |
|---:|---:|---:|---:|---:|---:|
EOF
    awk '{printf "| %d | %s | %s | %s | %s | %s |\n", NR, $1, $2, $3, $4, $5}' "$TMP/m2"
    cat <<EOF

Medians: HTTP path ${M2_P}/s, whole cases ${M2_H}/s, \`wrk\` ${M2_W}/s. HTTP path / \`wrk\`
**${M2_R}** (min ${M2_RMIN}, max ${M2_RMAX}); whole cases / \`wrk\` **${M2_C}** (min ${M2_CMIN},
max ${M2_CMAX}).

What a whole case costs beyond its request, and what was done about it, is under
"Profiles and changes" below.

## 3. Scale: generated catalogues

The cases are a matrix over five fixture-less error cases, round robin, each copy a file
with a fresh id: $(printf '`%s`, ' "${MATRIX[@]##*/}" | sed 's/, $//').

\`\`\`sh
/usr/bin/time -v stackconform run --cases \$TMP/scale --snapshots snapshots --format terse   # runs per size: $SCALE_REPS
/usr/bin/time -v stackconform run --cases \$TMP/scale --snapshots snapshots --list           # loading alone, as often
\`\`\`

| cases | wall (median, runs: $SCALE_REPS) | CPU user+sys | peak RSS | trials (\`finished in\`) | load + list only: wall / peak RSS |
|---:|---:|---:|---:|---:|---:|
EOF
    awk '{printf "| %d | %.2f s | %.2f s | %.0f MB | %s s | %.2f s / %.0f MB |\n", $1, $2 / 1000, $3, $4 / 1024, $5, $6 / 1000, $7 / 1024}' "$TMP/m3"
    awk 'NR == 1 {n1 = $1; c1 = $3; r1 = $4} NR > 1 {
        printf "\nFrom %d to %d cases: %.2f ms of CPU and %.1f KB of peak memory per added case.\n",
            n1, $1, ($3 - c1) * 1000 / ($1 - n1), ($4 - r1) / ($1 - n1) }' "$TMP/m3"
    cat <<EOF
Cost grows linearly: loading parses every file (YAML, most of the load time), the run
keeps one case document per case (shared by the trial list, not copied) and one report
entry per case.

## 4. How soon polling notices an asynchronous completion

\`\`\`sh
RUST_LOG=stackconform::runner::request=debug,refcloud::nova::instance_actions=debug \\
  stackconform --reference-detach-delay D compute.detach_interface::202-
\`\`\`

The \`202-*\` cases detach an interface (or try to); the reference cloud finishes the
instance action's event D after the request. Those whose first follow-up check polls the
instance action until it is as the case waits for it are measured (the others poll a
port, which has no logged change to count from). The debug log stamps every exchange when
its answer is in, and every change the cloud makes to an action when it makes it (both in
microseconds, one clock, one process); the lag is *(the poll that saw the change) − (the
last change to that action before it)*. For \`202-not-attached\` the change waited for
is the action's \`Error\` message, which the cloud writes 250 ms after the event, as real
Nova writes it a moment after; counting from the event would charge those 250 ms to the
poll. Polling: \`--poll-interval\` 10 ms, each pause half as long again, at most 40 ms in
the poll's first second, up to \`--poll-max-interval\` 1 s after it.

Runs of the cases per delay: $POLL_REPS.

| delay | detaches | lag median (ms) | min | max | polls (median) |
|---:|---:|---:|---:|---:|---:|
EOF
    for delay in $DELAYS; do
        read -r med lo hi < <(awk -v d="$delay" '$1 == d {print $2}' "$TMP/m4" | stats)
        read -r polls _ _ < <(awk -v d="$delay" '$1 == d {print $3}' "$TMP/m4" | stats)
        echo "| $delay | $(awk -v d="$delay" '$1 == d' "$TMP/m4" | wc -l) | $med | $lo | $hi | $polls |"
    done
    cat <<'EOF'

**The backoff.** With pauses that double from 10 ms, polls go out at about 0, 10, 30, 70,
150 ms...: a completion at 100 ms is seen at ~150 ms, 50 ms late before any request or
timer overhead (measured at commit 069fd70 on this machine: 54-61 ms over 15 detaches, a
miss). In general doubling can notice a completion up to the whole time already waited
late. Growing each pause by half (0, 10, 25, 47, 81, 132 ms...) bounds the delay at about
half the time waited: ~32 ms at 100 ms, but ~140 ms for the failed action's message at
350 ms (measured at commit 3cbd165: worst 409 ms counted from the event, i.e. ~160 ms
after the message). So during a poll's first second the pauses now stay at most 40 ms:
every completion in that second is noticed within ~40 ms plus a request. After it the
pauses grow by half to the 1 s ceiling as before. On a real cloud, where a detach or a
boot takes seconds, that costs about 20 more polls per wait (a minute's wait: under 100
polls, a unit test holds it); a fixed short ceiling throughout would poll a real cloud 20
times a second for as long as it takes.

EOF
    cat <<EOF
## 5. The catalogue under a realistic latency profile

\`\`\`sh
stackconform profile realistic                    # the figures, each with its source
stackconform profile realistic --critical-path    # the longest chain of dependent requests
target/release/stackconform --reference-profile realistic --test-threads N   # $PROFILE_REPS runs per N
\`\`\`

The realistic profile answers each request and finishes each boot, delete, detach and
action in the time a production deployment takes (medians from the OpenStack
performance-docs Rally reports and a nova-api request log; \`stackconform profile realistic\`
lists every figure with its source; four are estimates, marked as such): a boot 0.5 s
to answer and 8 s to ACTIVE, a delete 1.5 s to gone, a detach 2 s, add and remove router
interface 0.9 and 1.1 s, a Keystone login 75 ms.

The **critical path** is the longest chain of requests that must happen one after
another: a case's fixture setups (shared ones included), its request, its checks, its
cleanup and teardown, then the teardown of the shared fixtures it used, each request at the
profile's answer time and each poll at the time the work it waits for takes. No run can be
faster. Here it is **$(awk -v c="$M5_CP" 'BEGIN {printf "%.1f", c / 1000}') s**:

\`\`\`
$(cat "$TMP/m5.cp.txt")
\`\`\`

The other bound is the **work**: every case's own chain, plus each shared fixture's
setup and teardown once (one user does them for all), comes to
$(awk -v c="$M5_WORK" 'BEGIN {printf "%.0f", c / 1000}') s; N cases at once share it out, about $(awk -v c="$M5_WORK" 'BEGIN {printf "%.0f", c / 1000}') s / N
whatever the order: $(awk -v c="$M5_WORK" 'BEGIN {printf "%.1f", c / 16000}') s at 16 ($(awk -v c="$M5_WORK" -v p="$M5_CP" 'BEGIN {printf "%.2f", c / 16 / p}') times the critical path). Both are
estimates from the profile's figures: a poll is counted as waiting the whole work it
waits for, though a case's checks overlap part of it.

| cases at once | wall time, median (runs: $PROFILE_REPS) | min | max | wall / critical path |
|---:|---:|---:|---:|---:|
$(for threads in $PROFILE_THREADS; do
    read -r med min max < <(awk -v t="$threads" '$1 == t {print $2}' "$TMP/m5" | stats)
    echo "| $threads | $(awk -v v="$med" 'BEGIN {printf "%.1f", v / 1000}') s | $(awk -v v="$min" 'BEGIN {printf "%.1f", v / 1000}') s | $(awk -v v="$max" 'BEGIN {printf "%.1f", v / 1000}') s | $(awk -v w="$med" -v c="$M5_CP" 'BEGIN {printf "%.2f", w / c}') |"
done)

Created in one run, by resource: $M5_CREATED. Peaks against the quotas (16 at once): $M5_PEAKS.

How the run gets there (\`src/runner/trials.rs\`): it starts the longest chains first, so
the boots do not finish last; a shared fixture counts for its first user only
(\`critical_path::start_costs\`), and its other users wait for its setup before they take
a job slot, not in one; a case that takes a quota with less room than there are jobs
ranks that much higher (\`Quotas::scarcity\`: a router, 8 of them for 16 jobs, counts
twice); and a freed slot goes to the best-ranked case waiting, not the first to arrive
(\`src/runner/slots.rs\`). Without the last, the cases that waited for a router queued
behind every other case, and the run's last 9 s ran 5 to 8 cases at once. With 64 at
once the quotas are the only limit.

Before this round's changes (measured by hand on 2026-12-06 on a machine of the same kind, the realistic
profile, one run each; the catalogue of commit \`a5446c0\` is run with
\`--cases\`/\`--snapshots\` of a \`git archive\` of it):

| catalogue, order | 16 at once | 64 at once | routers, servers created |
|---|---:|---:|---:|
| \`a5446c0\`, longest first | 37.8 s | 28.0 s (held back by the 10-router quota) | 45, 8 |
| shared fixtures, catalogue order (before the longest-first start) | 36.9 s | 21.8 s | 23, 7 |
| shared fixtures, longest first | 33.3 s | 21.7 s | 23, 7 |
| \`e369c53\` (97 cases; \`bench/run.sh\`, medians of 3, 2026-12-07): slots first come, first served | 32.4 s | 21.2 s | 23, 7 |

EOF
    cat <<EOF
## 6. Start-up: five cases, stackconform and Hurl

What a person waits for with a handful of cases: the process, the catalogue, the logins,
discovery and five requests. The five fixture-less cases of measurement 3 against
\`stackconform serve\`, with the four identities a certification run gives; and the same
five requests as one Hurl file that logs in once and checks the status, the request-id
header and the body fields the cases check (\`--test --jobs 1\`; the file is in
\`bench/run.sh\`). Rounds alternate the two tools. Process start to exit, $START_REPS runs each:

| tool | median | min | max |
|---|---:|---:|---:|
| stackconform (four logins and discovery at once, case files parsed on every core) | $M6_S ms | $M6_S_MIN ms | $M6_S_MAX ms |
EOF
    if [ -n "$HURL" ]; then
        echo "| $M6_HURL_VERSION (one login) | $M6_H ms | $M6_H_MIN ms | $M6_H_MAX ms |"
        echo
        echo "stackconform / Hurl: **$M6_RATIO**."
    else
        echo
        echo "Hurl was not measured: no \`hurl\` on this machine (see the head of the script)."
    fi
    cat <<'EOF'

Before this round (commit `d351c10`, the same five cases and serve, measured by hand,
21 runs each): stackconform 37 ms, Hurl 18 to 24 ms; the issue measured 1.2 to 1.3 times
Hurl. callgrind of a five-case run put a third of its instructions into building one HTTP
client per identity (each loads the system's root certificates), a fifth into compiling
the cases' schemas and most of the rest into parsing YAML. Now the identities of a target
share a client per TLS setting, built on its own thread while the catalogue loads
(`src/runner/client.rs`); the selected cases' schemas compile on another thread while
the logins wait for the target; the four logins, and discovery's two documents, run at
once (on a real Keystone, 75 ms a login in the realistic profile, that saves about three
logins' time); and the case files are parsed on every core.

## Profiles and changes

`perf record --call-graph dwarf` of the harness (measurement 2) and `heaptrack` of a
10,000-case run found what the changes below fix. Before and after, measured back to back
with this script (`STACKCONFORM_BIN=<binary of commit 069fd70> bench/run.sh`, then this
commit's; 3 catalogue runs, 3 rounds, 10,000 cases, 15 detaches at 100 ms) on 2026-11-23:

| change | before (069fd70) | after |
|---|---:|---:|
| `{regex}` matchers compiled once per pattern (`src/check/regex_cache.rs`), not twice per check: 13% of the harness's CPU | harness 2,618/s, ratio 0.10 | 6,993/s, ratio 0.24 |
| `Case::doc` an `Arc`: each case document was held three times (catalogue, the run's list, each trial) | 10,000 cases: 231 MB, 4.07 s | 122 MB, 2.24 s |
| poll pauses grow by half instead of doubling | lag median 60.0 ms, worst 71.3 ms | median 42.7 ms, worst 47.1 ms |

Second round, 2026-11-23, from commit `3cbd165` (the binary of that commit and this
one's, alternated against one `serve`, 5 runs each of the 10,000 one-request cases of
measurement 2; the figures are libtest's `finished in` and the process's CPU, loading
included):

| change | before | after |
|---|---:|---:|
| all of the below | 0.63 s, CPU 1.82 s (15,900 cases/s) | 0.49 s, CPU 1.46 s (20,400 cases/s) |
| cases run as tokio tasks, at most `--test-threads` at once, libtest waiting on each outcome in catalogue order, instead of a blocked libtest thread per case | 0.61 s | 0.61 s: no change |
| mimalloc as the global allocator (glibc's malloc and free were ~15% of the CPU) | 0.61 s, CPU 1.69 s | 0.48 s, CPU 1.33 s |
| per-run variables built once, not per case (6% in perf); the request shared with the record, not cloned twice; URL origins parsed once per thread (host parsing was 5%); no template parse for plain strings; `is_valid` before collecting schema errors | 0.48 s | 0.47 s: within the noise |

The previous note expected the hand-off between libtest threads and the runtime to be the
limit; moving the cases onto the runtime showed it was not. The run-to-run spread on this
shared machine is ±10% in wall time, so changes of a few percent only show in perf.

**What limits whole cases.** The HTTP path alone reaches the target (above); a whole case
does not. Against `serve` a one-request case costs the harness about 65 µs of CPU (the
process's CPU less a `--list` run's, over 10,000 cases), its HTTP path about 35 µs, and the
reference cloud about 25 µs per answer (its process's CPU over the same run); all share 2
cores, so each µs the harness spends is one the cloud cannot. Taking
parts out of the case (a measuring build, not committed): without the checks and the schema
the cases went from 0.48 s to 0.42 s; without those and the record of the body's shape, to
0.39 s, which is still 0.45 of `wrk`. What remains is spread thin in perf (the case's task
and deadline, rendering, the record, libtest's printing, each a few percent), with no single
piece worth a rewrite. Reaching 0.5 for whole cases would take a leaner client than
reqwest/hyper (whose request and connection tasks are half the harness's CPU), which the
design card rules out, or not judging what the case states.

Loading parses YAML (serde-saphyr), about 0.06 ms of CPU per case, the case files spread
over every core (`src/case/load.rs`, since measurement 6).
EOF
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say "wrote $OUT"
