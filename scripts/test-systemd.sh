#!/usr/bin/env bash
# test-systemd.sh — the agent under a real systemd with cgroup v2, in the VM of scripts/vm/vmrun.
# Boots systemd as PID 1 and runs scripts/vm/systemd-checks.sh there against the debug binary:
# install, READY=1, each instance in its transient scope (systemd's cgroup driver) with the stack's
# limits as unit properties, restart without touching workloads or scopes, the journald logging
# driver (journalctl CONTAINER_NAME=…), a connection through
# the proxy process kept across restart, stop and start, watchdog, and no aicore unit left after down.
#
#   sudo scripts/test-systemd.sh          (SKIP_BUILD=1 uses the existing build)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build >&2; fi
bin="$(swift build --show-bin-path)/aicore-node"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
set +e
# shellcheck disable=SC2086
scripts/vm/vmrun ${VMRUN_ARGS:-} --systemd --timeout 900 -- env AICORE_BIN="$bin" scripts/vm/systemd-checks.sh 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
set -e
echo "test-systemd: VM run took $(( $(date +%s) - start ))s, exit status $rc"
[ "$rc" = 0 ] || { echo "test-systemd: FAILED (status $rc)"; exit "$rc"; }
grep -q "systemd-checks: passed" "$out" || { echo "test-systemd: FAILED: the checks did not finish"; exit 1; }
echo "test-systemd: passed"
