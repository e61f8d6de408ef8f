# Sourced by the benchmarks: the nginx a benchmarked instance runs, answering "ok" to every GET.
# write_backend_conf FILE LISTEN writes its config with `listen LISTEN;` (a placeholder the
# instance fills in, such as 127.0.0.1:@PORT@); every path nginx writes is in the instance's
# private /tmp, and the file is readable by www-data (the instance's user).
write_backend_conf() {
  cat >"$1" <<CONF
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path /tmp/body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {
        listen $2;
        default_type text/plain;
        location / { return 200 "ok\n"; }
    }
}
CONF
  chmod 644 "$1"
}
