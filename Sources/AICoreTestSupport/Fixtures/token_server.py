#!/usr/bin/python3
"""A token server for docker-registry's `auth: token` (Docker's token authentication), for tests.

It makes a self-signed RSA certificate (written to --cert, the registry's rootcertbundle) and
signs RS256 JWTs whose header carries that certificate as `x5c`, which distribution 2.8 verifies
against the bundle. Claims: iss, sub, aud (the service), exp/nbf/iat, jti, and `access`, the
actions granted for each requested scope.

Who gets what:
  - Basic credentials from --user NAME:PASSWORD: every requested action, on every repository.
  - wrong credentials: 401.
  - no credentials: `pull` on repositories under --public prefixes only, nothing elsewhere.
  - no scope at all (what `docker login` asks for): a token granting nothing, to the same rules
    of who may have one.
  - POST grant_type=refresh_token with --refresh-token TOKEN:NAME: as that user (Docker's
    identity tokens); grant_type=password with a form user and password.

Every request is appended as one JSON line to --log (method, path, query, whether it carried
Authorization) so that tests can see what the client asked for.
"""

import argparse
import base64
import datetime
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_certificate(cert_path: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aicore test token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    temporary = cert_path + ".tmp"
    with open(temporary, "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    os.rename(temporary, cert_path)
    return key, cert


class Issuer:
    def __init__(self, args):
        self.key, self.cert = make_certificate(args.cert)
        self.x5c = base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
        self.issuer = args.issuer
        self.service = args.service
        self.users = dict(u.split(":", 1) for u in args.user)
        self.refresh_tokens = dict(t.split(":", 1) for t in args.refresh_token)
        self.public = args.public
        self.expires_in = args.expires_in
        self.log_path = args.log
        self.log_lock = threading.Lock()

    def log(self, entry):
        if not self.log_path:
            return
        with self.log_lock, open(self.log_path, "a") as out:
            out.write(json.dumps(entry) + "\n")

    def grant(self, user, scopes):
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            if user is None:
                allowed = [a for a in actions if a == "pull"] if any(name.startswith(p) for p in self.public) else []
            else:
                allowed = actions
            if allowed:
                access.append({"type": kind, "name": name, "actions": allowed})
        return access

    def token(self, user, scopes):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": self.service,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": self.grant(user, scopes),
        }
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = self.key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)


def handler_for(issuer: Issuer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="token"')
            self.end_headers()
            self.wfile.write(data)

        def basic_user(self):
            header = self.headers.get("Authorization")
            if not header:
                return None, False
            if not header.startswith("Basic "):
                return None, True
            try:
                name, password = base64.b64decode(header[6:]).decode().split(":", 1)
            except Exception:
                return None, True
            if issuer.users.get(name) == password:
                return name, False
            return None, True

        def issue(self, user, scopes):
            token = issuer.token(user, scopes)
            self.answer(200, {
                "token": token,
                "access_token": token,
                "expires_in": issuer.expires_in,
                "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            })

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            issuer.log({"method": "GET", "path": url.path, "query": query, "authorization": "Authorization" in self.headers})
            if url.path == "/health":
                return self.answer(200, {})
            user, refused = self.basic_user()
            if refused:
                return self.answer(401, {"details": "wrong credentials"})
            self.issue(user, query.get("scope", []))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            url = urllib.parse.urlparse(self.path)
            issuer.log({"method": "POST", "path": url.path, "form": {k: v for k, v in form.items() if k not in ("refresh_token", "password")},
                        "authorization": "Authorization" in self.headers})
            grant = (form.get("grant_type") or [""])[0]
            scopes = form.get("scope", [])
            scopes = [s for value in scopes for s in value.split(" ") if s]
            if grant == "refresh_token":
                user = issuer.refresh_tokens.get((form.get("refresh_token") or [""])[0])
                if user is None:
                    return self.answer(401, {"details": "unknown refresh token"})
                return self.issue(user, scopes)
            if grant == "password":
                name = (form.get("username") or [""])[0]
                if issuer.users.get(name) != (form.get("password") or [""])[0]:
                    return self.answer(401, {"details": "wrong credentials"})
                return self.issue(name, scopes)
            self.answer(400, {"details": "unsupported grant_type"})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--issuer", default="aicore-test-issuer")
    parser.add_argument("--service", default="aicore-test-registry")
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--refresh-token", action="append", default=[])
    parser.add_argument("--public", action="append", default=[])
    parser.add_argument("--expires-in", type=int, default=300)
    parser.add_argument("--log")
    args = parser.parse_args()
    issuer = Issuer(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(issuer))
    server.daemon_threads = True
    sys.stdout.write("listening\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
