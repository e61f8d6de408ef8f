#!/usr/bin/env bash
# Spawn latency of `aicore-node run -- /bin/true` with the default isolation (all namespaces,
# a cgroup with memory+pids limits, seccomp, capabilities, a non-root user), against runc
# (an equivalent OCI bundle: read-only root, memory and pids limits, same user), bubblewrap
# (less work: no cgroup, no seccomp) and crun where the host's cgroup layout lets it run, and the
# same aicore-node run with its line read by ArgumentParser instead of RunOptions.scan.
# All in the same hyperfine run; prints the medians and their ratios.
#
# Usage: sudo scripts/bench/spawn.sh [runs]     (needs root; installs hyperfine, runc, bubblewrap, crun)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-200}"
[ "$(id -u)" = 0 ] || { echo "spawn.sh: needs root" >&2; exit 1; }

need=()
for p in hyperfine:hyperfine runc:runc bwrap:bubblewrap crun:crun; do
  command -v "${p%%:*}" >/dev/null || need+=("${p##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y "${need[@]}" >/dev/null
fi

# A release build with the Swift runtime linked statically: a dynamically linked Swift binary
# spends several milliseconds in the loader before main.
swift build -c release --static-swift-stdlib --product aicore-node >/dev/null
swift build -c release --static-swift-stdlib --product aicore-init >/dev/null
BIN="$PWD/.build/release/aicore-node"

WORK="$(mktemp -d /tmp/aicore-bench.XXXXXX)"
cleanup() {
  runc delete -f aicore-bench >/dev/null 2>&1 || true
  umount "$WORK/rootfs" 2>/dev/null || true
  rmdir "$WORK/rootfs" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The OCI bundle: the host root read-only, like aicore-node's default. runc cannot pivot_root
# into "/" itself, so it gets a (non-recursive, private) bind of it.
mkdir -p "$WORK/bundle" "$WORK/rootfs"
mount --bind / "$WORK/rootfs"
mount --make-private "$WORK/rootfs"
(cd "$WORK/bundle" && runc spec)
python3 - "$WORK/bundle/config.json" "$WORK/rootfs" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["root"] = {"path": sys.argv[2], "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["process"]["user"] = {"uid": 1001, "gid": 1001}
c["linux"].setdefault("resources", {})
c["linux"]["resources"]["memory"] = {"limit": 256 * 1024 * 1024, "swap": 256 * 1024 * 1024}
c["linux"]["resources"]["pids"] = {"limit": 4096}
c["hostname"] = "bench"
# aicore-node does not mount cgroupfs into instances either (and runc cannot create its
# mount point under a read-only host root).
c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/sys/fs/cgroup"]
json.dump(c, open(path, "w"), indent=2)
PY

STATE="$WORK/state"
AICORE="$BIN run --state-dir $STATE --user 1001 --memory 256m -- /bin/true"
RUNC="runc run --bundle $WORK/bundle aicore-bench"
BWRAP="bwrap --ro-bind / / --unshare-pid --unshare-uts --unshare-ipc --dev /dev --proc /proc /bin/true"
CRUN="crun run --bundle $WORK/bundle aicore-bench-crun"
# The same run, read by ArgumentParser: a value that starts with "-" is left to it
# (RunOptions.scan), and -0 is the default oom_score_adj. What the one-shot's own reading saves.
AICORE_AP="$BIN run --state-dir $STATE --user 1001 --memory 256m --oom-score-adj=-0 -- /bin/true"

commands=("$AICORE" "$AICORE_AP" "$BWRAP" "$RUNC")
names=("aicore-node" "aicore-node-argumentparser" "bwrap" "runc")
if crun run --bundle "$WORK/bundle" aicore-bench-crun >/dev/null 2>"$WORK/crun.err"; then
  commands+=("$CRUN")
  names+=("crun")
else
  echo "crun skipped: $(head -1 "$WORK/crun.err")" >&2
  crun delete -f aicore-bench-crun >/dev/null 2>&1 || true
fi
# Sanity: every command must succeed before it is timed.
$AICORE
$AICORE_AP
$RUNC

args=()
for i in "${!commands[@]}"; do args+=(-n "${names[$i]}" "${commands[$i]}"); done
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$WORK/result.json" "${args[@]}"

python3 - "$WORK/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
print("\nmedians (ms): " + ", ".join(f"{k} {v:.2f}" for k, v in med.items()))
a = med["aicore-node"]
for k, v in med.items():
    if k != "aicore-node":
        print(f"aicore-node / {k}: {a / v:.2f}")
PY
