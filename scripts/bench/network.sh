#!/usr/bin/env bash
# Bridge networking against the host's network, in one run (issue 16, "Benchmarks"). Everything
# runs in a network namespace this script makes (`unshare --net` holder, the agent started in it
# with `nsenter --net`): the agent's bridges, VIPs and nft table are there, never on the host.
#
#  1. Instance to instance: wrk in a client instance against nginx in a server instance (one
#     worker, a 3-byte body, keep-alive without a request limit), over the stack's bridge network
#     (`bridge`: the server replica's address), against the same pair with `network_mode: host`
#     (`host`: 127.0.0.1, the agent's namespace). wrk runs in the client instance's network
#     namespace (`nsenter --net` to its pid), the way its workload would send.
#  2. Through the service's VIP (`vip`: the agent's proxy, to the same single replica) against
#     straight to the replica's address (`bridge`).
#     Two loads for each target: 32 connections (`wrk -t2 -c32`, throughput) and one connection
#     (`wrk -t1 -c1`: one request at a time, as netperf's TCP_RR, which moby#7857 measured:
#     bridge 0.58x host for 1-byte transactions, bridge+NAT 0.29x). A warm-up, then R rounds of
#     D seconds, the targets' order rotated every round. Medians of req/s, p50 and p99.
#  3. Setup cost of an instance start: `up -d --wait` of a stack of N services of one `sleep`
#     each, chained by depends_on (so the instances start one at a time), with
#     `network_mode: host`, `none` (a namespace with lo only) and the default bridge network
#     (namespace, veth, address, route), R rounds interleaved. Per instance: the agent's
#     `starting` -> `started` events (the driver's whole start); added by the bridge = the
#     medians' difference with host (goal < 5 ms). Also each `up`'s wall time.
#  4. Name lookups inside the bridge client instance: getaddrinfo through the agent's resolver
#     at 127.0.0.11 against a name from /etc/hosts, and a raw UDP query to 127.0.0.11
#     (scripts/bench/lib/name-lookups.py). Skipped, saying why, while the agent serves no
#     resolver in the instances.
#  wrk, nginx, the agent and its proxy share the machine's cores: compare within one run only.
#
# Usage: sudo scripts/bench/network.sh [duration=5] [rounds=3] [instances=10]
#   WARMUP=seconds of warm-up per target and load (default 2); LOOKUPS=name lookups per way
#   (default 2000); AICORE_BIN=an aicore-node binary (aicore-init beside it) instead of the
#   release build; KEEP=1 keeps the work directory (logs, wrk output, events).
#   Needs root, Debian's nginx, wrk, curl, iproute2, util-linux (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-5}"
ROUNDS="${2:-3}"
INSTANCES="${3:-10}"
WARMUP="${WARMUP:-2}"
LOOKUPS="${LOOKUPS:-2000}"
[ "$(id -u)" = 0 ] || { echo "network.sh: needs root" >&2; exit 1; }

need=()
for p in wrk:wrk nginx:nginx curl:curl ip:iproute2 nsenter:util-linux; do
  command -v "${p%%:*}" >/dev/null || need+=("${p##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -n "${AICORE_BIN:-}" ]; then
  BIN="$AICORE_BIN"
else
  # One release build, the Swift runtime linked statically (as the other benches).
  swift build -c release --static-swift-stdlib --product aicore-node >/dev/null
  swift build -c release --static-swift-stdlib --product aicore-init >/dev/null
  BIN="$PWD/.build/release/aicore-node"
fi
LOOKUP_SCRIPT="$PWD/scripts/bench/lib/name-lookups.py"

# Under /var/tmp, not /tmp: an instance has a private /tmp, and the server reads its config here.
WORK="$(mktemp -d /var/tmp/aicore-bench-network.XXXXXX)"
chmod 755 "$WORK" # www-data (the server's user) reads server.conf
AGENT=""
HOLDER=""
export AICORE_HOST="$WORK/agent/aicore.sock"
printf 'networks:\n  default_mode: bridge\n' >"$WORK/aicore.yml"
AGENT_CONFIG="$WORK/aicore.yml"
STACKS=(nbbridge nbhost)

BENCH=network.sh
# shellcheck source=scripts/bench/lib/agent.sh
. scripts/bench/lib/agent.sh # the scripts run from the repository root

cleanup() {
  local status=$?
  set +e
  teardown_agent "${STACKS[@]}"
  # The namespace goes with its last process: the holder (the instances are gone with the stacks).
  if [ -n "$HOLDER" ]; then kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the benchmark's own network namespace, and the agent in it ---------------------------------
unshare --net /bin/sh -c 'ip link set lo up && exec sleep infinity' &
HOLDER=$!
AGENT_NETNS="/proc/$HOLDER/ns/net"
for _ in $(seq 1 100); do
  nsenter --net="$AGENT_NETNS" -- ip -o link show lo up 2>/dev/null | grep -q lo && break
  sleep 0.05
done
[ "$(readlink "$AGENT_NETNS")" != "$(readlink /proc/self/ns/net)" ] \
  || { echo "network.sh: the holder is not in a namespace of its own" >&2; exit 1; }
start_agent

# --- 1 and 2: nginx and a client, on the bridge and on the host network -------------------------
# shellcheck source=scripts/bench/lib/nginx-backend.sh
. scripts/bench/lib/nginx-backend.sh
write_backend_conf "$WORK/server.conf" "@LISTEN@"
pair_stack() { # name network_mode(bridge|host) listen
  local mode=""
  [ "$2" = host ] && mode="    network_mode: host"
  cat <<YML
name: $1
services:
  server:
$mode
    user: www-data
    read_only: true
    tmpfs:
      - /tmp:size=16m,mode=1777
    command:
      - sh
      - -ec
      - >-
        sed "s/@LISTEN@/$3/" $WORK/server.conf >/tmp/nginx.conf;
        exec nginx -e stderr -g 'daemon off;' -c /tmp/nginx.conf
    ports: ["8080"]
    x-aicore:
      probes:
        readiness:
          tcp_socket: {}
          period: 1
  client:
$mode
    command: ["sleep", "infinity"]
YML
}
# On the bridge nginx listens on its usual port in its own namespace; on the host network on the
# replica's $PORT on 127.0.0.1.
pair_stack nbbridge bridge 8080 >"$WORK/nbbridge.yml"
# shellcheck disable=SC2016 # $$PORT is for the stack file (Compose's escape), the instance's shell reads $PORT
pair_stack nbhost host '127.0.0.1:$$PORT' >"$WORK/nbhost.yml"
for stack in nbbridge nbhost; do
  if ! "$BIN" up -d --wait --wait-timeout 120 -f "$WORK/$stack.yml" >"$WORK/$stack.up.log" 2>&1; then
    echo "network.sh: up $stack failed:" >&2; cat "$WORK/$stack.up.log" >&2; tail -30 "$WORK/agent.log" >&2; exit 1
  fi
done

# client pid, server address:port, VIP address:port (bridge), as "key value" lines.
"$BIN" ps --format json >"$WORK/ps.json"
"$BIN" routes -p nbbridge --format json >"$WORK/routes.json"
targets=$(python3 - "$WORK/ps.json" "$WORK/routes.json" <<'PY'
import json, sys
ps, routes = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def one(stack, service):
    found = [i for i in ps if i["stack"] == stack and i["service"] == service and i["ready"]]
    if len(found) != 1: sys.exit(f"network.sh: expected one ready {stack}/{service}, got {len(found)}")
    return found[0]
print(f"BRIDGE_CLIENT={one('nbbridge', 'client')['pid']}")
print(f"HOST_CLIENT={one('nbhost', 'client')['pid']}")
server = one("nbbridge", "server")
print(f"SERVER_NAME={server['id']}")
print(f"BRIDGE_TARGET={server['addresses']['nbbridge_default']}:8080")
print(f"HOST_TARGET=127.0.0.1:{one('nbhost', 'server')['ports'][0]}")
route = [r for r in routes if r["service"] == "server"]
if len(route) != 1 or len(route[0]["listeners"]) != 1: sys.exit(f"network.sh: no single VIP listener for nbbridge/server: {routes}")
print(f"VIP_TARGET={route[0]['listeners'][0]}")
PY
)
eval "$targets"

target() { case "$1" in host) echo "$HOST_TARGET" ;; bridge) echo "$BRIDGE_TARGET" ;; vip) echo "$VIP_TARGET" ;; esac; }
client() { if [ "$1" = host ]; then echo "$HOST_CLIENT"; else echo "$BRIDGE_CLIENT"; fi; }
in_client() { local pid=$1; shift; nsenter --net="/proc/$pid/ns/net" -- "$@"; }

for t in host bridge vip; do
  answer=""
  for _ in $(seq 1 100); do
    answer=$(in_client "$(client $t)" curl -sS --max-time 1 "http://$(target $t)/" 2>/dev/null) && [ "$answer" = ok ] && break
    sleep 0.1
  done
  [ "$answer" = ok ] || { echo "network.sh: no answer from $t at $(target $t)" >&2; exit 1; }
done

run_wrk() { # target load seconds out-file
  local opts=(-t2 -c32)
  [ "$2" = c1 ] && opts=(-t1 -c1)
  in_client "$(client "$1")" wrk "${opts[@]}" -d"$3"s --latency "http://$(target "$1")/" >"$4"
}

TARGETS=(host bridge vip)
echo "host: client pid $HOST_CLIENT -> $HOST_TARGET; bridge: client pid $BRIDGE_CLIENT -> $BRIDGE_TARGET," \
  "vip: -> $VIP_TARGET; warm-up ${WARMUP}s, then $ROUNDS rounds of ${DURATION}s per target and load" >&2
for t in "${TARGETS[@]}"; do for l in c32 c1; do run_wrk "$t" "$l" "$WARMUP" "$WORK/warmup-$t-$l.txt"; done; done
for i in $(seq 1 "$ROUNDS"); do
  order=("${TARGETS[@]:$(( (i - 1) % 3 ))}" "${TARGETS[@]:0:$(( (i - 1) % 3 ))}")
  for t in "${order[@]}"; do for l in c32 c1; do run_wrk "$t" "$l" "$DURATION" "$WORK/$t-$l-$i.txt"; done; done
  echo "round $i: $(for t in "${TARGETS[@]}"; do echo -n "$t $(awk '/^Requests\/sec/ {print $2}' "$WORK/$t-c32-$i.txt") req/s; "; done)" >&2
done

# --- 4: name lookups (before the setup rounds, while the pair runs) -------------------------------
resolver_listens() { # pid: is a UDP socket bound to 127.0.0.11 in its namespace? (The resolver
  # listens at a port the kernel picked, behind the namespace's DNAT from :53, or at :53 itself.)
  in_client "$1" cat /proc/net/udp | awk '{print $2}' | grep -qi '^0B00007F:'
}
if resolver_listens "$BRIDGE_CLIENT"; then
  nsenter --net="/proc/$BRIDGE_CLIENT/ns/net" --mount="/proc/$BRIDGE_CLIENT/ns/mnt" --uts="/proc/$BRIDGE_CLIENT/ns/uts" -- \
    python3 - "$LOOKUPS" server "$SERVER_NAME" <"$LOOKUP_SCRIPT" >"$WORK/lookups.json"
else
  echo '{"skipped": "nothing listens on 127.0.0.11 in the instance'"'"'s namespace: the agent serves no resolver yet"}' >"$WORK/lookups.json"
fi

# --- 3: setup cost of an instance start ---------------------------------------------------------
chain_stack() { # name mode
  local i
  echo "name: $1"
  echo "services:"
  for i in $(seq 1 "$INSTANCES"); do
    echo "  s$i:"
    echo '    command: ["sleep", "infinity"]'
    [ "$2" = bridge ] || echo "    network_mode: $2"
    [ "$i" -gt 1 ] && echo "    depends_on: [s$(( i - 1 ))]"
  done
  return 0
}
MODES=(host none bridge)
for i in $(seq 1 "$ROUNDS"); do
  order=("${MODES[@]:$(( (i - 1) % 3 ))}" "${MODES[@]:0:$(( (i - 1) % 3 ))}")
  for m in "${order[@]}"; do
    stack="nbsetup-$m-$i"
    STACKS+=("$stack")
    chain_stack "$stack" "$m" >"$WORK/$stack.yml"
    t0=$(date +%s%N)
    if ! "$BIN" up -d --wait --wait-timeout 120 -f "$WORK/$stack.yml" >"$WORK/$stack.up.log" 2>&1; then
      echo "network.sh: up $stack failed:" >&2; cat "$WORK/$stack.up.log" >&2; tail -30 "$WORK/agent.log" >&2; exit 1
    fi
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >"$WORK/$stack.up-us"
    # The stack's events (SSE: the connection is cut by --max-time).
    curl -sS -N --unix-socket "$AICORE_HOST" --max-time 1 "http://x/v1/events?stack=$stack&tail=1000" \
      >"$WORK/$stack.events" 2>/dev/null || true
    "$BIN" down -p "$stack" >/dev/null
  done
  echo "setup round $i done" >&2
done

python3 - "$WORK" "$ROUNDS" "$DURATION" "$INSTANCES" <<'PY'
import json, os, re, statistics, sys
from datetime import datetime
work, rounds, duration, instances = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
med = statistics.median
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def parse(path):
    text = open(path).read()
    r = {"rps": float(re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M).group(1))}
    for q in ("50", "99"):
        m = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        r["p" + q] = float(m.group(1)) * UNIT[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    r["bad"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["bad"] += sum(map(int, m.groups())) if m else 0
    return r
targets, loads = ("host", "bridge", "vip"), ("c32", "c1")
res = {(t, l): [parse(os.path.join(work, f"{t}-{l}-{i}.txt")) for i in range(1, rounds + 1)] for t in targets for l in loads}
m = {(t, l, k): med(r[k] for r in res[t, l]) for t in targets for l in loads for k in ("rps", "p50", "p99")}
LOAD = {"c32": "32 connections (wrk -t2 -c32)", "c1": "1 connection (wrk -t1 -c1, one request at a time)"}
NAME = {"host": "host network (127.0.0.1)", "bridge": "bridge (replica address)", "vip": "bridge, via the VIP (proxy)"}
print(f"\n== network: wrk from a client instance to nginx in a server instance, {rounds} rounds of {duration:.0f} s, medians ==")
for l in loads:
    print(f"{LOAD[l]}:")
    print(f"  {'':30s} {'req/s':>9s} {'p50':>9s} {'p99':>9s}  rounds (req/s)  errors")
    for t in targets:
        bad = sum(r["bad"] for r in res[t, l])
        print(f"  {NAME[t]:30s} {m[t, l, 'rps']:9.0f} {m[t, l, 'p50']:7.3f}ms {m[t, l, 'p99']:7.3f}ms"
              f"  {[round(r['rps']) for r in res[t, l]]}  {bad}")
def ratios(a, b, l):
    return (f"req/s {m[a, l, 'rps'] / m[b, l, 'rps']:.2f}, p50 {m[a, l, 'p50'] / m[b, l, 'p50']:.2f},"
            f" p99 {m[a, l, 'p99'] / m[b, l, 'p99']:.2f}")
print("ratios (req/s: higher is better; latency: lower is better):")
for l in loads:
    print(f"  bridge/host, {l:3s}: {ratios('bridge', 'host', l)}")
for l in loads:
    print(f"  vip/direct,  {l:3s}: {ratios('vip', 'bridge', l)}")
bridge_host = m["bridge", "c1", "rps"] / m["host", "c1", "rps"]
print(f"  anchor: moby#7857, netperf TCP_RR 1-byte: bridge 0.58x host, bridge+NAT 0.29x;"
      f" here one connection: bridge {bridge_host:.2f}x host (goal >= 0.90: {'met' if bridge_host >= 0.9 else 'not met'})")
if any(r["bad"] for v in res.values() for r in v):
    print("warning: wrk saw non-2xx responses or socket errors (see the errors column)")

# Setup cost: starting -> started per instance, from the agent's events.
def events(path):
    out = []
    for line in open(path, errors="replace"):
        if line.startswith("data: "):
            try: out.append(json.loads(line[6:]))
            except ValueError: pass
    return out
def stamp(text):
    head, _, rest = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(head).timestamp() + float("0." + (rest or "0"))
starts, ups = {}, {}
for mode in ("host", "none", "bridge"):
    starts[mode], ups[mode] = [], []
    for i in range(1, rounds + 1):
        stack = f"nbsetup-{mode}-{i}"
        begun = {}
        for e in events(os.path.join(work, f"{stack}.events")):
            if e.get("type") == "starting": begun[e["instance"]] = stamp(e["time"])
            elif e.get("type") == "started" and e["instance"] in begun:
                starts[mode].append((stamp(e["time"]) - begun.pop(e["instance"])) * 1000)
        ups[mode].append(int(open(os.path.join(work, f"{stack}.up-us")).read()) / 1000)
print(f"\n== setup cost: {instances} chained instances per stack, {rounds} rounds; an instance's start = its"
      f" `starting` -> `started` events ==")
print(f"  {'network_mode':14s} {'start median':>12s} {'p90':>8s} {'samples':>8s}  {'up -d --wait':>13s}")
for mode in ("host", "none", "bridge"):
    s = sorted(starts[mode])
    if not s:
        print(f"  {mode:14s} no starting/started events found"); continue
    print(f"  {mode:14s} {med(s):10.2f}ms {s[int(len(s) * 0.9) - 1] if len(s) >= 10 else s[-1]:6.2f}ms {len(s):8d}"
          f"  {med(ups[mode]):11.0f}ms")
if all(starts[k] for k in starts):
    ns = med(starts["none"]) - med(starts["host"])
    added = med(starts["bridge"]) - med(starts["host"])
    per_up = (med(ups["bridge"]) - med(ups["host"])) / instances
    print(f"  added by a namespace alone (none - host): {ns:+.2f} ms per instance")
    print(f"  added by a bridge network (bridge - host): {added:+.2f} ms per instance (goal < 5 ms:"
          f" {'met' if added < 5 else 'not met'}); by up's wall time: {per_up:+.2f} ms per instance"
          f" (the stack's bridge and nft table included)")

# Name lookups.
print("\n== name lookups inside the bridge client instance ==")
lk = json.load(open(os.path.join(work, "lookups.json")))
if "skipped" in lk:
    print(f"  skipped: {lk['skipped']}")
else:
    WAY = {"hosts": "getaddrinfo, /etc/hosts", "resolver": "getaddrinfo, via 127.0.0.11", "udp": "raw UDP query to 127.0.0.11"}
    for way in ("hosts", "resolver", "udp"):
        w = lk[way]
        if "skipped" in w: print(f"  {WAY[way]:30s} skipped: {w['skipped']}")
        else: print(f"  {WAY[way]:30s} {w['name']:24s} median {w['median_us']:8.1f}us  p99 {w['p99_us']:8.1f}us  ({w['count']} lookups)")
    if "median_us" in lk["resolver"]:
        print(f"  resolver/hosts: {lk['resolver']['median_us'] / lk['hosts']['median_us']:.2f}x")
PY
