#!/usr/bin/env bash
# How long a 3-replica rollout takes, against the same steps done by hand with the same binary
# and the ideal computed from the probe settings, in one run.
#
#  - The stack (`rollbench`, not `roll`: see below): service `api` = the release
#    `aicore-sample-api` (copied under /var/tmp: instances have a private /tmp), 3 replicas on
#    127.0.0.1 (`HOST`, its own `$PORT` each through `x-aicore.port_env`), published on
#    127.0.0.1:P, readiness probe `http_get /health/live`
#    (initial_delay 0, period 1, timeout 2, failure_threshold 1), `x-aicore.rollout:
#    {max_surge: 1, max_unavailable: 0}`. Its PostgreSQL and Redis URLs point at 127.0.0.1:1, where
#    nothing listens: the API is live without them, and it touches nothing else on the host.
#  - Two variants, rounds interleaved: "monitor 0s" adds `deploy.update_config: {monitor: 0s,
#    order: start-first, parallelism: 1}` (the same surge 1 / unavailable 0); "defaults" has none,
#    so the engine watches the new replicas for the default `monitor` of 5 s before it calls the
#    rollout complete.
#  - ours: change AICORE_SAMPLE_VERSION (alternating 1 and 2), `aicore-node up -d -f FILE`, timed
#    from that command's start until `GET /v1/stacks/rollbench/services/api/rollout` says `complete`
#    for the new spec (polled every 50 ms over the agent's socket). Also the rollout's own span
#    (`rollout-started` → `rollout-complete` events) and where the time goes, step by step, from
#    the agent's events (`GET /v1/events?stack=rollbench&tail=200`).
#  - hand-rolled (the lower bound): 3 sample APIs running, then 3 times in a row: start one more
#    on a free port, poll /health/live every 50 ms until it answers, SIGTERM an old one and wait
#    for its exit. Same binary, same environment, no isolation, no orchestration.
#  - ideal from the probe settings: surge 1 / unavailable 0 over 3 replicas is 3 sequential steps
#    of start → first passing readiness probe → drain and stop an old one. The probe waits at most
#    one period per step, so the reference is hand + 3 × period (+ monitor for "defaults"). With
#    initial_delay 0 the first probe comes as the replica starts, usually before the API listens,
#    and then the passing probe is the one a full period later; the hand sequence's "listening"
#    includes its 50 ms polls and curl's own start, so it is an upper bound of the API's start.
# Prints each round, then medians: ours (both variants), the hand sequence, ours/hand, the ideal,
# and the agent's step timings. Also what the timings alone would hide, from the events: the
# fewest replicas ready (by their own readiness events) during each rollout and the old replicas
# stopped before their replacement was ready (max_unavailable 0 allows none), and, 11 s after the
# last round, replicas killed by SIGKILL during the run and how many are running and ready. A
# rollout that ends rolled back, failed or paused is reported, left out of the medians, and the
# stack is brought up afresh for the next round.
# Everything shares the machine's cores: compare within one run.
# The stack's name: an agent that is not in a systemd unit of its own puts every instance in the
# host's cgroup tree at aicore/<stack>/<service>/<instance>, whichever agent it is, so two agents
# on one host running stacks of the same name kill each other's instances (a start discards what
# runs in "its" cgroup, an exit empties it). The end-to-end tests run a stack `roll` with a
# service `api`: hence `rollbench`; do not run two of these benches at once either.
#
# Usage: sudo scripts/bench/rollout.sh [rounds=3]
#   WARMUP=0 skips the untimed warm-up (one rollout and one hand sequence);
#   KEEP=1 keeps the work directory (logs, events) after everything is stopped.
#   Needs root, curl and python3 (curl installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-3}"
WARMUP="${WARMUP:-1}"
STACK=rollbench
PERIOD=1 # the readiness probe's period (s), as in the stack file below
[ "$(id -u)" = 0 ] || { echo "rollout.sh: needs root" >&2; exit 1; }

command -v curl >/dev/null || apt-get install -y -qq curl >/dev/null

# One release build of both binaries, the Swift runtime linked statically (as the other benches).
swift build -c release --static-swift-stdlib >/dev/null
BIN="$PWD/.build/release/aicore-node"

# Under /var/tmp, not /tmp: an instance has a private /tmp, and it runs the API from here.
WORK="$(mktemp -d /var/tmp/aicore-bench-rollout.XXXXXX)"
chmod 755 "$WORK"
API="$WORK/aicore-sample-api"
cp "$PWD/.build/release/aicore-sample-api" "$API"
chmod 755 "$API"
AGENT=""
HAND_OLD=() # the hand-rolled APIs now running (pids)
HAND_NEW=() # those started by the sequence under way
export AICORE_HOST="$WORK/agent/aicore.sock"
# Nothing listens on port 1: the API is live without PostgreSQL and Redis, and retries quietly.
API_ENV=(PATH=/usr/local/bin:/usr/bin:/bin HOST=127.0.0.1 LOG_LEVEL=info
  DATABASE_URL=postgres://bench@127.0.0.1:1/bench REDIS_URL=redis://127.0.0.1:1)

now_us() { echo "${EPOCHREALTIME/./}"; } # no fork

BENCH=rollout.sh
# shellcheck source=scripts/bench/lib/agent.sh
. scripts/bench/lib/agent.sh # the scripts run from the repository root

stop_pid() { # pid: SIGTERM, at most 10 s, then SIGKILL
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  local status=$? pid
  set +e
  for pid in "${HAND_OLD[@]}" "${HAND_NEW[@]}"; do stop_pid "$pid"; done
  teardown_agent "$STACK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(free_port)

# --- ours ----------------------------------------------------------------------------------------
stack_file() { # version variant -> the stack file on stdout
  local update=""
  [ "$2" = monitor0 ] && update="      update_config: {monitor: 0s, order: start-first, parallelism: 1}"
  cat <<YML
name: $STACK
services:
  api:
    command: ["$API"]
    environment:
      AICORE_SAMPLE_VERSION: "$1"
      HOST: 127.0.0.1
      LOG_LEVEL: info
      DATABASE_URL: postgres://bench@127.0.0.1:1/bench
      REDIS_URL: redis://127.0.0.1:1
    ports: ["127.0.0.1:$PORT:3000"]
    deploy:
      replicas: 3
$update
    x-aicore:
      port_env: PORT
      probes:
        readiness: {http_get: {path: /health/live}, initial_delay: 0, period: $PERIOD, timeout: 2, failure_threshold: 1}
      rollout: {max_surge: 1, max_unavailable: 0}
YML
}

rollout_json() { curl -sS --max-time 2 --unix-socket "$AICORE_HOST" "http://agent/v1/stacks/$STACK/services/api/rollout" 2>/dev/null || true; }
field() { # name json -> the string value of "name" in the (compact) JSON
  local re="\"$1\":\"([^\"]*)\""
  if [[ $2 =~ $re ]]; then echo "${BASH_REMATCH[1]}"; fi
}

VERSION=1
declare -A LAST # label -> what its last rollout gave, for the round's line
roll() { # variant label -> appends "total_ms up_ms" to $WORK/<label>.times; window and events per run
  local variant=$1 label=$2 before json state hash n t0 tup t1
  before=$(field spec_hash "$(rollout_json)")
  VERSION=$(( 3 - VERSION ))
  stack_file "$VERSION" "$variant" >"$WORK/roll.yml"
  n=1
  [ -f "$WORK/$label.times" ] && n=$(( $(wc -l <"$WORK/$label.times") + 1 ))
  t0=$(now_us)
  if ! "$BIN" up -d -f "$WORK/roll.yml" >"$WORK/$label-$n.up.log" 2>&1; then
    echo "rollout.sh: up ($label) failed:" >&2; cat "$WORK/$label-$n.up.log" >&2; tail -30 "$WORK/agent.log" >&2
    return 1
  fi
  tup=$(now_us)
  while :; do
    json=$(rollout_json)
    state=$(field state "$json")
    hash=$(field spec_hash "$json")
    if [ "$hash" != "$before" ] && [ -n "$hash" ]; then
      [ "$state" = complete ] && break
      case "$state" in rolled_back|failed|paused)
        # Kept out of the medians and reported; the stack starts afresh for the next round.
        echo "rollout.sh: the rollout ($label) ended $state: $(field reason "$json"); restarting the stack" >&2
        LAST[$label]="$state"
        echo "$label: $state after $(( ($(now_us) - t0) / 1000 )) ms: $(field reason "$json")" >>"$WORK/failed.txt"
        curl -sS -N --unix-socket "$AICORE_HOST" --max-time 1 "http://agent/v1/events?stack=$STACK&tail=200" \
          >"$WORK/$label-failed-$n.events" 2>/dev/null || true
        "$BIN" down -p "$STACK" >/dev/null
        "$BIN" up -d --wait --wait-timeout 120 -f "$WORK/roll.yml" >>"$WORK/up.log" 2>&1
        return 0;;
      esac
    fi
    if (( $(now_us) - t0 > 120000000 )); then
      echo "rollout.sh: no complete rollout ($label) after 120 s: $json" >&2; tail -30 "$WORK/agent.log" >&2; return 1
    fi
    sleep 0.05
  done
  t1=$(now_us)
  echo "$(( (t1 - t0) / 1000 )) $(( (tup - t0) / 1000 ))" >>"$WORK/$label.times"
  LAST[$label]="$(( (t1 - t0) / 1000 )) ms"
  echo "$t0 $tup $t1" >"$WORK/$label-$n.window"
  # The events since t0 (the replay of the last 200; SSE, so the connection is cut by --max-time).
  curl -sS -N --unix-socket "$AICORE_HOST" --max-time 1 "http://agent/v1/events?stack=$STACK&tail=200" \
    >"$WORK/$label-$n.events" 2>/dev/null || true
}

# --- the hand-rolled sequence ----------------------------------------------------------------------
STARTED=""
start_api() { # port version -> $STARTED = its pid (a child of this shell, so `wait` works)
  env -i "${API_ENV[@]}" "PORT=$1" "AICORE_SAMPLE_VERSION=$2" "$API" >>"$WORK/hand.log" 2>&1 &
  STARTED=$!
}
await_live() { # port; every 50 ms, at most 60 s
  for _ in $(seq 1 1200); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$1/health/live" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "rollout.sh: no answer on 127.0.0.1:$1/health/live" >&2; return 1
}
hand_start_old() { # 3 running, untimed
  local p
  for _ in 1 2 3; do
    p=$(free_port); start_api "$p" 1; HAND_OLD+=("$STARTED"); await_live "$p"
  done
}
hand() { # -> appends "total listen1 stop1 listen2 stop2 listen3 stop3" (ms) to $WORK/<label>.times
  local label=$1 ports=() line=() k t0 ts tl te t1 old
  ports=("$(free_port)" "$(free_port)" "$(free_port)") # before the clock starts (python is slow)
  VERSION_HAND=$(( 3 - ${VERSION_HAND:-1} ))
  t0=$(now_us)
  for k in 0 1 2; do
    ts=$(now_us)
    start_api "${ports[$k]}" "$VERSION_HAND"; HAND_NEW+=("$STARTED")
    await_live "${ports[$k]}"
    tl=$(now_us)
    old=${HAND_OLD[$k]}
    kill -TERM "$old"
    wait "$old" || true
    te=$(now_us)
    line+=("$(( (tl - ts) / 1000 ))" "$(( (te - tl) / 1000 ))")
  done
  t1=$(now_us)
  HAND_OLD=("${HAND_NEW[@]}")
  HAND_NEW=()
  echo "$(( (t1 - t0) / 1000 )) ${line[*]}" >>"$WORK/$label.times"
}

# --- the run -----------------------------------------------------------------------------------
start_agent
stack_file "$VERSION" defaults >"$WORK/roll.yml"
if ! "$BIN" up -d --wait --wait-timeout 120 -f "$WORK/roll.yml" >"$WORK/up.log" 2>&1; then
  echo "rollout.sh: up failed:" >&2; cat "$WORK/up.log" >&2; tail -30 "$WORK/agent.log" >&2; exit 1
fi
hand_start_old

echo "api ×3 on 127.0.0.1:$PORT (agent in $WORK/agent); $ROUNDS rounds of: rollout with monitor 0s," \
  "rollout with the defaults (monitor 5s), the hand sequence" >&2
if [ "$WARMUP" != 0 ]; then
  roll monitor0 warmup
  hand warmup-hand
  echo "warm-up: rollout ${LAST[warmup]}, hand $(cut -d' ' -f1 "$WORK/warmup-hand.times") ms" >&2
fi
for i in $(seq 1 "$ROUNDS"); do
  if (( i % 2 )); then order=(monitor0 defaults hand); else order=(hand defaults monitor0); fi
  for t in "${order[@]}"; do
    if [ "$t" = hand ]; then hand hand; else roll "$t" "$t"; fi
  done
  echo "round $i: monitor 0s ${LAST[monitor0]}, defaults ${LAST[defaults]}, hand $(tail -1 "$WORK/hand.times" | cut -d' ' -f1) ms" >&2
done
# Afterwards: a replica that was SIGKILLed (no sample API needs it: each exits within ms of its
# SIGTERM) or is not running and ready shows a problem the timings above do not. The stop signal's
# SIGKILL escalation comes after the default grace period of 10 s, so wait that long first.
sleep 11
curl -sS -N --unix-socket "$AICORE_HOST" --max-time 1 "http://agent/v1/events?stack=$STACK&tail=2000" \
  >"$WORK/all.events" 2>/dev/null || true
"$BIN" ps -a -p "$STACK" --format json >"$WORK/ps.json"

python3 - "$WORK" "$ROUNDS" "$PERIOD" <<'PY'
import json, os, statistics, sys
from datetime import datetime
work, rounds, period = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) * 1000
med = lambda xs: statistics.median(xs) if xs else float("nan")
def rows(label):
    return [list(map(float, l.split())) for l in open(os.path.join(work, label + ".times"))]

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
def stamp(text):  # RFC 3339 with nanoseconds -> ms since the epoch
    text = text.replace("Z", "+00:00")
    if "." in text:  # at most microseconds for fromisoformat
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = head + "." + (digits[:6]).ljust(6, "0") + rest[len(digits):]
    return datetime.fromisoformat(text).timestamp() * 1000

def events(path):
    ev = sorted(parse(path), key=lambda e: (stamp(e["time"]), e.get("id", 0)))
    for e in ev: e["t"] = stamp(e["time"])
    return ev

NOT_READY = ("starting", "started", "unhealthy", "stopping", "exited", "rollout-stop", "killing", "not-restarted", "failed")
def analyse(label, n):
    """One rollout from the agent's events: its span, each replica's start and stop, and how many
    replicas were ready (by their own readiness events) at each moment of it."""
    t0, tup, t1 = (int(x) / 1000 for x in open(os.path.join(work, f"{label}-{n}.window")).read().split())
    ev = events(os.path.join(work, f"{label}-{n}.events"))
    began = next(e for e in ev if e["type"] == "rollout-started" and e["t"] >= t0 - 1)
    done = next(e for e in ev if e["type"] == "rollout-complete" and e["t"] >= began["t"])
    inside = [e for e in ev if began["t"] <= e["t"] <= done["t"]]
    first = lambda inst, kinds, after: next((e for e in inside if e["instance"] == inst and e["type"] in kinds and e["t"] >= after), None)
    engine = [e for e in inside if e["type"] in ("rollout-start", "rollout-stop")] + [done]
    nxt = lambda t: next((e["t"] for e in engine if e["t"] > t), done["t"])
    # Readiness as the events tell it: `healthy` (readiness probe passed) until anything else.
    ready, fewest, early = set(), 99, 0
    for e in ev:
        if e["t"] > done["t"]: break
        if e["type"] == "healthy": ready.add(e["instance"])
        elif e["type"] in NOT_READY or "Readiness probe failed" in e["reason"]:
            if e["type"] == "rollout-stop" and e["t"] >= began["t"] and len(ready - {e["instance"]}) < 3: early += 1
            ready.discard(e["instance"])
        if e["t"] >= began["t"]: fewest = min(fewest, len(ready))
    new, old = [], []
    for s in (e for e in inside if e["type"] == "rollout-start"):
        started = first(s["instance"], ("started",), s["t"])
        healthy = first(s["instance"], ("healthy",), s["t"])
        if started and healthy:
            new.append({"id": s["instance"], "at": started["time"],
                        "spawn": started["t"] - s["t"], "probe": healthy["t"] - started["t"], "react": nxt(healthy["t"]) - healthy["t"],
                        "failed": sum(1 for e in inside if e["instance"] == s["instance"] and started["t"] <= e["t"] <= healthy["t"]
                                      and "Readiness probe failed" in e["reason"])})
    for s in (e for e in inside if e["type"] == "rollout-stop"):
        stopping = first(s["instance"], ("stopping",), s["t"])
        exited = first(s["instance"], ("exited",), s["t"])
        if stopping and exited:
            old.append({"drain": stopping["t"] - s["t"], "exit": exited["t"] - stopping["t"], "after": nxt(exited["t"]) - exited["t"],
                        "last": nxt(exited["t"]) == done["t"]})
    return {"cli": began["t"] - t0, "span": done["t"] - began["t"], "seen": t1 - done["t"], "up": tup - t0,
            "new": new, "old": old, "starts": sum(1 for e in inside if e["type"] == "rollout-start"),
            "fewest": fewest, "early": early}

hand = rows("hand")
h = med([r[0] for r in hand])
listen = med([x for r in hand for x in r[1::2]])
stop = med([x for r in hand for x in r[2::2]])
print(f"\n== rollout of 3 replicas, surge 1 / unavailable 0, readiness period {period / 1000:g} s; {rounds} rounds, medians ==")
print(f"hand-rolled (3 × start, /health/live answers, SIGTERM an old one, its exit): {h:6.0f} ms  runs {[int(r[0]) for r in hand]}")
print(f"  per step: listening after {listen:.0f} ms (50 ms polls), the old one's exit {stop:.0f} ms after SIGTERM")
ideal = {"monitor0": h + 3 * period, "defaults": h + 3 * period + 5000}
print(f"ideal from the probe settings: hand + 3 × period = {ideal['monitor0']:.0f} ms; + monitor 5 s = {ideal['defaults']:.0f} ms")
res = {}
for label, name in (("monitor0", "monitor 0s"), ("defaults", "defaults (monitor 5s)")):
    if not os.path.exists(os.path.join(work, label + ".times")):
        print(f"ours, {name}: no complete rollout"); continue
    xs = rows(label)
    a = [analyse(label, n) for n in range(1, len(xs) + 1)]
    res[label] = a
    m = med([r[0] for r in xs])
    print(f"ours, {name + ':':22s} up → complete {m:6.0f} ms  runs {[int(r[0]) for r in xs]}"
          f"  (agent span {med([r['span'] for r in a]):.0f} ms)  ours/hand {m / h:.2f}  ours/ideal {m / ideal[label]:.2f}")
    # An old replica stopped before its replacement was ready shortens the rollout: apart.
    kept = [x[0] for x, r in zip(xs, a) if r["early"] == 0 and r["fewest"] >= 3]
    if len(kept) < len(xs):
        k = med(kept)
        print(f"  {'':28s} of those, the {len(kept)} that kept 3 ready throughout: {k:6.0f} ms"
              f"  ours/hand {k / h:.2f}  ours/ideal {k / ideal[label]:.2f}")

print("\nwhere the time goes (the agent's events; ms, medians: per rollout, and per replica over all rounds):")
for label, a in res.items():
    new = [x for r in a for x in r["new"]]
    old = [x for r in a for x in r["old"]]
    print(f"  {'monitor 0s' if label == 'monitor0' else 'defaults'}: CLI start → rollout-started {med([r['cli'] for r in a]):.0f}"
          f" (`up -d` returned at {med([r['up'] for r in a]):.0f}); rollout-started → rollout-complete {med([r['span'] for r in a]):.0f};"
          f" complete → seen by the 50 ms poll {med([r['seen'] for r in a]):.0f}")
    print(f"    new replica: rollout-start → started {med([x['spawn'] for x in new]):.0f}, started → ready {med([x['probe'] for x in new]):.0f}"
          f" ({sum(x['failed'] for x in new)} failed probes before the {len(new)} passes), ready → the engine's next step {med([x['react'] for x in new]):.0f}")
    print(f"    old replica: rollout-stop → stopping (drain) {med([x['drain'] for x in old]):.0f}, stopping → exited {med([x['exit'] for x in old]):.0f},"
          f" exited → the engine's next step {med([x['after'] for x in old if not x['last']]):.0f};"
          f" last exit → rollout-complete {med([x['after'] for x in old if x['last']]):.0f}")
    # The probe at the start usually finds nothing listening yet; a step whose first probe passed
    # took ~1 period less (the API can listen ~10 ms after its exec, before the `started` event).
    for x in new:
        if x["failed"] == 0:
            print(f"    {x['id']} (started {x['at']}) passed its first readiness probe, {x['probe']:.0f} ms after its start")
    print(f"    replicas started per rollout {[r['starts'] for r in a]}; fewest ready during each {[r['fewest'] for r in a]} (expected 3);"
          f" old replicas stopped before their replacement was ready: {sum(r['early'] for r in a)} of {len(old)}")

# Afterwards (11 s after the last rollout): SIGKILLed replicas, and what is running.
killed = [e for e in events(os.path.join(work, "all.events"))
          if e["type"] == "exited" and "SIGKILL" in e["reason"]]
ps = [i for i in json.load(open(os.path.join(work, "ps.json"))) if i["service"] == "api"]
up = sum(1 for i in ps if i["ready"] and i["state"] in ("running", "healthy"))
print(f"\nafter the run: {up} of 3 api replicas running and ready;"
      f" {len(killed)} replica(s) killed by SIGKILL during the run (expected 0)")
for e in killed:
    print(f"  {e['time']} {e['instance']}: {e['reason']}")
failed = os.path.join(work, "failed.txt")
if os.path.exists(failed):
    print("rollouts that did not complete (left out of the medians):")
    for line in open(failed): print("  " + line.rstrip())
PY
