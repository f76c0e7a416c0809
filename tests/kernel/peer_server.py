#!/usr/bin/env python3
"""Answers every TCP connection and UDP datagram with the address it came from.

    peer_server.py PORT ADDR...   listens on each ADDR (TCP and UDP) at PORT
Prints "ready" once listening; exits after 120 s at the latest."""
import selectors, socket, sys, time

port = int(sys.argv[1])
selector = selectors.DefaultSelector()
for address in sys.argv[2:]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(128)
    selector.register(listener, selectors.EVENT_READ, "tcp")
    datagrams = socket.socket(family, socket.SOCK_DGRAM)
    datagrams.bind((address, port))
    selector.register(datagrams, selectors.EVENT_READ, "udp")
print("ready", flush=True)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    for key, _ in selector.select(timeout=1):
        if key.data == "tcp":
            connection, peer = key.fileobj.accept()
            connection.sendall((peer[0] + "\n").encode())
            connection.close()
        else:
            _, peer = key.fileobj.recvfrom(512)
            key.fileobj.sendto((peer[0] + "\n").encode(), peer)
