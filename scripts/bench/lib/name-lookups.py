# Name lookups from inside an instance (run there by scripts/bench/network.sh with
# `nsenter --net --mount`, so glibc reads the instance's /etc/hosts and /etc/resolv.conf).
#
# Usage: python3 - COUNT SERVICE [OTHER_NAME...] < name-lookups.py
# Prints one JSON object: per way of looking up, the name asked and the per-lookup times in
# microseconds (median, p99), or why that way was skipped.
#  - hosts: getaddrinfo of a name /etc/hosts answers (SERVICE if it is there, else localhost),
#    glibc's `files` source.
#  - resolver: getaddrinfo of a name /etc/hosts does not hold (SERVICE or one of OTHER_NAME),
#    so glibc asks the nameserver of resolv.conf (the agent's 127.0.0.11).
#  - udp: a hand-made A query for SERVICE sent straight to 127.0.0.11:53 and its answer read
#    (the resolver's round trip without glibc).
# AF_INET only: glibc asks A alone, as for the /etc/hosts lookup.
import json
import socket
import statistics
import struct
import sys
import time

count = int(sys.argv[1])
service = sys.argv[2]
others = sys.argv[3:]


def hosts_names():
    names = set()
    with open("/etc/hosts") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            names.update(n.lower() for n in fields[1:])
    return names


def timed(fn):
    fn()  # one untimed, so a failing name fails before the loop
    times = []
    for _ in range(count):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / 1000)
    times.sort()
    return {"median_us": statistics.median(times), "p99_us": times[int(len(times) * 0.99) - 1], "count": count}


def lookup(name):
    return lambda: socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)


def nameservers():
    try:
        with open("/etc/resolv.conf") as f:
            return [l.split()[1] for l in f if l.startswith("nameserver") and len(l.split()) > 1]
    except OSError:
        return []


result = {"resolv_conf_nameservers": nameservers()}
in_hosts = hosts_names()
hosts_name = service if service.lower() in in_hosts else "localhost"
result["hosts"] = {"name": hosts_name, **timed(lookup(hosts_name))}

dns_name = next((n for n in [service] + others if n.lower() not in in_hosts), None)
if dns_name is None:
    result["resolver"] = {"skipped": "every candidate name is in /etc/hosts: " + ", ".join([service] + others)}
elif "127.0.0.11" not in result["resolv_conf_nameservers"]:
    result["resolver"] = {"skipped": "resolv.conf does not name 127.0.0.11"}
else:
    try:
        result["resolver"] = {"name": dns_name, **timed(lookup(dns_name))}
    except OSError as e:
        result["resolver"] = {"skipped": f"getaddrinfo({dns_name}) failed: {e}"}

# A query: ID, RD, one question, QTYPE A, QCLASS IN.
question = b"".join(bytes([len(p)]) + p.encode() for p in service.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
try:
    s.connect(("127.0.0.11", 53))
    query_id = [0]

    def udp_query():
        query_id[0] = (query_id[0] + 1) & 0xFFFF
        s.send(struct.pack(">HHHHHH", query_id[0], 0x0100, 1, 0, 0, 0) + question)
        answer = s.recv(4096)
        ancount = struct.unpack(">H", answer[6:8])[0]
        if answer[:2] != struct.pack(">H", query_id[0]) or answer[3] & 0x0F != 0 or ancount == 0:
            raise OSError(f"no A record for {service} (rcode {answer[3] & 0x0F}, {ancount} answers)")

    result["udp"] = {"name": service, **timed(udp_query)}
except OSError as e:
    result["udp"] = {"skipped": f"127.0.0.11:53: {e}"}
print(json.dumps(result))
