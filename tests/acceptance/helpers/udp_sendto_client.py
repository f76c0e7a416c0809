#!/usr/bin/python3
"""One UNCONNECTED UDP socket sends one datagram to each destination with sendto(),
then waits (at most 5 s) for every answer on the same socket.

usage: udp_sendto_client.py ADDR:PORT [ADDR:PORT...]
Prints "local <getsockname address>" after the sends (it must stay the wildcard: the
socket was never bound to a source) and "reply <from-ip> <text>" per answer; exits 1
when an answer is missing.
"""
import select
import socket
import sys
import time


def main():
    dests = []
    for spec in sys.argv[1:]:
        host, port = spec.rsplit(":", 1)
        dests.append((host, int(port)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, dest in enumerate(dests):
        sock.sendto(f"datagram {i} to {dest[0]}".encode(), dest)
    print(f"local {sock.getsockname()[0]}", flush=True)
    pending = {d[0] for d in dests}
    deadline = time.monotonic() + 5
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        data, peer = sock.recvfrom(2048)
        print(f"reply {peer[0]} {data.decode().strip()}", flush=True)
        pending.discard(peer[0])
    if pending:
        print(f"no reply from {' '.join(sorted(pending))}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
