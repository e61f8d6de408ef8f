#!/usr/bin/env bash
# Builds look-alikes of Docker Hub's official images from this host's Debian packages and pushes
# them to a registry, so a Compose file that names `pgvector/pgvector:pg16`, `postgres:16`,
# `redis:7-alpine`, `nginx:alpine` or `busybox` runs with no Internet: point a docker.io mirror
# (registries.mirrors in /etc/aicore/aicore.yml) at that registry.
#
#   scripts/lookalike-images.sh REGISTRY WORKDIR [NAME=REPOSITORY:TAG ...]
#
# NAME is postgres, redis, nginx or busybox; REPOSITORY:TAG where it is pushed (without the
# registry), e.g. postgres=pgvector/pgvector:pg16. With no NAME, every image under its usual name.
# The registry is reached over plain HTTP (a loopback docker-registry).
#
# Each image holds what its programs need (their `ldd` closure, copied from the host) beside
# busybox, and keeps the official image's contract where a Compose file relies on it:
#   postgres  POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA; initdb on first start, then
#             /docker-entrypoint-initdb.d/*.sql and *.sh; the server runs as `postgres`;
#             pg_isready and psql on PATH. (PostgreSQL 15, Debian's: no pgvector extension.)
#   redis     `redis-server [ARGS]` as root drops to `redis` and serves in /data, protected mode
#             off as in the official image; redis-cli on PATH.
#   nginx     `nginx -g 'daemon off;'`, /etc/nginx/{nginx.conf,mime.types,conf.d/default.conf},
#             user `nginx`, logs to the container's stdout/stderr.
#   busybox   busybox and its applets (sh, wget, ...) in /bin.
set -euo pipefail

if (($# < 2)); then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
registry=$1
work=$2
shift 2
declare -A names=([postgres]=library/postgres:16 [redis]=library/redis:7-alpine [nginx]=library/nginx:alpine [busybox]=library/busybox:latest)
declare -a wanted=()
for pair in "$@"; do
  name=${pair%%=*}
  [[ -n ${names[$name]+x} && $pair == *=* ]] || { echo "lookalike-images: $pair: expected NAME=REPOSITORY:TAG, NAME one of ${!names[*]}" >&2; exit 2; }
  names[$name]=${pair#*=}
  wanted+=("$name")
done
((${#wanted[@]} > 0)) || wanted=(postgres redis nginx busybox)
mkdir -p "$work"

# Copies each file with its directory path into ROOT, and every shared library it loads.
copy_with_libraries() {
  local root=$1
  shift
  local file library
  for file in "$@"; do
    mkdir -p "$root$(dirname "$file")"
    cp -L --preserve=mode "$file" "$root$file"
    while read -r library; do
      [[ -e $root$library ]] && continue
      mkdir -p "$root$(dirname "$library")"
      cp -L --preserve=mode "$library" "$root$library"
    done < <(ldd "$file" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
  done
}

# A root with busybox's applets in /bin, /etc/passwd and /etc/group of root and ACCOUNTS (name:uid).
base_root() {
  local root=$1
  shift
  rm -rf "$root"
  mkdir -p "$root"/{bin,etc,tmp,root,run,var/run}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  local account
  for account in "$@"; do
    printf '%s:x:%s:%s::/var/empty:/bin/sh\n' "${account%%:*}" "${account#*:}" "${account#*:}" >>"$root/etc/passwd"
    printf '%s:x:%s:\n' "${account%%:*}" "${account#*:}" >>"$root/etc/group"
  done
}

# Makes an OCI layout of ROOT and pushes it as REPOSITORY:TAG; the rest are umoci config flags.
push_image() {
  local root=$1 reference=$2
  shift 2
  local layout=$work/layout-${reference//[\/:]/-}
  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$layout:image"
  umoci insert --image "$layout:image" "$root" /
  umoci config --image "$layout:image" --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout:image" "docker://$registry/$reference"
  echo "lookalike-images: pushed $registry/$reference"
}

make_postgres() {
  local root=$work/postgres bin=/usr/lib/postgresql/15/bin
  base_root "$root" postgres:999
  copy_with_libraries "$root" /usr/bin/setpriv $bin/postgres $bin/initdb $bin/pg_ctl $bin/psql $bin/pg_isready
  cp -a /usr/lib/postgresql/15/lib "$root/usr/lib/postgresql/15/"
  # initdb reads its templates from share/, and the server its time zones from tzdata.
  mkdir -p "$root/usr/share/postgresql" "$root/usr/share"
  cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/"
  cp -a /usr/share/zoneinfo "$root/usr/share/"
  mkdir -p "$root/usr/bin"
  for program in postgres initdb pg_ctl psql pg_isready; do ln -s $bin/$program "$root/usr/bin/$program"; done
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql" "$root/docker-entrypoint-initdb.d"
  chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
  chmod 2777 "$root/var/run/postgresql"
  mkdir -p "$root/usr/local/bin"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The official postgres image's contract: POSTGRES_USER/PASSWORD/DB, initdb on an empty PGDATA,
# then /docker-entrypoint-initdb.d, then the server as `postgres`.
set -e
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "Error: Database is uninitialized and superuser password is not specified." >&2
    echo "       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser." >&2
    exit 1
  fi
  user=${POSTGRES_USER:-postgres}
  database=${POSTGRES_DB:-$user}
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  initdb --username="$user" --pwfile="$password_file" -E UTF8 --locale=C -D "$PGDATA" >/dev/null
  rm -f "$password_file"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c password_encryption=scram-sha-256" -w start >/dev/null
  if [ "$database" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -q -c "CREATE DATABASE \"$database\""
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    case $file in
      *.sql) echo "docker-entrypoint.sh: running $file"; psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$database" -q -f "$file" ;;
      *.sh) echo "docker-entrypoint.sh: sourcing $file"; . "$file" ;;
      *) [ -e "$file" ] && echo "docker-entrypoint.sh: ignoring $file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi
if [ "$1" = postgres ]; then
  shift
  exec postgres -c listen_addresses='*' "$@"
fi
exec "$@"
ENTRYPOINT
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  push_image "$root" "${names[postgres]}" --config.entrypoint docker-entrypoint.sh --config.cmd postgres \
    --config.env PGDATA=/var/lib/postgresql/data --config.volume /var/lib/postgresql/data \
    --config.stopsignal SIGINT --config.exposedports 5432/tcp
}

make_redis() {
  local root=$work/redis
  base_root "$root" redis:999
  copy_with_libraries "$root" /usr/bin/setpriv /usr/bin/redis-server /usr/bin/redis-cli
  mkdir -p "$root/data" "$root/usr/local/bin"
  chown 999:999 "$root/data"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The official redis image's contract: `redis-server` as root runs as `redis` in /data, with
# protected mode off (the official build turns it off) unless a config file is given.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec /usr/bin/setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ] && [ "${2%.conf}" = "${2:-}" ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
ENTRYPOINT
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  push_image "$root" "${names[redis]}" --config.entrypoint docker-entrypoint.sh --config.cmd redis-server \
    --config.workingdir /data --config.volume /data --config.exposedports 6379/tcp
}

make_nginx() {
  local root=$work/nginx
  base_root "$root" nginx:101
  copy_with_libraries "$root" /usr/sbin/nginx
  mkdir -p "$root/etc/nginx/conf.d" "$root/var/log/nginx" "$root/var/lib/nginx" "$root/var/cache/nginx" "$root/usr/share/nginx/html"
  cp /etc/nginx/mime.types "$root/etc/nginx/mime.types"
  ln -sf /dev/stdout "$root/var/log/nginx/access.log"
  ln -sf /dev/stderr "$root/var/log/nginx/error.log"
  printf '<!DOCTYPE html>\n<title>Welcome to nginx!</title>\n' >"$root/usr/share/nginx/html/index.html"
  cat >"$root/etc/nginx/nginx.conf" <<'CONF'
user nginx;
worker_processes auto;
error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}
CONF
  cat >"$root/etc/nginx/conf.d/default.conf" <<'CONF'
server {
    listen 80;
    server_name localhost;
    location / { root /usr/share/nginx/html; index index.html; }
}
CONF
  push_image "$root" "${names[nginx]}" --config.cmd nginx --config.cmd -g --config.cmd 'daemon off;' \
    --config.stopsignal SIGQUIT --config.exposedports 80/tcp
}

make_busybox() {
  local root=$work/busybox
  base_root "$root"
  push_image "$root" "${names[busybox]}" --config.cmd sh
}

for name in "${wanted[@]}"; do
  "make_$name"
done
