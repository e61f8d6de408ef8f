#!/usr/bin/env bash
# systemd-checks.sh — runs INSIDE the VM of scripts/test-systemd.sh (systemd as PID 1, cgroup v2).
# Installs aicore-node with scripts/install.sh and checks what an operator relies on:
#   1. `systemctl start aicore-node` reaches active through READY=1;
#   2. a stack comes up, each instance in its transient scope aicore-<stack>-<service>-<n>.scope
#      in aicore.slice (cgroup_driver: auto picks systemd here), which `systemctl status` shows
#      with the workload's process and `systemctl show` with the stack's limits;
#   3. `systemctl restart aicore-node` leaves every workload running and re-adopted, and every
#      scope in place;
#   3b. a connection through a published port (so through the proxy process) survives
#      `systemctl restart` and `systemctl stop` (KillMode=process: the proxy keeps running, the
#      same pid) and `systemctl start` re-adopts that proxy;
#   4. a hung agent (SIGSTOP) is killed by the watchdog and restarted, workloads untouched;
#   5. `down` leaves no instance cgroup and no aicore unit behind, not even a failed one
#      (also after an OOM kill);
#   6. `aicore-node run` puts its instance in a transient scope as well, and leaves none;
#   7. `logging: {driver: journald}` puts each line in the journal with Docker's field names, once
#      across an agent restart, and `logs` still reads it; `logs` of a `none` service refuses;
#   8. `cgroup_driver: cgroupfs` in /etc/aicore/aicore.yml puts instances under /aicore/… again.
# Prints "systemd-checks: passed" at the end; any failed check exits non-zero with its reason.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${AICORE_BIN:?AICORE_BIN must name the aicore-node binary}

fail() { echo "systemd-checks: FAILED: $*"; journalctl -u aicore-node --no-pager -n 60 || true; exit 1; }
step() { echo "systemd-checks: $*"; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  for _ in $(seq 1 "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  fail "$what (waited ${limit}s)"
}

scripts/install.sh --binary "$bin" --no-start
# A short watchdog so the hang check does not take long, but long enough for this slow VM.
mkdir -p /etc/systemd/system/aicore-node.service.d
printf '[Service]\nWatchdogSec=20s\n' > /etc/systemd/system/aicore-node.service.d/watchdog.conf
systemctl daemon-reload

step "start"
systemctl start aicore-node || fail "systemctl start aicore-node"
[ "$(systemctl is-active aicore-node)" = active ] || fail "aicore-node is $(systemctl is-active aicore-node) after start"
[ -S /run/aicore/aicore.sock ] || fail "no socket at /run/aicore/aicore.sock"
mode=$(stat -c '%a %G' /run/aicore/aicore.sock)
[ "$mode" = "660 aicore" ] || fail "socket mode/group is '$mode', expected '660 aicore'"

work=$(mktemp -d)
cat > "$work/stack.yml" <<'STACK'
name: vmcheck
services:
  app:
    command: ["/bin/sleep", "3600"]
    restart: always
    deploy:
      replicas: 2
      resources:
        limits: {memory: 64m, cpus: "0.5", pids: 100}
  solo:
    command: ["/bin/sleep", "3600"]
    depends_on: [app]
STACK

step "up"
"$bin" up -d --wait -f "$work/stack.yml" || fail "up --wait"
"$bin" ps
pids() { "$bin" ps -p vmcheck --format json | python3 -c 'import json,sys; print(" ".join("%s=%s:%s" % (i["id"], i.get("pid"), i["restarts"]) for i in json.load(sys.stdin)))'; }
before=$(pids)
step "instances: $before"
unit_cgroup=$(systemctl show -p ControlGroup --value aicore-node)
systemd_version=$(systemctl --version | awk 'NR==1 {print $2}')
journalctl -u aicore-node --no-pager | grep -q "cgroup driver: systemd" || fail "the agent did not pick the systemd cgroup driver"
agent_cg=$(grep '^0::' "/proc/$(systemctl show -p MainPID --value aicore-node)/cgroup" | cut -d: -f3)
case "$agent_cg" in "$unit_cgroup"|"$unit_cgroup"/*) ;; *) fail "the agent runs in $agent_cg, outside its unit $unit_cgroup" ;; esac
scopes=""
for entry in $before; do
  id=${entry%%=*}; pid=${entry#*=}; pid=${pid%%:*}
  scope="aicore-$id.scope"
  scopes="$scopes $scope"
  cg=$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)
  [ "$cg" = "/aicore.slice/$scope" ] || fail "instance $id (pid $pid) is in cgroup $cg, not in its scope /aicore.slice/$scope"
  [ "$(systemctl is-active "$scope")" = active ] || fail "$scope is $(systemctl is-active "$scope")"
  status=$(systemctl status --no-pager --lines=0 "$scope") || fail "systemctl status $scope"
  echo "$status" | grep -q "Delegate\|CGroup: /aicore.slice/$scope" || fail "systemctl status $scope shows no cgroup: $status"
  echo "$status" | grep -q "$pid " || fail "systemctl status $scope does not show the instance's init (pid $pid): $status"
  echo "$status" | grep -q "/bin/sleep 3600" || fail "systemctl status $scope does not show the workload: $status"
  echo "$status" | sed -n '1p;/CGroup:/,$p'
done
step "systemd $systemd_version: the agent is in $agent_cg, each instance in its scope:$scopes"
limits=$(systemctl show aicore-vmcheck-app-1.scope -p MemoryMax,TasksMax,CPUQuotaPerSecUSec,Delegate,Slice)
echo "$limits"
for want in MemoryMax=67108864 TasksMax=100 CPUQuotaPerSecUSec=500ms Delegate=yes Slice=aicore.slice; do
  echo "$limits" | grep -qx "$want" || fail "systemctl show aicore-vmcheck-app-1.scope: no $want in: $limits"
done
[ "$(cat /sys/fs/cgroup/aicore.slice/aicore-vmcheck-app-1.scope/memory.max)" = 67108864 ] || fail "memory.max of the scope is not the limit"
[ "$(cat /sys/fs/cgroup/aicore.slice/aicore-vmcheck-app-1.scope/cpu.max)" = "50000 100000" ] || fail "cpu.max of the scope is not the limit"
solo=$(systemctl show aicore-vmcheck-solo-1.scope -p TasksMax,MemoryMax)
echo "$solo" | grep -qx TasksMax=4096 || fail "solo: the default pids limit is not TasksMax=4096: $solo"
step "the limits are unit properties: $(echo $limits)"

step "restart the agent"
systemctl restart aicore-node || fail "systemctl restart aicore-node"
wait_for 60 "agent answering after restart" "$bin" ps
after=$(pids)
[ "$before" = "$after" ] || fail "workloads changed across systemctl restart: before '$before' after '$after'"
for scope in $scopes; do
  [ "$(systemctl is-active "$scope")" = active ] || fail "$scope is $(systemctl is-active "$scope") after the agent's restart"
done
step "every workload kept running and was re-adopted: $after; scopes still active:$scopes"

step "a connection through the proxy across systemctl restart, stop and start"
cat > "$work/echo.yml" <<'STACK'
name: vmecho
services:
  echo:
    command:
      - /usr/bin/python3
      - -c
      - |
        import socket, threading
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", 7000))
        s.listen(16)
        def serve(c):
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
        while True:
            threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
    ports: ["127.0.0.1:17000:7000"]
    x-aicore:
      probes:
        readiness: {tcp_socket: {}, period: 1s}
STACK
"$bin" up -d --wait -f "$work/echo.yml" || fail "up vmecho"
fresh_echo() { bash -c 'exec 4<>/dev/tcp/127.0.0.1/17000 && echo fresh >&4 && read -r -t 10 got <&4 && [ "$got" = fresh ]'; }
wait_for 60 "the published port 17000 echoes" fresh_echo
proxy=$(cat /run/aicore/proxy.pid)
# One connection, held by this shell on fd 3 through every step below.
exec 3<>/dev/tcp/127.0.0.1/17000
held_echoes() { echo "$1" >&3 && read -r -t 10 got <&3 && [ "$got" = "$1" ]; }
proxy_same() { [ "$(cat /run/aicore/proxy.pid)" = "$proxy" ] && kill -0 "$proxy"; }
held_echoes before || fail "the held connection does not echo"
systemctl restart aicore-node || fail "systemctl restart aicore-node (vmecho)"
wait_for 60 "agent answering after restart (vmecho)" "$bin" ps
proxy_same || fail "the proxy process $proxy did not outlive systemctl restart (pid file: $(cat /run/aicore/proxy.pid 2>&1))"
held_echoes after-restart || fail "the held connection did not survive systemctl restart"
systemctl stop aicore-node || fail "systemctl stop aicore-node (vmecho)"
[ "$(systemctl is-active aicore-node)" = inactive ] || fail "aicore-node is $(systemctl is-active aicore-node) after stop"
proxy_same || fail "systemctl stop ended the proxy process $proxy (KillMode=process and docs/operations.md say it stays)"
held_echoes while-stopped || fail "the held connection did not survive systemctl stop"
fresh_echo || fail "no new connection through the published port while the agent is stopped"
systemctl start aicore-node || fail "systemctl start aicore-node (vmecho)"
wait_for 60 "agent answering after start (vmecho)" "$bin" ps
proxy_same || fail "systemctl start did not re-adopt the proxy process $proxy"
held_echoes after-start || fail "the held connection did not survive the agent's start"
fresh_echo || fail "no new connection through the published port after start"
exec 3>&-
"$bin" down -p vmecho || fail "down vmecho"
step "one connection through the proxy (pid $proxy) survived systemctl restart, stop and start"

step "restart one instance"
solo_pid() { "$bin" ps -p vmcheck --format json | python3 -c 'import json,sys; print(" ".join(str(i["pid"]) for i in json.load(sys.stdin) if i["id"] == "vmcheck-solo-1" and i["state"] == "running" and i.get("pid")))'; }
old_solo=$(solo_pid)
"$bin" restart -p vmcheck solo || fail "restart solo"
wait_for 60 "solo running again with a new pid (was $old_solo)" sh -c "p=\$(\"$bin\" ps -p vmcheck --format json | python3 -c 'import json,sys; print(\" \".join(str(i[\"pid\"]) for i in json.load(sys.stdin) if i[\"id\"] == \"vmcheck-solo-1\" and i[\"state\"] == \"running\" and i.get(\"pid\")))'); [ -n \"\$p\" ] && [ \"\$p\" != \"$old_solo\" ]"
new_solo=$(solo_pid)
cg=$(grep '^0::' "/proc/$new_solo/cgroup" | cut -d: -f3)
[ "$cg" = /aicore.slice/aicore-vmcheck-solo-1.scope ] || fail "the restarted instance (pid $new_solo) is in $cg"
[ "$(systemctl is-active aicore-vmcheck-solo-1.scope)" = active ] || fail "the restarted instance's scope is not active"
step "a restarted instance runs in a new scope of the same name (pid $old_solo, now $new_solo)"

step "systemctl stop one instance's scope"
app2_pid() { "$bin" ps -p vmcheck --format json | python3 -c 'import json,sys; print(" ".join("%s:%s" % (i["pid"], i["restarts"]) for i in json.load(sys.stdin) if i["id"] == "vmcheck-app-2" and i["state"] == "running" and i.get("pid")))'; }
old_app2=$(app2_pid)
systemctl stop aicore-vmcheck-app-2.scope || fail "systemctl stop aicore-vmcheck-app-2.scope"
wait_for 60 "app-2 restarted by its policy after its scope was stopped (was $old_app2)" \
  sh -c "p=\$(\"$bin\" ps -p vmcheck --format json | python3 -c 'import json,sys; print(\" \".join(\"%s:%s\" % (i[\"pid\"], i[\"restarts\"]) for i in json.load(sys.stdin) if i[\"id\"] == \"vmcheck-app-2\" and i[\"state\"] == \"running\" and i.get(\"pid\")))'); [ -n \"\$p\" ] && [ \"\$p\" != \"$old_app2\" ]"
[ "$(systemctl is-active aicore-vmcheck-app-2.scope)" = active ] || fail "app-2 runs again but its scope is not active"
step "a stopped scope is an exit like any other: app-2 restarted by restart: always ($old_app2 -> $(app2_pid), pid:restarts)"
before=$(pids)

step "hang the agent"
restarts=$(systemctl show -p NRestarts --value aicore-node)
main=$(systemctl show -p MainPID --value aicore-node)
kill -STOP "$main"
wait_for 120 "watchdog restart of the hung agent (NRestarts still $restarts)" \
  sh -c "[ \$(systemctl show -p NRestarts --value aicore-node) -gt $restarts ] && systemctl is-active --quiet aicore-node"
wait_for 60 "agent answering after the watchdog restart" "$bin" ps
journalctl -u aicore-node --no-pager | grep -i watchdog | tail -2 || true
after=$(pids)
[ "$before" = "$after" ] || fail "workloads changed across the watchdog restart: before '$before' after '$after'"
step "the watchdog restarted the agent; workloads untouched"

step "down"
"$bin" down -p vmcheck || fail "down"
[ ! -e /sys/fs/cgroup/aicore/vmcheck ] || fail "cgroup /aicore/vmcheck left behind"
for scope in $scopes; do
  [ ! -e "/sys/fs/cgroup/aicore.slice/$scope" ] || fail "cgroup of $scope left behind"
done
left=$(systemctl list-units --all --plain --no-legend 'aicore-*' | grep -v '^aicore-node\.service' || true)
[ -z "$left" ] || fail "units left after down: $left"
failed=$(systemctl list-units --failed --plain --no-legend)
case "$failed" in *aicore-*) fail "failed aicore units after down: $failed" ;; esac
step "down: no scope, cgroup or unit left (systemctl list-units --all 'aicore-*' lists only aicore-node.service)"
systemctl list-units --all --plain --no-legend 'aicore-*' || true

step "an instance killed by the kernel's OOM killer"
# `later` waits for a file, so that its OOM kill comes after an agent restart that re-adopted it.
mkdir -p /var/tmp/aicore-hog-trigger
rm -f /var/tmp/aicore-hog-trigger/go
cat > "$work/hog.yml" <<'STACK'
name: hog
services:
  eat:
    command: ["/usr/bin/python3", "-c", "b = bytearray(256 << 20)"]
    deploy:
      resources:
        limits: {memory: 32m}
  later:
    command: ["/bin/sh", "-c", "while [ ! -e /mnt/go ]; do sleep 0.1; done; exec /usr/bin/python3 -c 'b = bytearray(256 << 20)'"]
    volumes: ["/var/tmp/aicore-hog-trigger:/mnt:ro"]
    deploy:
      resources:
        limits: {memory: 32m}
STACK
"$bin" up -d -f "$work/hog.yml" || fail "up hog"
hog_exit() { "$bin" ps -a -p hog --format json | python3 -c 'import json,sys; print(" ".join("%s %s %s" % (i["state"], i.get("last_exit"), i.get("last_exit_code")) for i in json.load(sys.stdin) if i["id"] == sys.argv[1]))' "$1"; }
hog_ended() { hog_exit "$1" | grep -Eq '^(exited|failed) '; }
for _ in $(seq 1 60); do hog_ended hog-eat-1 && break; sleep 1; done
step "hog: $(hog_exit hog-eat-1)"
"$bin" ps -a -p hog || true
journalctl --no-pager -u aicore-hog-eat-1.scope | tail -5 || true
systemctl list-units --all --plain --no-legend 'aicore-hog*' || true
hog_ended hog-eat-1 || fail "the hog instance did not end within 60s: $(hog_exit hog-eat-1)"
# systemd removes the scope's cgroup as soon as it is empty, often before the agent, woken by the
# init's exit, would read memory.events: the init read it as it exited, into its exit file.
case "$(hog_exit hog-eat-1)" in *OOMKilled*) ;; *) fail "the OOM kill was not reported as such: $(hog_exit hog-eat-1)" ;; esac
step "the OOM kill was reported as such"
hog_running() { hog_exit "$1" | grep -q '^running '; }
wait_for 60 "hog-later-1 running before the agent's restart: $(hog_exit hog-later-1)" hog_running hog-later-1
systemctl restart aicore-node || fail "systemctl restart aicore-node (hog)"
wait_for 60 "agent answering after restart (hog)" "$bin" ps
touch /var/tmp/aicore-hog-trigger/go
for _ in $(seq 1 60); do hog_ended hog-later-1 && break; sleep 1; done
step "hog, OOM-killed after the agent re-adopted it: $(hog_exit hog-later-1)"
case "$(hog_exit hog-later-1)" in *OOMKilled*) ;; *) fail "the OOM kill of a re-adopted instance was not reported as such: $(hog_exit hog-later-1)" ;; esac
step "the OOM kill of a re-adopted instance was reported as such too"
"$bin" down -p hog || fail "down hog"
rm -rf /var/tmp/aicore-hog-trigger
left=$(systemctl list-units --all --plain --no-legend 'aicore-*' | grep -v '^aicore-node\.service' || true)
[ -z "$left" ] || fail "units left after the OOM-killed instance: $left"
step "no unit left after an OOM kill (failed or not)"

step "aicore-node run: its instance in a transient scope too"
"$bin" run --name vmrun --memory 32m -- /bin/sleep 300 > "$work/run.out" 2>&1 &
runner=$!
run_scope_active() { [ "$(systemctl is-active aicore-vmrun.scope)" = active ]; }
wait_for 60 "aicore-vmrun.scope active for aicore-node run: $(cat "$work/run.out")" run_scope_active
status=$(systemctl status --no-pager --lines=0 aicore-vmrun.scope) || fail "systemctl status aicore-vmrun.scope"
echo "$status" | grep -q "/bin/sleep 300" || fail "systemctl status aicore-vmrun.scope does not show the workload: $status"
systemctl show aicore-vmrun.scope -p MemoryMax | grep -qx "MemoryMax=33554432" \
  || fail "run --memory 32m is not the scope's MemoryMax: $(systemctl show aicore-vmrun.scope -p MemoryMax)"
kill -TERM "$runner"
code=0; wait "$runner" || code=$?
[ "$code" = 143 ] || fail "run, sent SIGTERM, exited $code, not 143: $(cat "$work/run.out")"
left=$(systemctl list-units --all --plain --no-legend 'aicore-vmrun*' || true)
[ -z "$left" ] && [ ! -e /sys/fs/cgroup/aicore.slice/aicore-vmrun.scope ] || fail "run left its scope behind: $left"
step "run: the workload in aicore-vmrun.scope with MemoryMax, SIGTERM forwarded (exit 143), no unit left"

step "logging: {driver: journald}: each line in the journal under Docker's field names, once"
# `talker` writes its last line only once the agent has restarted: the forwarder resumes from
# its record, so nothing is lost or sent twice.
mkdir -p /var/tmp/aicore-journal-trigger
rm -f /var/tmp/aicore-journal-trigger/go
cat > "$work/journal.yml" <<'STACK'
name: vmjournal
services:
  talker:
    command: ["/bin/sh", "-c", "echo first-line; echo to-stderr >&2; while [ ! -e /mnt/go ]; do sleep 0.1; done; echo after-restart; exec /bin/sleep 3600"]
    volumes: ["/var/tmp/aicore-journal-trigger:/mnt:ro"]
    logging:
      driver: journald
      options: {tag: "vm/{{.Name}}"}
  mute:
    command: ["/bin/sh", "-c", "echo unseen; exec /bin/sleep 3600"]
    logging: {driver: none}
STACK
"$bin" up -d --wait -f "$work/journal.yml" || fail "up vmjournal"
in_journal() { journalctl CONTAINER_NAME=vmjournal-talker-1 -o json --no-pager | grep -q "$1"; }
wait_for 60 "first-line of vmjournal-talker-1 in the journal" in_journal to-stderr
systemctl restart aicore-node || fail "systemctl restart aicore-node (vmjournal)"
wait_for 60 "agent answering after restart (vmjournal)" "$bin" ps
touch /var/tmp/aicore-journal-trigger/go
wait_for 60 "after-restart of vmjournal-talker-1 in the journal" in_journal after-restart
journalctl CONTAINER_NAME=vmjournal-talker-1 -o json --no-pager > "$work/journal.json"
python3 - "$work/journal.json" <<'PY' || fail "journal entries of vmjournal-talker-1: $(cat "$work/journal.json")"
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
got = [(e.get("MESSAGE"), e.get("PRIORITY"), e.get("CONTAINER_TAG"), e.get("SYSLOG_IDENTIFIER"), e.get("CONTAINER_ID")) for e in entries]
want = [(m, p, "vm/vmjournal-talker-1", "vm/vmjournal-talker-1", "vmjournal-talker-1")
        for m, p in [("first-line", "6"), ("to-stderr", "3"), ("after-restart", "6")]]
print("journal:", got)
sys.exit(0 if got == want else 1)
PY
"$bin" logs -p vmjournal talker > "$work/talker.log" 2>&1 || fail "logs of a journald-driver service"
[ "$(cat "$work/talker.log")" = "$(printf 'first-line\nto-stderr\nafter-restart')" ] || fail "logs of talker (the local cache) read: $(cat "$work/talker.log")"
code=0; "$bin" logs -p vmjournal mute > "$work/mute.log" 2>&1 || code=$?
[ "$code" != 0 ] && [ "$(wc -l < "$work/mute.log")" = 1 ] && grep -q "service mute uses logging driver none" "$work/mute.log" \
  || fail "logs of a none-driver service: exit $code, said: $(cat "$work/mute.log")"
"$bin" down -p vmjournal || fail "down vmjournal"
rm -rf /var/tmp/aicore-journal-trigger
step "journald: MESSAGE, PRIORITY 6/3, CONTAINER_TAG = SYSLOG_IDENTIFIER = the tag, each line once across an agent restart; logs reads the cache; none: logs refuses ($(cat "$work/mute.log"))"

step "cgroup_driver: cgroupfs on this systemd host"
cp /etc/aicore/aicore.yml "$work/aicore.yml.orig"
sed -i 's/^cgroup_driver:.*/cgroup_driver: cgroupfs/' /etc/aicore/aicore.yml
grep -qx 'cgroup_driver: cgroupfs' /etc/aicore/aicore.yml || echo 'cgroup_driver: cgroupfs' >> /etc/aicore/aicore.yml
systemctl restart aicore-node || fail "restart with cgroup_driver: cgroupfs"
wait_for 60 "agent answering with cgroup_driver: cgroupfs" "$bin" ps
journalctl -u aicore-node --no-pager | grep "cgroup driver:" | tail -1 | grep -q "cgroup driver: cgroupfs (cgroup v2)" \
  || fail "the agent did not take the cgroupfs driver: $(journalctl -u aicore-node --no-pager | grep 'cgroup driver:' | tail -1)"
"$bin" up -d --wait -f "$work/stack.yml" || fail "up with cgroupfs"
for entry in $(pids); do
  id=${entry%%=*}; pid=${entry#*=}; pid=${pid%%:*}
  cg=$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)
  case "$cg" in /aicore/vmcheck/*) ;; *) fail "cgroupfs: instance $id (pid $pid) is in $cg, not under /aicore/vmcheck/" ;; esac
done
[ -z "$(systemctl list-units --all --plain --no-legend 'aicore-vmcheck*')" ] || fail "cgroupfs made scopes"
step "cgroupfs: instances under /aicore/vmcheck/, no scope: $(pids)"
"$bin" down -p vmcheck || fail "down with cgroupfs"
[ ! -e /sys/fs/cgroup/aicore/vmcheck ] || fail "cgroupfs: /aicore/vmcheck left behind"
cp "$work/aicore.yml.orig" /etc/aicore/aicore.yml

systemctl stop aicore-node
echo "systemd-checks: passed"
