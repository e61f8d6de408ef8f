#!/usr/bin/env bash
# Images: pull and unpack against skopeo and umoci, in the same run, from a local registry.
#
#  1. Pull: a ~100 MB image of several layers (this host's /usr/lib/python3.11, /usr/share/doc,
#     /usr/share/i18n, /usr/share/perl and busybox, each a layer, gzip) from Debian's
#     docker-registry on 127.0.0.1. Ours: `aicore-node image pull` through an agent whose image
#     store is emptied before each round (download, verify, unpack every layer). Peer: `skopeo
#     copy docker://… oci:DIR` to a fresh directory, then `umoci unpack` of it (the same work:
#     download, verify, unpack). Also each half on its own: skopeo's copy alone, and ours with
#     the blobs already stored (only the layers unpacked again) against `umoci unpack` alone.
#  2. Disk for N replicas: the layer store's size against N copies of the unpacked image.
#  3. Instance start on an image: `aicore-node run --image` (the image's layers stacked with
#     overlayfs under a fresh writable layer, mounted and removed each run) against `aicore-node
#     run --rootfs` of the same image unpacked by umoci (a plain directory): the difference is
#     what the overlay adds to a start. hyperfine, START_RUNS runs each (default 200).
#
# Medians of ROUNDS interleaved rounds (ours first in odd rounds); ratios ours/peer.
#
# Usage: sudo scripts/bench/images.sh [rounds=5] [replicas=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-5}"
REPLICAS="${2:-10}"
[ "$(id -u)" = 0 ] || { echo "images.sh: needs root" >&2; exit 1; }
for p in docker-registry:docker-registry skopeo:skopeo umoci:umoci hyperfine:hyperfine; do
  command -v "${p%%:*}" >/dev/null || apt-get install -y -qq "${p#*:}" >/dev/null
done

swift build -c release --static-swift-stdlib --product aicore-node >/dev/null
swift build -c release --static-swift-stdlib --product aicore-init >/dev/null
BIN="$PWD/.build/release/aicore-node"
BENCH=images.sh
WORK="$(mktemp -d /var/tmp/aicore-bench-images.XXXXXX)"
export AICORE_HOST="$WORK/aicore.sock"
AGENT=""
REGISTRY=""
# shellcheck source=lib/agent.sh
source scripts/bench/lib/agent.sh
cleanup() {
  [ -n "$REGISTRY" ] && kill -KILL "$REGISTRY" 2>/dev/null && wait "$REGISTRY" 2>/dev/null || true
  teardown_agent
}
trap cleanup EXIT

port=$(free_port)
cat >"$WORK/registry.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: 127.0.0.1:$port
log:
  level: error
EOF
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REGISTRY=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
HOST="127.0.0.1:$port"

echo "images.sh: making the image from this host's files" >&2
umoci init --layout "$WORK/layout" >/dev/null
umoci new --image "$WORK/layout:bench" >/dev/null
for dir in /usr/lib/python3.11 /usr/share/doc /usr/share/i18n /usr/share/perl; do
  [ -d "$dir" ] && umoci insert --image "$WORK/layout:bench" "$dir" "$dir" >/dev/null
done
umoci insert --image "$WORK/layout:bench" /bin/busybox /bin/busybox >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$WORK/layout:bench" "docker://$HOST/bench/image:1"
BYTES=$(du -sb "$WORK/registry" | cut -f1)
LAYERS=$(skopeo inspect --tls-verify=false --raw "docker://$HOST/bench/image:1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))')

start_agent
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
declare -a OURS PEER SKOPEO UNPACK_OURS UNPACK_UMOCI

ours_round() {
  "$BIN" image rm "$HOST/bench/image:1" >/dev/null 2>&1 || true
  "$BIN" image prune -a -f >/dev/null
  sync; echo 3 >/proc/sys/vm/drop_caches
  local t0; t0=$(now)
  "$BIN" image pull -q "$HOST/bench/image:1" >/dev/null
  OURS+=("$(elapsed "$t0" "$(now)")")
  # The layers again, from the blobs already stored: the unpack alone.
  rm -rf --one-file-system "$WORK/agent/state/images/layers/"*
  sync; echo 3 >/proc/sys/vm/drop_caches
  t0=$(now)
  "$BIN" image pull -q "$HOST/bench/image:1" >/dev/null
  UNPACK_OURS+=("$(elapsed "$t0" "$(now)")")
}

peer_round() {
  rm -rf "$WORK/peer"; mkdir -p "$WORK/peer"
  sync; echo 3 >/proc/sys/vm/drop_caches
  local t0 t1; t0=$(now)
  skopeo copy -q --src-tls-verify=false "docker://$HOST/bench/image:1" "oci:$WORK/peer/layout:1"
  t1=$(now)
  umoci unpack --image "$WORK/peer/layout:1" "$WORK/peer/bundle" >/dev/null
  local t2; t2=$(now)
  PEER+=("$(elapsed "$t0" "$t2")")
  SKOPEO+=("$(elapsed "$t0" "$t1")")
  rm -rf "$WORK/peer/bundle"
  sync; echo 3 >/proc/sys/vm/drop_caches
  t0=$(now)
  umoci unpack --image "$WORK/peer/layout:1" "$WORK/peer/bundle" >/dev/null
  UNPACK_UMOCI+=("$(elapsed "$t0" "$(now)")")
}

for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 == 1 )); then ours_round; peer_round; else peer_round; ours_round; fi
  echo "images.sh: round $round: ours ${OURS[-1]} s (unpack ${UNPACK_OURS[-1]} s), skopeo+umoci ${PEER[-1]} s (copy ${SKOPEO[-1]} s, unpack ${UNPACK_UMOCI[-1]} s)" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_ours=$(median "${OURS[@]}"); m_peer=$(median "${PEER[@]}"); m_skopeo=$(median "${SKOPEO[@]}")
m_unpack_ours=$(median "${UNPACK_OURS[@]}"); m_unpack_umoci=$(median "${UNPACK_UMOCI[@]}")

# 3. Start: the same one-shot on the image's layers and on the unpacked bundle.
START_RUNS="${START_RUNS:-200}"
ON_IMAGE="$BIN run --state-dir $WORK/run --image $HOST/bench/image:1 --image-store $WORK/agent/state/images -- /bin/busybox true"
ON_DIR="$BIN run --state-dir $WORK/run --rootfs $WORK/peer/bundle/rootfs -- /bin/busybox true"
$ON_IMAGE
$ON_DIR
hyperfine -N --warmup 10 --runs "$START_RUNS" --export-json "$WORK/start.json" -n image "$ON_IMAGE" -n directory "$ON_DIR" >&2
read -r m_start_image m_start_dir < <(python3 - "$WORK/start.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print("%.2f %.2f" % (r["image"], r["directory"]))
PY
)

layers_bytes=$(du -sb "$WORK/agent/state/images/layers" | cut -f1)
image_bytes=$(du -sb "$WORK/peer/bundle/rootfs" | cut -f1)

echo
echo "image: $HOST/bench/image:1, $LAYERS layers, $((BYTES / 1000000)) MB in the registry; medians of $ROUNDS rounds"
printf '%-44s %10s %10s %8s\n' "" "ours (s)" "peer (s)" "ratio"
printf '%-44s %10s %10s %8s\n' "pull: download, verify, unpack" "$m_ours" "$m_peer" "$(python3 -c "print(f'{$m_ours/$m_peer:.2f}')")"
printf '%-44s %10s %10s %8s\n' "  download and verify: ours (pull - unpack) / skopeo copy" \
  "$(python3 -c "print(f'{$m_ours-$m_unpack_ours:.3f}')")" "$m_skopeo" "$(python3 -c "print(f'{($m_ours-$m_unpack_ours)/$m_skopeo:.2f}')")"
printf '%-44s %10s %10s %8s\n' "  unpack: ours (blobs stored) / umoci unpack" "$m_unpack_ours" "$m_unpack_umoci" "$(python3 -c "print(f'{$m_unpack_ours/$m_unpack_umoci:.2f}')")"
echo "disk for $REPLICAS replicas: ours $((layers_bytes / 1000000)) MB (one copy of the layers, shared), a copy each: $((image_bytes * REPLICAS / 1000000)) MB"
printf '%-44s %10s %10s %8s\n' "start: run --image / run --rootfs (ms)" "$m_start_image" "$m_start_dir" "$(python3 -c "print(f'{$m_start_image/$m_start_dir:.2f}')")"
echo "overlay added to a start: $(python3 -c "print(f'{$m_start_image-$m_start_dir:.2f}')") ms (goal < 5 ms)"
