#!/usr/bin/env bash
# test-api-schema.sh — schemathesis (from PyPI) against a live agent with docs/api/openapi.yaml.
# Starts an agent in a temp dir with REST over TCP on 127.0.0.1 (bearer token), applies a small
# stack so that stacks, services and instances exist, and runs schemathesis over every operation:
# it fails on any 5xx answer and on any response that does not match the document. The two
# endless streams (/v1/events, logs with follow) are left out here, and so is a service's `wait`,
# a long poll that holds a request up to 30 s (past schemathesis's 10 s read timeout) when the
# stateful phase reaches the stack's running service; ControlAPITests and WaitTests cover them.
# So are the image pull and the registry login (their refusals are ImageReferenceTests' and
# ControlAPITests'; the real thing ImageEndToEndTests', RegistryLoginEndToEndTests' and the
# registry suites'), and a stack's build, which runs buildah for seconds an example (its refusals
# are ControlAPITests', the real thing BuildEndToEndTests'). The logout is fuzzed: it only edits the agent's own auth.json. Everything
# runs in a network namespace with only loopback: a fuzzed stack or `set image` names random
# images on random hosts, and this machine may send traffic only to loopback.
# A second pass runs a service's update and rollout operations on the stack's real service.
#
#   sudo scripts/test-api-schema.sh          (SKIP_BUILD=1 uses the existing build)
#   ST_MAX_EXAMPLES=N                        examples per operation (default 40)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test-api-schema: needs root (the agent runs instances)" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then swift build >&2; fi
bin="$(swift build --show-bin-path)/aicore-node"

venv=.build-schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "test-api-schema: installing schemathesis into $venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"
fi

# From here on, in a network namespace of its own with only loopback up: a fuzzed stack or
# `set image` may name any image, and the agent's pull must not reach past this machine
# (it fails at once with "network unreachable").
if [ "${AICORE_SCHEMA_NETNS:-0}" != 1 ]; then
  exec unshare --net -- env AICORE_SCHEMA_NETNS=1 SKIP_BUILD=1 bash "$0" "$@"
fi
ip link set lo up

work=$(mktemp -d /tmp/aicore-schema.XXXXXX)
agent=""
cleanup() {
  if [ -n "$agent" ]; then
    AICORE_HOST="$work/aicore.sock" "$bin" down -v -p schema >/dev/null 2>&1 || true
    kill -TERM "$agent" 2>/dev/null || true
    wait "$agent" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; printf '%s\n' "$token" > "$work/token")  # the agent refuses a token others can read
"$bin" agent --state-dir "$work/state" --run-dir "$work/run" --log-dir "$work/logs" --socket "$work/aicore.sock" \
  --listen "127.0.0.1:$port" --token-file "$work/token" --stop-workloads-on-exit > "$work/agent.log" 2>&1 &
agent=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/agent.log"; echo "test-api-schema: the agent did not start"; exit 1; }

cat > "$work/stack.yml" <<'STACK'
name: schema
services:
  web:
    command: ["/bin/sleep", "3600"]
    deploy:
      replicas: 2
STACK
AICORE_HOST="$work/aicore.sock" "$bin" up -d --wait -f "$work/stack.yml" >/dev/null

set +e
"$venv/bin/schemathesis" run docs/api/openapi.yaml \
  --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${ST_MAX_EXAMPLES:-40}" \
  --exclude-path-regex '/(events|logs|wait)$' \
  --exclude-operation-id pullImage \
  --exclude-operation-id registryLogin \
  --exclude-operation-id buildStackImages \
  --no-color 2>&1 | tee "$work/schemathesis.out"
rc=${PIPESTATUS[0]}
if [ "$rc" = 0 ]; then
  # The random names above only ever reach a service's operations as 404s (and the stateful
  # phase may have deleted the stack): again, on the stack's real service, for the operations
  # that change and roll it out (not scale, whose 1000 replicas would swamp a small machine),
  # and those that kill, pause, unpause and remove its instances (not wait: up to 30 s an example).
  AICORE_HOST="$work/aicore.sock" "$bin" up -d --wait -f "$work/stack.yml" >/dev/null
  cat > "$work/schemathesis.toml" <<'TOML'
[parameters]
"path.stack" = "schema"
"path.service" = "web"
TOML
  "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run docs/api/openapi.yaml \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${ST_MAX_EXAMPLES:-40}" \
    --include-path-regex '^/v1/stacks/\{stack\}/services/\{service\}(/revisions|/rollout(/undo|/pause|/resume)?|/kill|/pause|/unpause|/rm)?$' \
    --no-color 2>&1 | tee -a "$work/schemathesis.out"
  rc=${PIPESTATUS[0]}
fi
set -e
if [ "$rc" != 0 ]; then
  echo "test-api-schema: FAILED (schemathesis exit status $rc); the agent's log:"
  tail -40 "$work/agent.log"
  exit "$rc"
fi
echo "test-api-schema: passed"
