#!/usr/bin/env bash
# Throughput and latency through aicore-node's service proxy, against nginx as a reverse proxy,
# to the same backend, in one run.
#
#  - The backend: a stack (`proxybench`) whose service runs Debian's nginx as the workload, 2
#    replicas, each listening on its own $PORT on 127.0.0.1 and answering every request with a
#    fixed 3-byte body (`return 200`), keep-alive without a request limit. A tcp_socket readiness
#    probe gates the replicas, so `up --wait` returns once both listen.
#  - ours: the service publishes 127.0.0.1:P; the agent's L4 proxy listens there and balances the
#    connections (round-robin) over the two ready replicas.
#  - nginx: Debian's nginx on the host, listening on 127.0.0.1:Q, `proxy_pass` to an `upstream` of
#    the same two replica ports with `keepalive 64` (HTTP/1.1, no request limit either way),
#    `worker_processes auto` (one per core, as the agent's event loop group has one thread per core).
#  - The load: wrk, 64 connections (2 threads), `--latency`, loopback only. A warm-up of each, then
#    R rounds of D seconds per target, interleaved (ours first in odd rounds, nginx first in even
#    ones). Prints each round, then the medians: req/s, p50 and p99 latency, and the ratios
#    ours/nginx (the goal: req/s >= 1, p99 <= 1.2), and the CPU each proxy used (the agent's whole
#    process for ours: its other work is idle here apart from the probes).
#  wrk, the proxies and the backends share the machine's cores: compare within one run only.
#
# Usage: sudo scripts/bench/proxy.sh [duration=10] [rounds=3] [connections=64]
#   WARMUP=seconds of warm-up per target (default 5); THREADS=wrk threads (default 2);
#   PROXY_EVENT_LOOPS=N sets the agent's `proxy_event_loops` (default: unset, one per core; 0 runs
#   the proxy on the REST API's event loops, as before 2026-12);
#   KEEP=1 keeps the work directory (logs, wrk output) after everything is stopped.
#   Needs root, Debian's nginx, wrk, curl (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"
ROUNDS="${2:-3}"
CONNECTIONS="${3:-64}"
WARMUP="${WARMUP:-5}"
THREADS="${THREADS:-2}"
[ "$(id -u)" = 0 ] || { echo "proxy.sh: needs root" >&2; exit 1; }

need=()
for p in wrk:wrk nginx:nginx curl:curl; do
  command -v "${p%%:*}" >/dev/null || need+=("${p##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# One release build, the Swift runtime linked statically (as the other benches); only what the
# bench runs: the agent and the init it hands each instance.
swift build -c release --static-swift-stdlib --product aicore-node >/dev/null
swift build -c release --static-swift-stdlib --product aicore-init >/dev/null
BIN="$PWD/.build/release/aicore-node"

# Under /var/tmp, not /tmp: an instance has a private /tmp, and the backend reads its config here.
WORK="$(mktemp -d /var/tmp/aicore-bench-proxy.XXXXXX)"
chmod 755 "$WORK" # www-data (the backend's user) reads backend.conf
AGENT=""
NGINX=""
export AICORE_HOST="$WORK/agent/aicore.sock"
if [ -n "${PROXY_EVENT_LOOPS:-}" ]; then
  echo "proxy_event_loops: $PROXY_EVENT_LOOPS" >"$WORK/aicore.yml"
  AGENT_CONFIG="$WORK/aicore.yml"
fi

BENCH=proxy.sh
# shellcheck source=scripts/bench/lib/agent.sh
. scripts/bench/lib/agent.sh # the scripts run from the repository root

cleanup() {
  local status=$?
  set +e
  if [ -n "$NGINX" ]; then
    kill -QUIT "$NGINX" 2>/dev/null # graceful: the master stops its workers
    for _ in $(seq 1 100); do kill -0 "$NGINX" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX" 2>/dev/null
    wait "$NGINX" 2>/dev/null
  fi
  teardown_agent proxybench
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

OURS_PORT=$(free_port)
NGINX_PORT=$(free_port)

# --- the backend: nginx as the workload, 2 replicas --------------------------------------------
# @PORT@ becomes the replica's $PORT; every path nginx writes is in the instance's private /tmp.
# shellcheck source=scripts/bench/lib/nginx-backend.sh
. scripts/bench/lib/nginx-backend.sh
write_backend_conf "$WORK/backend.conf" "127.0.0.1:@PORT@"
cat >"$WORK/stack.yml" <<YML
name: proxybench
services:
  backend:
    user: www-data
    read_only: true
    tmpfs:
      - /tmp:size=16m,mode=1777
    command:
      - sh
      - -ec
      - >-
        sed "s/@PORT@/\$\$PORT/" $WORK/backend.conf >/tmp/nginx.conf;
        exec nginx -e stderr -g 'daemon off;' -c /tmp/nginx.conf
    ports:
      - "127.0.0.1:$OURS_PORT:8080"
    deploy:
      replicas: 2
    x-aicore:
      probes:
        readiness:
          tcp_socket: {}
          period: 1
YML

start_agent
if ! "$BIN" up -d --wait --wait-timeout 120 -f "$WORK/stack.yml" >"$WORK/up.log" 2>&1; then
  echo "proxy.sh: up failed:" >&2; cat "$WORK/up.log" >&2; tail -30 "$WORK/agent.log" >&2; exit 1
fi
mapfile -t BACKENDS < <("$BIN" ps -p proxybench --format json | python3 -c '
import json, sys
for i in json.load(sys.stdin):
    if i["service"] == "backend" and i["ready"]:
        for p in i["ports"]: print(p)')
[ ${#BACKENDS[@]} = 2 ] || { echo "proxy.sh: expected 2 ready replica ports, got: ${BACKENDS[*]:-none}" >&2; exit 1; }

# --- nginx as the reverse proxy on the host, to the same replica ports --------------------------
mkdir -p "$WORK/nginx"
{
  cat <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    upstream backend {
CONF
  for p in "${BACKENDS[@]}"; do echo "        server 127.0.0.1:$p;"; done
  cat <<CONF
        keepalive 64;
        keepalive_requests 1000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
} >"$WORK/nginx/nginx.conf"
nginx -e stderr -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
NGINX=$!

wait_http() { # url; at most 10 s
  for _ in $(seq 1 100); do
    [ "$(curl -sS --max-time 1 "$1" 2>/dev/null)" = ok ] && return 0
    sleep 0.1
  done
  echo "proxy.sh: no answer from $1" >&2; return 1
}
wait_http "http://127.0.0.1:$OURS_PORT/"
wait_http "http://127.0.0.1:$NGINX_PORT/" || { cat "$WORK/nginx.log" >&2; exit 1; }

# --- the load ----------------------------------------------------------------------------------
cpu_ticks() { # pids... -> utime+stime (clock ticks) of these processes and their children threads
  local pid total=0 f
  for pid in "$@"; do
    f=$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null) || continue
    total=$(( total + ${f% *} + ${f#* } ))
  done
  echo "$total"
}
# shellcheck disable=SC2046 # one pid per word
nginx_pids() { echo "$NGINX" $(pgrep -P "$NGINX" || true); }

target_port() { if [ "$1" = ours ]; then echo "$OURS_PORT"; else echo "$NGINX_PORT"; fi; }
target_pids() { if [ "$1" = ours ]; then echo "$AGENT"; else nginx_pids; fi; }

run_wrk() { # target seconds out-file; appends "ticks" to the out file's .cpu
  local port pids c0 c1
  port=$(target_port "$1")
  # shellcheck disable=SC2207
  pids=($(target_pids "$1"))
  c0=$(cpu_ticks "${pids[@]}")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2"s --latency "http://127.0.0.1:$port/" >"$3"
  c1=$(cpu_ticks "${pids[@]}")
  echo $(( c1 - c0 )) >"$3.cpu"
}

echo "backend replicas on 127.0.0.1:${BACKENDS[0]} and :${BACKENDS[1]}; ours on :$OURS_PORT" \
  "(proxy_event_loops: ${PROXY_EVENT_LOOPS:-unset, one per core}), nginx on :$NGINX_PORT;" \
  "wrk -t$THREADS -c$CONNECTIONS; warm-up ${WARMUP}s each, then $ROUNDS rounds of ${DURATION}s" >&2
run_wrk ours "$WARMUP" "$WORK/warmup-ours.txt"
run_wrk nginx "$WARMUP" "$WORK/warmup-nginx.txt"
for i in $(seq 1 "$ROUNDS"); do
  if (( i % 2 )); then order=(ours nginx); else order=(nginx ours); fi
  for t in "${order[@]}"; do run_wrk "$t" "$DURATION" "$WORK/$t-$i.txt"; done
  echo "round $i: ours $(awk '/^Requests\/sec/ {print $2}' "$WORK/ours-$i.txt") req/s," \
    "nginx $(awk '/^Requests\/sec/ {print $2}' "$WORK/nginx-$i.txt") req/s" >&2
done

# The agent's own counters: how the connections were spread over the replicas.
curl -sS --unix-socket "$AICORE_HOST" http://x/v1/proxy >"$WORK/proxy.json"

python3 - "$WORK" "$ROUNDS" "$DURATION" "$(getconf CLK_TCK)" <<'PY'
import json
import os, re, statistics, sys
work, rounds, duration, hz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}
def parse(path):
    text = open(path).read()
    r = {"rps": float(re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M).group(1))}
    for q in ("50", "99"):
        m = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        r["p" + q] = float(m.group(1)) * UNIT[m.group(2)]
    m = re.search(r"^\s+(\d+) requests in", text, re.M)
    r["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["errors"] = sum(map(int, m.groups())) if m else 0
    r["cpu"] = int(open(path + ".cpu").read()) / hz  # CPU seconds of the proxy in the window
    return r
res = {t: [parse(os.path.join(work, f"{t}-{i}.txt")) for i in range(1, rounds + 1)] for t in ("ours", "nginx")}
med = lambda t, k: statistics.median(r[k] for r in res[t])
print(f"\n== proxy: wrk, {rounds} rounds of {duration:.0f} s each, medians ==")
print(f"{'':8s} {'req/s':>10s} {'p50':>9s} {'p99':>9s} {'proxy CPU':>10s} {'CPU/req':>9s}  errors")
for t, name in (("ours", "ours"), ("nginx", "nginx")):
    cpu = med(t, "cpu")
    per = statistics.median(r["cpu"] / r["requests"] * 1e6 for r in res[t])
    bad = sum(r["non2xx"] + r["errors"] for r in res[t])
    print(f"{name:8s} {med(t, 'rps'):10.0f} {med(t, 'p50'):7.2f}ms {med(t, 'p99'):7.2f}ms"
          f" {cpu / duration * 100:8.0f}% {per:7.1f}us  {bad}")
    print(f"{'':8s} rounds: req/s {[round(r['rps']) for r in res[t]]}, p99 {[round(r['p99'], 2) for r in res[t]]} ms")
for route in json.load(open(os.path.join(work, "proxy.json"))):
    if route["stack"] == "proxybench":
        spread = ", ".join(f"{b['address']} {b['total_connections']}" for b in route["backends"])
        print(f"{'':8s} our route {route['route']}: connections per backend (warm-up included): {spread};"
              f" failed {route['failed_connections']}, rejected {route['rejected_connections']}")
rps, p50, p99 = (med("ours", k) / med("nginx", k) for k in ("rps", "p50", "p99"))
print(f"ours/nginx: req/s {rps:.2f} (goal >= 1.00), p50 {p50:.2f}, p99 {p99:.2f} (goal <= 1.20)")
print("goal " + ("met" if rps >= 1.0 and p99 <= 1.2 else "not met"))
if any(r["non2xx"] + r["errors"] for t in res for r in res[t]):
    print("warning: wrk saw non-2xx responses or socket errors (see the errors column)")
PY
