#!/usr/bin/env bash
# The demo: brings the AI-CORE reference stack up for real — PostgreSQL 15, Redis, three replicas
# of the sample API and nginx, each isolated, limited, health-checked and restarted by policy.
#
#   sudo scripts/demo.sh            foreground: progress, then events; Ctrl-C stops the stack
#
# With no agent running, `aicore-node up` runs one in this process (state in ./.aicore). In another
# terminal, while it runs:
#   curl http://127.0.0.1:8080/work                  nginx → API replicas → PostgreSQL + Redis
#   sudo .build/debug/aicore-node ps                 (finds ./.aicore/aicore.sock here)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (sudo scripts/demo.sh): instances need namespaces and cgroups" >&2; exit 1; }
scripts/bootstrap.sh
# SwiftPM waits silently (with -q) while another build holds .build: say so rather than stall.
holder=$(cat .build/.lock 2>/dev/null || true)
if [[ -n "$holder" && "$(cat "/proc/$holder/comm" 2>/dev/null)" == swift-build ]]; then
  echo "demo: another swift build (pid $holder) is using .build; waiting until it finishes" >&2
fi
swift build -q --product aicore-node
swift build -q --product aicore-init
swift build -q --product aicore-sample-api
bin_dir=$(swift build --show-bin-path)
export AICORE_SAMPLE_API="$bin_dir/aicore-sample-api"
case "$AICORE_SAMPLE_API" in
  /tmp/*|/home/*|/root/*)
    # Instances get a private /tmp, and /home and /root are hidden from them (docs/runtime.md):
    # a checkout there is out of their sight.
    mkdir -p /var/tmp/aicore-demo && install -m 0755 "$AICORE_SAMPLE_API" /var/tmp/aicore-demo/aicore-sample-api
    export AICORE_SAMPLE_API=/var/tmp/aicore-demo/aicore-sample-api ;;
esac
"$bin_dir/aicore-node" config validate -f config/stacks/ai-core.yml
echo "demo: once every service is up: curl http://127.0.0.1:${NGINX_PORT:-8080}/work   (Ctrl-C stops the stack)"
exec "$bin_dir/aicore-node" up -f config/stacks/ai-core.yml
