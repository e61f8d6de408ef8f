#!/bin/bash
# Makes the test images as OCI layouts in $1, from small files made here (no network):
#   layout:amd64  linux/amd64, two gzip layers (256 KiB of random bytes, and a text file)
#   layout:arm64  linux/arm64, one gzip layer
#   layout:multi  an OCI index of those two, written by hand (skopeo copy --all pushes it)
#   zstd:amd64    layout:amd64 with its layers recompressed with zstd
# The tests push them with skopeo in the format each test needs.
set -euo pipefail
work=$1
cd "$work"

umoci init --layout layout
mkdir -p files
head -c 262144 /dev/urandom > files/random.bin
echo "hello from amd64" > files/hello-amd64
echo "hello from arm64" > files/hello-arm64

umoci new --image layout:amd64
umoci insert --image layout:amd64 files/random.bin /random.bin
umoci insert --image layout:amd64 files/hello-amd64 /etc/hello
umoci config --image layout:amd64 --os linux --architecture amd64

umoci new --image layout:arm64
umoci insert --image layout:arm64 files/hello-arm64 /etc/hello
umoci config --image layout:arm64 --os linux --architecture arm64

# The index: both manifests, each with its platform, as `docker buildx` would push them.
/usr/bin/python3 - <<'EOF'
import hashlib, json, os
with open("layout/index.json") as f:
    top = json.load(f)
by_tag = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in top["manifests"]}
manifests = []
for tag, arch in (("amd64", "amd64"), ("arm64", "arm64")):
    m = by_tag[tag]
    manifests.append({"mediaType": m["mediaType"], "digest": m["digest"], "size": m["size"],
                      "platform": {"architecture": arch, "os": "linux"}})
index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": manifests}).encode()
digest = hashlib.sha256(index).hexdigest()
with open(os.path.join("layout/blobs/sha256", digest), "wb") as f:
    f.write(index)
top["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest,
                         "size": len(index), "annotations": {"org.opencontainers.image.ref.name": "multi"}})
with open("layout/index.json", "w") as f:
    json.dump(top, f)
EOF

skopeo copy --quiet --dest-compress --dest-compress-format zstd oci:layout:amd64 oci:zstd:amd64
