# Sourced by the benchmarks: one `aicore-node agent` in the work directory, and its teardown.
# The caller sets BENCH (its name, for messages), BIN, WORK and AICORE_HOST, and AGENT="".

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts the agent in $WORK/agent (with the config file $AGENT_CONFIG, if set; in the network
# namespace $AGENT_NETNS, a /proc/PID/ns/net path, if set) and waits (60 s at most) until it
# answers on $AICORE_HOST.
# Outside a namespace of the bench's own, services stay on the host's network
# (`networks.default_mode: host`): a benchmark never makes bridges or rules on the host.
start_agent() {
  local config="${AGENT_CONFIG:-}"
  if [ -z "${AGENT_NETNS:-}" ]; then
    config="$WORK/agent-host.yml"
    { [ -n "${AGENT_CONFIG:-}" ] && cat "$AGENT_CONFIG"; printf 'networks:\n  default_mode: host\n'; } >"$config"
  fi
  ${AGENT_NETNS:+nsenter --net="$AGENT_NETNS" --} "$BIN" agent ${config:+--config "$config"} --state-dir "$WORK/agent/state" --run-dir "$WORK/agent/run" --log-dir "$WORK/agent/logs" \
    --socket "$AICORE_HOST" >>"$WORK/agent.log" 2>&1 &
  AGENT=$!
  for _ in $(seq 1 600); do
    "$BIN" ps >/dev/null 2>&1 && return 0
    kill -0 "$AGENT" 2>/dev/null || { echo "$BENCH: the agent exited; see $WORK/agent.log" >&2; tail -20 "$WORK/agent.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$BENCH: the agent does not answer on $AICORE_HOST" >&2; return 1
}

# Takes the stacks named in the arguments down (-v), stops the agent (starting it again first if
# it died, so that it takes down what it left running), and removes $WORK unless KEEP is set.
teardown_agent() {
  if [ -n "$AGENT" ] && ! kill -0 "$AGENT" 2>/dev/null; then
    AGENT=""
    start_agent >/dev/null 2>&1
  fi
  if [ -n "$AGENT" ]; then
    for stack in "$@"; do "$BIN" down -v -p "$stack" >/dev/null 2>&1; done
    kill -TERM "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
  fi
  if [ -n "${KEEP:-}" ]; then echo "$BENCH: kept $WORK" >&2; return 0; fi
  # Never rm -rf through a mount an instance may have left (they bind the host's root).
  if grep -q " $WORK/" /proc/self/mountinfo; then
    echo "$BENCH: mounts are left under $WORK; not removing it" >&2
  else
    rm -rf --one-file-system "$WORK"
  fi
}
