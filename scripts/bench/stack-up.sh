#!/usr/bin/env bash
# Stack bring-up time and API latency of a running `aicore-node agent` (issue 5).
#
#  1. `aicore-node up -d --wait -f config/stacks/ai-core.yml` against an agent already running in
#     a fresh state directory, R times (`down -v` between runs, so each includes postgres' initdb),
#     timed from the CLI's start to its return (every service ready). Measured twice: with the
#     stack as shipped, and merged with an override that only tightens its healthcheck and probe
#     timings (start_interval 1s, initial_delay 0/1, period 1) to show the orchestration itself.
#     The peer, in the same run (rounds interleaved): the slowest dependency chain by hand, with
#     the same binaries and settings: postgres-init's inline script (taken from the stack file),
#     postgres on loopback polled with pg_isready, redis-server (started at the same time, as the
#     stack does) polled with redis-cli ping, then one aicore-sample-api with the api's environment
#     polled on /health/ready; 50 ms polls, so the chain is a fair lower bound.
#     Prints the medians, overhead = (up - chain) / chain, and where the time goes (from the
#     agent's events).
#  2. API latency with a stack of N replicas of `/bin/sleep 3600`: `aicore-node ps` (CLI wall
#     time), `curl GET /v1/instances` over the socket (process wall time, and curl's time_total),
#     against procps `ps -e` listing the same processes, in one hyperfine run; median and p95.
#
# Usage: sudo scripts/bench/stack-up.sh [runs=3] [replicas=500] [requests=50]
#   API_CPU_RESERVATION / API_MEMORY_RESERVATION pass through to the stack (its defaults otherwise);
#   KEEP=1 keeps the work directory (logs, events) after the stacks are down and the agent stopped.
#   Needs root, Debian's postgresql-15, redis-server, nginx, curl, hyperfine (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
REPLICAS="${2:-500}"
REQUESTS="${3:-50}"
[ "$(id -u)" = 0 ] || { echo "stack-up.sh: needs root" >&2; exit 1; }

need=()
for p in hyperfine:hyperfine redis-server:redis-server nginx:nginx curl:curl setpriv:util-linux; do
  command -v "${p%%:*}" >/dev/null || need+=("${p##*:}")
done
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
PGBIN=/usr/lib/postgresql/15/bin

# One release build of both binaries, the Swift runtime linked statically (as the other benches).
swift build -c release --static-swift-stdlib >/dev/null
BIN="$PWD/.build/release/aicore-node"
API_BIN="$PWD/.build/release/aicore-sample-api"
STACK="$PWD/config/stacks/ai-core.yml"

WORK="$(mktemp -d /tmp/aicore-bench-stack.XXXXXX)"
chmod 755 "$WORK" # postgres, redis and uid 1001 reach their directories below it
AGENT=""
CHAIN_PIDS=()
export AICORE_HOST="$WORK/agent/aicore.sock"

now() { date +%s%N; }
as_user() { local who=$1; shift; setpriv --reuid="$who" --regid="$who" --clear-groups -- "$@"; }
# The same as a plain command, for `&`: $! is then the server itself (setpriv and env exec it).
AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --clear-groups --)
AS_REDIS=(setpriv --reuid=redis --regid=redis --clear-groups --)
AS_API=(setpriv --reuid=1001 --regid=1001 --clear-groups --)

BENCH=stack-up.sh
# shellcheck source=scripts/bench/lib/agent.sh
. scripts/bench/lib/agent.sh # the scripts run from the repository root

stop_chain() { # the api first, then postgres and redis (SIGTERM: postgres' smart shutdown)
  local i pid pg="$WORK/chain/pg/data"
  # A postgres that postgres-init's pg_ctl left running when the script failed half-way.
  if [ -f "$pg/postmaster.pid" ] && [ ${#CHAIN_PIDS[@]} -lt 2 ]; then
    as_user postgres "$PGBIN/pg_ctl" -D "$pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  for (( i = ${#CHAIN_PIDS[@]} - 1; i >= 0; i-- )); do
    pid=${CHAIN_PIDS[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  CHAIN_PIDS=()
}

cleanup() {
  local status=$?
  set +e
  stop_chain
  teardown_agent ai-core many
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Published on loopback only (host_ip:host_port in the stack's port strings).
NGINX_PORT="127.0.0.1:$(free_port)"
API_PORT="127.0.0.1:$(free_port)"
export AICORE_SAMPLE_API="$API_BIN" NGINX_PORT API_PORT

# --- the stack ---------------------------------------------------------------------------------
# The overrides keep everything but the check timings: Compose's start_interval during a
# start_period for the healthchecks, and faster Kubernetes probes for the api. "tight" is what a
# user would write (1 s); "floor" (100 ms) leaves little but the orchestration itself.
tighten() { # interval(s) -> an override file on stdout
  cat <<YML
services:
  postgres:
    healthcheck: {start_period: 60s, start_interval: $1s}
  redis:
    healthcheck: {start_period: 60s, start_interval: $1s}
  api:
    healthcheck: {start_interval: $1s}
    x-aicore:
      probes:
        startup: {initial_delay: 0, period: $1}
        liveness: {initial_delay: 1, period: $1}
        readiness: {initial_delay: 0, period: $1}
YML
}
tighten 1 >"$WORK/tight.yml"
tighten 0.1 >"$WORK/floor.yml"

stack_up() { # label files... -> appends "ms" to $WORK/<label>.times, events to $WORK/<label>-<n>.events
  local label=$1; shift
  local args=() f n t0 t1
  for f in "$@"; do args+=(-f "$f"); done
  n=1
  [ -f "$WORK/$label.times" ] && n=$(( $(wc -l <"$WORK/$label.times") + 1 ))
  t0=$(now)
  if ! "$BIN" up -d --wait --wait-timeout 600 "${args[@]}" >"$WORK/$label-$n.up.log" 2>&1; then
    echo "stack-up.sh: up ($label) failed:" >&2; cat "$WORK/$label-$n.up.log" >&2; tail -30 "$WORK/agent.log" >&2
    return 1
  fi
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 )) >>"$WORK/$label.times"
  echo "$t0 $t1" >"$WORK/$label-$n.window"
  # The events since t0 (the replay of the last 200; SSE, so the connection is cut by --max-time).
  curl -sS -N --unix-socket "$AICORE_HOST" --max-time 1 'http://x/v1/events?stack=ai-core&tail=200' \
    >"$WORK/$label-$n.events" 2>/dev/null || true
  "$BIN" down -v -p ai-core >/dev/null
}

# --- the dependency chain by hand ----------------------------------------------------------------
# postgres-init's inline script, exactly as the stack runs it, with its paths (PGDATA, its private
# /tmp for the password file and the socket) moved here.
INIT_SCRIPT="$WORK/postgres-init.sh"
# shellcheck disable=SC2016 # the $ are the script's own
"$BIN" config print -f "$STACK" | python3 -c '
import sys, yaml
script = yaml.safe_load(sys.stdin)["services"]["postgres-init"]["command"][2]
for old in ("PGDATA=/var/lib/postgresql/data", "-k /tmp", "-h /tmp", "/tmp/pwfile"):
    if old not in script:
        sys.exit(f"postgres-init no longer has {old!r}: update stack-up.sh")
script = script.replace("$$", "$").replace("PGDATA=/var/lib/postgresql/data", "PGDATA=$CHAIN/pg/data")
print(script.replace("/tmp", "$CHAIN/tmp"))' >"$INIT_SCRIPT"
chmod 644 "$INIT_SCRIPT"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
CHAIN_API_PORT=$(free_port)
# The api's environment from the stack, pointed at the servers below (and only on loopback).
CHAIN_ENV=(PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production LOG_LEVEL=info
  "DATABASE_URL=postgres://aicore:aicore-dev-password@127.0.0.1:$PG_PORT/aicore"
  "REDIS_URL=redis://127.0.0.1:$REDIS_PORT" JWT_SECRET=development-only-jwt-secret
  AICORE_SAMPLE_VERSION=1.0.0 "PORT=$CHAIN_API_PORT" HOST=127.0.0.1)
PG_ENV=(PATH=/usr/local/bin:/usr/bin:/bin POSTGRES_USER=aicore POSTGRES_PASSWORD=aicore-dev-password POSTGRES_DB=aicore)

poll() { # command... ; every 50 ms, at most 120 s
  local i
  for i in $(seq 1 2400); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "stack-up.sh: timed out: $*" >&2; return 1
}

chain() { # -> appends "total pg_ready redis_ready api_ready" (ms) to $WORK/chain.times
  local c="$WORK/chain" t0 tinit tpg tredis tapi
  rm -rf "$c"; mkdir -p "$c/pg" "$c/tmp" "$c/redis"
  chown postgres:postgres "$c/pg" "$c/tmp"; chown redis:redis "$c/redis"
  t0=$(now)
  # Redis starts at once, as in the stack (it depends on nothing).
  "${AS_REDIS[@]}" env -i redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$c/redis" \
    --appendonly yes --maxmemory 1gb --maxmemory-policy allkeys-lru >"$c/redis.log" 2>&1 &
  CHAIN_PIDS+=($!)
  as_user postgres env -i "${PG_ENV[@]}" CHAIN="$c" sh -ec "$(cat "$INIT_SCRIPT")" >"$c/init.log" 2>&1
  tinit=$(now)
  "${AS_POSTGRES[@]}" env -i "${PG_ENV[@]}" "$PGBIN/postgres" -D "$c/pg/data" -c listen_addresses=127.0.0.1 \
    -c port="$PG_PORT" -c unix_socket_directories="$c/tmp" >"$c/postgres.log" 2>&1 &
  CHAIN_PIDS+=($!)
  poll pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -U aicore -d aicore
  tpg=$(now)
  poll sh -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -qx PONG"
  tredis=$(now)
  "${AS_API[@]}" env -i "${CHAIN_ENV[@]}" "$API_BIN" >"$c/api.log" 2>&1 &
  CHAIN_PIDS+=($!)
  poll curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$CHAIN_API_PORT/health/ready"
  tapi=$(now)
  echo "$(( (tapi - t0) / 1000000 )) $(( (tinit - t0) / 1000000 )) $(( (tpg - t0) / 1000000 )) $(( (tredis - t0) / 1000000 )) $(( (tapi - tredis) / 1000000 ))" >>"$WORK/chain.times"
  stop_chain
}

start_agent
echo "agent: $WORK/agent; $RUNS rounds of: ai-core as shipped, with 1 s checks, with 100 ms checks, the chain by hand" >&2
for i in $(seq 1 "$RUNS"); do
  stack_up shipped "$STACK"
  stack_up tight "$STACK" "$WORK/tight.yml"
  stack_up floor "$STACK" "$WORK/floor.yml"
  chain
  echo "round $i: shipped $(tail -1 "$WORK/shipped.times") ms, 1 s checks $(tail -1 "$WORK/tight.times") ms," \
    "100 ms checks $(tail -1 "$WORK/floor.times") ms, chain $(tail -1 "$WORK/chain.times" | cut -d' ' -f1) ms" >&2
done

python3 - "$WORK" "$RUNS" <<'PY'
import json, os, statistics, sys
from datetime import datetime
work, runs = sys.argv[1], int(sys.argv[2])
def times(label):
    return [float(l.split()[0]) for l in open(os.path.join(work, label + ".times"))]
med = lambda xs: statistics.median(xs) if xs else float("nan")
labels = (("shipped", "as shipped"), ("tight", "1 s checks"), ("floor", "100 ms checks"))
chain = [list(map(float, l.split())) for l in open(os.path.join(work, "chain.times"))]
c = med([r[0] for r in chain])
print(f"\n== stack up ({runs} runs each; every run includes initdb) ==")
print(f"chain by hand (initdb, postgres ready, api ready): median {c:.0f} ms  runs {[int(r[0]) for r in chain]}")
print(f"  initdb script {med([r[1] for r in chain]):.0f} ms, postgres ready at {med([r[2] for r in chain]):.0f} ms,"
      f" api ready {med([r[4] for r in chain]):.0f} ms after its start")
for label, name in labels:
    xs = times(label)
    m = med(xs)
    print(f"up -d --wait, {name + ':':15s} median {m:6.0f} ms  runs {[int(x) for x in xs]}  overhead {(m - c) / c * 100:+.0f}%")

# Where the time goes: milestones from the agent's events, ms after `up` started, medians.
def parse(path):
    out, event = [], {}
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("data: "):
            try: event = json.loads(line[6:])
            except ValueError: event = {}
        elif line == "" and event:
            out.append(event); event = {}
    return out
def stamp(text):
    text = text.replace("Z", "+00:00")
    if "." in text:  # at most microseconds for fromisoformat
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = head + "." + (digits[:6]).ljust(6, "0") + rest[len(digits):]
    return datetime.fromisoformat(text).timestamp() * 1000
# (milestone, service, event type, first or last instance, the milestone it follows)
MILESTONES = [
    ("postgres-init started", "postgres-init", "started", min, None),
    ("postgres-init exited (initdb done)", "postgres-init", "exited", min, "postgres-init started"),
    ("postgres starting", "postgres", "starting", min, "postgres-init exited (initdb done)"),
    ("postgres healthy", "postgres", "healthy", min, "postgres starting"),
    ("redis started", "redis", "started", min, None),
    ("redis healthy", "redis", "healthy", min, "redis started"),
    ("api starting (first replica)", "api", "starting", min, "postgres and redis healthy"),
    ("api started (last replica)", "api", "started", max, "api starting (first replica)"),
    ("api healthy (last replica)", "api", "healthy", max, "api started (last replica)"),
    ("nginx started", "nginx", "started", min, "api started (last replica)"),
]
def milestones(label, n):
    t0, t1 = (int(x) / 1e6 for x in open(os.path.join(work, f"{label}-{n}.window")).read().split())
    ev = [e for e in parse(os.path.join(work, f"{label}-{n}.events")) if stamp(e["time"]) >= t0 - 5]
    m = {}
    for name, service, kind, pick, _ in MILESTONES:
        ts = [stamp(e["time"]) - t0 for e in ev if e["service"] == service and e["type"] == kind]
        m[name] = pick(ts) if ts else float("nan")
    m["postgres and redis healthy"] = max(m["postgres healthy"], m["redis healthy"])
    m["up returned"] = t1 - t0
    return m
for label, title in labels:
    rows = [milestones(label, n) for n in range(1, runs + 1)]
    v = {k: med([r[k] for r in rows]) for k in rows[0]}
    print(f"\nwhere the time goes, {title} (ms after `up` started; medians of {runs}):")
    order = MILESTONES[:6] + [("postgres and redis healthy", 0, 0, 0, None)] + MILESTONES[6:] \
        + [("up returned", 0, 0, 0, "api healthy (last replica)")]
    for name, _, _, _, after in order:
        note = f"  +{v[name] - v[after]:.0f} after {after}" if after else ""
        print(f"  {name:36s} {v[name]:7.0f}{note}")
PY

# --- API latency with many instances --------------------------------------------------------------
cat >"$WORK/many.yml" <<YML
name: many
services:
  sleeper:
    command: ["/bin/sleep", "3600"]
    deploy:
      replicas: $REPLICAS
      resources:
        reservations: {cpus: '0.001', memory: 1M}
YML
t0=$(now)
"$BIN" up -d --wait --wait-timeout 1200 -f "$WORK/many.yml" >"$WORK/many.up.log" 2>&1 \
  || { echo "stack-up.sh: up of $REPLICAS replicas failed" >&2; tail -20 "$WORK/many.up.log" >&2; exit 1; }
t1=$(now)
listed=$("$BIN" ps -p many | tail -n +2 | grep -c sleeper || true)
running=$("$BIN" ps -p many --format json | python3 -c 'import json,sys; print(sum(1 for i in json.load(sys.stdin) if i["state"] in ("running","healthy")))')
echo -e "\n== $REPLICAS instances: up -d --wait took $(( (t1 - t0) / 1000000 )) ms; ps lists $listed, $running running; $(ps -e --no-headers | wc -l) processes on the host ==" 
[ "$listed" = "$REPLICAS" ] || echo "stack-up.sh: ps lists $listed instances, not $REPLICAS" >&2

SOCK="$AICORE_HOST"
hyperfine -N --warmup 3 --runs "$REQUESTS" --export-json "$WORK/api.json" \
  -n "aicore-node ps" "$BIN ps" \
  -n "aicore-node ps -a --format json" "$BIN ps -a --format json" \
  -n "curl GET /v1/instances" "curl -sS -o /dev/null --unix-socket $SOCK http://x/v1/instances" \
  -n "ps -e" "ps -e" >"$WORK/hyperfine.log" 2>&1 \
  || { cat "$WORK/hyperfine.log" >&2; exit 1; }
for _ in $(seq 1 "$REQUESTS"); do
  curl -sS -o /dev/null -w '%{time_total}\n' --unix-socket "$SOCK" http://x/v1/instances
done >"$WORK/curl.times"
bytes=$(curl -sS --unix-socket "$SOCK" http://x/v1/instances | wc -c)

python3 - "$WORK/api.json" "$WORK/curl.times" "$bytes" <<'PY'
import json, sys
def q(xs, p):
    xs = sorted(xs); k = (len(xs) - 1) * p; f = int(k)
    return xs[f] + (xs[min(f + 1, len(xs) - 1)] - xs[f]) * (k - f)
r = {x["command"]: [t * 1000 for t in x["times"]] for x in json.load(open(sys.argv[1]))["results"]}
curl = [float(l) * 1000 for l in open(sys.argv[2]) if l.strip()]
rows = list(r.items()) + [("curl time_total (request only)", curl)]
print(f"{'command':36s} {'median':>9s} {'p95':>9s}  (n={len(curl)}; /v1/instances is {int(sys.argv[3]) // 1024} KiB)")
for name, xs in rows:
    print(f"{name:36s} {q(xs, .5):7.1f}ms {q(xs, .95):7.1f}ms")
floor = q(r["ps -e"], .5)
for name in ("aicore-node ps", "curl GET /v1/instances"):
    print(f"{name} / ps -e: {q(r[name], .5) / floor:.1f}")
PY
