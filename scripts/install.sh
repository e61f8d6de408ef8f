#!/usr/bin/env bash
# install.sh — install aicore-node as a systemd service.
#
#   sudo scripts/install.sh [--binary PATH] [--no-start] [--prefix /usr/local]
#
# Installs the binary (building a release one when --binary is not given), the unit
# config/aicore-node.service, the default config /etc/aicore/aicore.yml (kept if present), the
# `aicore` group (members may use the API socket), and enables and starts the service.
# Idempotent: run it again to upgrade; the restart leaves workloads running.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
start=1
prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --no-start) start=0; shift ;;
    --prefix) prefix=${2:?--prefix needs a path}; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo scripts/install.sh)" >&2; exit 1; }
command -v systemctl >/dev/null || { echo "install.sh: systemctl not found: this installs a systemd service" >&2; exit 1; }

if [ -z "$binary" ]; then
  scripts/bootstrap.sh
  swift build -c release --product aicore-node
  swift build -c release --product aicore-init
  swift build -c release --product aicore-sample-api
  binary=$(swift build -c release --show-bin-path)/aicore-node
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }

install -d -m 0755 "$prefix/bin"
install -m 0755 "$binary" "$prefix/bin/aicore-node.new"
mv -f "$prefix/bin/aicore-node.new" "$prefix/bin/aicore-node"
# Every instance's PID 1 (docs/runtime.md): found at ../libexec/aicore-node/ from the binary.
init_program=$(dirname "$binary")/aicore-init
[ -x "$init_program" ] || { echo "install.sh: $init_program is missing (swift build --product aicore-init)" >&2; exit 1; }
install -d -m 0755 "$prefix/libexec/aicore-node"
install -m 0755 "$init_program" "$prefix/libexec/aicore-node/aicore-init.new"
mv -f "$prefix/libexec/aicore-node/aicore-init.new" "$prefix/libexec/aicore-node/aicore-init"
sample=$(dirname "$binary")/aicore-sample-api
if [ -x "$sample" ]; then install -m 0755 "$sample" "$prefix/bin/aicore-sample-api"; fi

getent group aicore >/dev/null || groupadd --system aicore
install -d -m 0755 /etc/aicore
[ -e /etc/aicore/aicore.yml ] || install -m 0644 config/aicore.yml /etc/aicore/aicore.yml
install -d -m 0711 /var/lib/aicore /var/log/aicore

sed "s|/usr/local/bin/aicore-node|$prefix/bin/aicore-node|" config/aicore-node.service > /etc/systemd/system/aicore-node.service
install -d -m 0755 /usr/local/share/doc/aicore-node
install -m 0644 docs/operations.md /usr/local/share/doc/aicore-node/operations.md 2>/dev/null || true
systemctl daemon-reload
systemctl enable aicore-node.service >/dev/null
if [ $start = 1 ]; then
  if systemctl is-active --quiet aicore-node.service; then
    systemctl restart aicore-node.service
  else
    systemctl start aicore-node.service
  fi
  echo "install.sh: aicore-node is $(systemctl is-active aicore-node.service); try: aicore-node ps"
fi
