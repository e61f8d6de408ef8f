#!/usr/bin/env bash
# The demo: validates the AI-CORE reference stack and prints it normalized.
# (It grows into bringing the stack up once the node agent lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
scripts/bootstrap.sh
swift build -q --product aicore-node
bin=$(swift build --show-bin-path)/aicore-node
"$bin" config validate -f config/stacks/ai-core.yml
"$bin" config print -f config/stacks/ai-core.yml
