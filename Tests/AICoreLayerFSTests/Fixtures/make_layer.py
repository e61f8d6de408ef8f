#!/usr/bin/env python3
"""Writes a layer tar from a JSON description, for AICoreLayerFSTests.

usage: make_layer.py SPEC.json OUT

SPEC: {"format": "pax" | "gnu" | "ustar" (default pax),
       "compression": "none" | "gzip" (default none),
       "entries": [ENTRY, ...]}
ENTRY: {"name": "a/b" (or "nameHex": "61ff" for bytes that are not UTF-8),
        "type": "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo" (default file),
        "data": "text" (file), "target": "..." (symlink, hardlink),
        "mode": 420, "uid": 0, "gid": 0, "mtime": 1700000000 (may be fractional),
        "major": 0, "minor": 0, "xattrs": {"user.k": "v"}}

Names are written exactly as given ("/etc/passwd", "../x" included): the point is to build the
layers an attacker would. Python's tarfile never rewrites names on writing.
"""
import gzip
import io
import json
import sys
import tarfile

TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}
FORMATS = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}


def name_of(entry, key):
    if key + "Hex" in entry:
        return bytes.fromhex(entry[key + "Hex"]).decode("utf-8", "surrogateescape")
    return entry.get(key, "")


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=FORMATS[spec.get("format", "pax")],
                      encoding="utf-8", errors="surrogateescape") as tar:
        for entry in spec["entries"]:
            info = tarfile.TarInfo(name_of(entry, "name"))
            kind = entry.get("type", "file")
            info.type = TYPES[kind]
            info.mode = entry.get("mode", 0o755 if kind == "dir" else 0o644)
            info.uid = entry.get("uid", 0)
            info.gid = entry.get("gid", 0)
            info.mtime = entry.get("mtime", 1700000000)
            info.linkname = name_of(entry, "target")
            info.devmajor = entry.get("major", 0)
            info.devminor = entry.get("minor", 0)
            for key, value in entry.get("xattrs", {}).items():
                info.pax_headers["SCHILY.xattr." + key] = value
            data = entry.get("data", "").encode()
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    raw = buffer.getvalue()
    if spec.get("compression", "none") == "gzip":
        raw = gzip.compress(raw, mtime=0)
    with open(out_path, "wb") as f:
        f.write(raw)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
