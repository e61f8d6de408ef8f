#!/usr/bin/env bash
# Installs, on Debian 12, every system package that building, testing and the demo need.
# Idempotent: when everything is installed it only checks, in well under a second.
set -euo pipefail

packages=(
  # build: the C shim links libseccomp, libcap and libsystemd (aicore-init: libseccomp.a, libcap.a and libc.a, all in these -dev packages)
  build-essential pkg-config libseccomp-dev libcap-dev libsystemd-dev
  # images: layers are read with libarchive
  libarchive-dev
  # networking: the agent's nftables table is written through libnftables; iptables (iptables-nft)
  # makes the foreign FORWARD-drop table the doctor test expects a warning about
  libnftables-dev iptables
  # the Store: GRDB links the system SQLite
  libsqlite3-dev
  # the reference stack's workloads and health checks
  postgresql redis-server redis-tools nginx curl
  # tests and tools the tests drive; qemu and friends boot the cgroup v2 VM (scripts/vm/vmrun)
  openssl python3 python3-venv procps iproute2 util-linux ca-certificates qemu-system-x86 busybox-static cpio
  # kmod: depmod, so the VM's initrd loads nftables' modules in their order
  kmod
  # the VM's PID 1 for scripts/test-systemd.sh (the VM boots this host's files); passwd: groupadd
  systemd passwd
  # the images tests: a real registry (htpasswd: bcrypt users; python3-cryptography: the test token
  # server signs RS256), and images made from host files with umoci and skopeo
  docker-registry apache2-utils python3-cryptography umoci skopeo zstd
  # Compose's `build:`: the agent runs buildah (chroot isolation, so no runc/crun is needed)
  buildah
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing packages: ${missing[*]}; run as root (sudo $0)" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Installing postgresql or redis-server starts the distro's own servers where an init system
  # runs; aicore-node's stack binds its own VIPs, so both coexist (docs/operations.md).
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  if [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "bootstrap: swift is at /opt/swift/usr/bin; add it to PATH" >&2
  else
    echo "bootstrap: Swift 6 is not installed (https://www.swift.org/install/linux/); it is not a Debian package" >&2
  fi
  exit 1
fi
echo "bootstrap: ok ($(swift --version 2>/dev/null | head -n 1))"
