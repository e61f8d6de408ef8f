#!/usr/bin/env bash
# Restart latency and idle supervision cost of `aicore-node supervise`.
#
#  1. Exit → replacement exec: N instances each exit once (code 1) and are restarted; the time
#     from the workload's last breath (a timestamp it writes just before `exit 1`) to the
#     replacement's first (a timestamp written by the restarted script) is measured for
#     aicore-node (`restart_policy: delay: 0`, i.e. the 1 ms floor) and for Debian's supervisord
#     (autorestart=true, startsecs=0) in the same run, with the same script.
#  2. Idle cost: aicore-node supervising M idle instances (`sleep`), each with a 1s exec
#     healthcheck (`CMD /bin/true`, run inside the instance), measured over a window:
#     agent RSS (also per instance added to a 1-instance agent), the agent's own CPU, and the CPU
#     of the health checks: reaped by the agent (older agents made them) or by the instance inits
#     (which make them now), and the inits' own.
#
# Usage: sudo scripts/bench/restart.sh [instances-for-latency] [idle-instances] [window-seconds]
#   BEFORE=/path/to/an/older/aicore-node also measures that binary in the same run (before/after).
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-20}"
M="${2:-500}"
WINDOW="${3:-30}"
[ "$(id -u)" = 0 ] || { echo "restart.sh: needs root" >&2; exit 1; }
command -v supervisord >/dev/null || { apt-get install -y -qq supervisor >/dev/null; }
# supervisord must not be the distro's service instance: stop that one if the package started it.
systemctl stop supervisor >/dev/null 2>&1 || true

swift build -c release --static-swift-stdlib --product aicore-node >/dev/null
swift build -c release --static-swift-stdlib --product aicore-init >/dev/null
BIN="$PWD/.build/release/aicore-node"
WORK="$(mktemp -d /tmp/aicore-bench-restart.XXXXXX)"
AGENT=""
SUP=""
cleanup() {
  [ -n "$AGENT" ] && kill -TERM "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null || true
  [ -n "$SUP" ] && kill -TERM "$SUP" 2>/dev/null && wait "$SUP" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The workload: first run sleeps a little and exits 1; the restarted one records its start and idles.
cat > "$WORK/w.sh" <<'SH'
#!/bin/sh
dir=$(dirname "$0"); name=$1
if [ -e "$dir/$name.exited" ]; then date +%s%N > "$dir/$name.started"; exec sleep 100000; fi
sleep 0.$((3 + $(od -An -N1 -tu1 /dev/urandom) % 6))
date +%s%N > "$dir/$name.exited"
exit 1
SH
chmod +x "$WORK/w.sh"

wait_files() { # dir pattern count
  for _ in $(seq 1 600); do
    [ "$(ls "$1" | grep -c "$2" || true)" -ge "$3" ] && return 0
    sleep 0.1
  done
  echo "restart.sh: timed out waiting for $3 × $2" >&2; return 1
}

latencies() { # prefix
  for f in "$WORK"/$1*.started; do
    base="${f%.started}"
    echo $(( ($(cat "$f") - $(cat "$base.exited")) / 1000 ))
  done | sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, p90 %.1f ms, max %.1f ms (n=%d)\n", a[int((NR+1)/2)]/1000, a[int(NR*0.9+0.5)]/1000, a[NR]/1000, NR}'
}

# --- aicore-node -----------------------------------------------------------------------------
cat > "$WORK/latency.yml" <<YML
name: lat
services:
  w:
    command: ["/bin/sh", "-c", "exec /mnt/w.sh \$\$AICORE_INSTANCE"]
    volumes: ["$WORK:/mnt"]
    deploy:
      replicas: $N
      restart_policy: {condition: on-failure, delay: 0s}
YML
latency_run() { # binary label -> prints the latency line
  rm -f "$WORK"/lat-w-*
  rm -rf "$WORK/state-lat"
  "$1" supervise --state-dir "$WORK/state-lat" -f "$WORK/latency.yml" > "$WORK/agent-lat-$2.log" 2>&1 &
  AGENT=$!
  wait_files "$WORK" '^lat-w-.*\.started$' "$N"
  kill -TERM "$AGENT"; wait "$AGENT" || true; AGENT=""
  latencies lat-w-
}
AICORE=$(latency_run "$BIN" after)
[ -n "${BEFORE:-}" ] && AICORE_BEFORE=$(latency_run "$BEFORE" before)

# --- supervisord -----------------------------------------------------------------------------
{
  echo "[supervisord]"; echo "nodaemon=true"; echo "logfile=$WORK/supervisord.log"; echo "pidfile=$WORK/supervisord.pid"
  echo "[unix_http_server]"; echo "file=$WORK/supervisor.sock"
  for i in $(seq 1 "$N"); do
    echo "[program:sup$i]"; echo "command=$WORK/w.sh sup-$i"; echo "autorestart=true"; echo "startsecs=0"
    echo "startretries=100"; echo "stdout_logfile=NONE"; echo "stderr_logfile=NONE"
  done
} > "$WORK/supervisord.conf"
supervisord -c "$WORK/supervisord.conf" >/dev/null 2>&1 &
SUP=$!
wait_files "$WORK" '^sup-.*\.started$' "$N"
kill -TERM "$SUP"; wait "$SUP" || true; SUP=""
SUPERVISORD=$(latencies sup-)

echo "exit -> replacement exec, $N instances each:"
[ -n "${BEFORE:-}" ] && echo "  before ($BEFORE): $AICORE_BEFORE"
echo "  aicore-node (delay 0): $AICORE"
echo "  supervisord:           $SUPERVISORD"

# The kernel's part of every spawn on a cgroup v1 host: moving the new init into the v1
# hierarchies. Without favordynmods (a mount option or the cgroup_favordynmods= boot parameter)
# each move waits for an RCU grace period, ~10 ms; with it, well under 1 ms. On cgroup v2 the
# init is cloned straight into its cgroup and nothing is moved.
v1_attach() {
  local dir=/sys/fs/cgroup/memory/aicore-bench-attach p t0 t1
  mkdir -p "$dir" || return 0
  for _ in $(seq 1 20); do
    sleep 5 & p=$!
    sleep 0.02
    t0=$EPOCHREALTIME; echo "$p" > "$dir/cgroup.procs"; t1=$EPOCHREALTIME
    kill "$p"; wait "$p" 2>/dev/null || true
    echo "$t0 $t1" | awk '{printf "%d\n", ($2 - $1) * 1000000}'
  done | sort -n | awk '{a[NR]=$1} END {printf "median %.2f ms, max %.2f ms\n", a[int((NR+1)/2)]/1000, a[NR]/1000}'
  rmdir "$dir"
}
if grep -q ' /sys/fs/cgroup/memory cgroup ' /proc/mounts; then
  echo "  kernel floor here: moving a new process into a v1 cgroup: $(v1_attach)"
fi

# --- idle cost -------------------------------------------------------------------------------
cat > "$WORK/idle.yml" <<YML
name: idle
services:
  idle:
    command: ["/bin/sleep", "100000"]
    deploy: {replicas: $M}
    healthcheck: {test: ["CMD", "/bin/true"], interval: 1s, timeout: 1s, retries: 3}
YML
# CPU ticks (user+system, own and reaped children) of the agent's direct children: the instance
# inits, which now make the health checks themselves, with the checks they reaped.
inits_ticks() { # agent pid
  local total=0 pid t
  for pid in $(ps --ppid "$1" -o pid=); do
    t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}
idle_rss() { # binary replicas -> agent RSS in KiB once all are healthy
  local file="$WORK/idle-$2.yml" log="$WORK/agent-rss-$2.log"
  sed "s/replicas: $M/replicas: $2/; s/^name: idle/name: idle$2/" "$WORK/idle.yml" > "$file"
  rm -rf "$WORK/state-rss"
  "$1" supervise --state-dir "$WORK/state-rss" -f "$file" > "$log" 2>&1 &
  AGENT=$!
  for _ in $(seq 1 600); do
    [ "$(grep -c ' healthy healthy' "$log" 2>/dev/null || true)" -ge "$2" ] && break
    sleep 0.5
  done
  sleep 3
  awk '/VmRSS/ {print $2}' "/proc/$AGENT/status"
  kill -TERM "$AGENT"; wait "$AGENT" || true; AGENT=""
}
idle_run() { # binary label
  BASE_RSS=$(idle_rss "$1" 1)
  rm -rf "$WORK/state-idle"
  "$1" supervise --state-dir "$WORK/state-idle" -f "$WORK/idle.yml" > "$WORK/agent-idle-$2.log" 2>&1 &
  AGENT=$!
  for _ in $(seq 1 1200); do
    n=$(grep -c ' healthy healthy' "$WORK/agent-idle-$2.log" 2>/dev/null || true)
    [ "${n:-0}" -ge "$M" ] && break
    sleep 0.5
  done
  HEALTHY=$(grep -c ' healthy healthy' "$WORK/agent-idle-$2.log" || true)
  TICK=$(getconf CLK_TCK)
  # Settle: the first check of each instance lands within its first interval.
  sleep 5
  read -r U0 S0 CU0 CS0 < <(awk '{print $14, $15, $16, $17}' "/proc/$AGENT/stat")
  I0=$(inits_ticks "$AGENT")
  sleep "$WINDOW"
  read -r U1 S1 CU1 CS1 < <(awk '{print $14, $15, $16, $17}' "/proc/$AGENT/stat")
  I1=$(inits_ticks "$AGENT")
  RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$AGENT/status")
  THREADS=$(awk '/Threads/ {print $2}' "/proc/$AGENT/status")
  echo "idle ($2: $1): $HEALTHY of $M instances healthy, ${WINDOW}s window"
  awk -v u=$((U1-U0)) -v s=$((S1-S0)) -v cu=$((CU1-CU0)) -v cs=$((CS1-CS0)) -v i=$((I1-I0)) -v t="$TICK" -v w="$WINDOW" \
      -v rss="$RSS_KB" -v base="$BASE_RSS" -v m="$M" -v th="$THREADS" 'BEGIN {
    printf "  agent RSS %.1f MiB = %.1f KiB per instance (%d threads); with 1 instance %.1f MiB: %.1f KiB per added instance\n", rss/1024, rss/m, th, base/1024, (rss-base)/(m-1)
    printf "  agent CPU %.1f%% of one core (user %.1f%%, system %.1f%%)\n", (u+s)/t/w*100, u/t/w*100, s/t/w*100
    printf "  health check processes the agent reaped %.1f%% of one core; instance inits and the checks they reaped %.1f%%\n", (cu+cs)/t/w*100, i/t/w*100
    printf "  everything: %.1f%% of one core\n", (u+s+cu+cs+i)/t/w*100
  }'
  kill -TERM "$AGENT"; wait "$AGENT" || true; AGENT=""
}
[ -n "${BEFORE:-}" ] && idle_run "$BEFORE" before
idle_run "$BIN" after
