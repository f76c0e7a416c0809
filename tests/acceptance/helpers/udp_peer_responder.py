#!/usr/bin/python3
"""A UDP responder that logs the peer of every datagram and answers "you are <peer>".

usage: udp_peer_responder.py LOGFILE ADDR:PORT
Appends "<peer-ip> <peer-port> <payload>" to LOGFILE per datagram.
"""
import socket
import sys


def main():
    peer_log, spec = sys.argv[1], sys.argv[2]
    host, port = spec.rsplit(":", 1)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host.strip("[]"), int(port)))
    print("listening", flush=True)
    while True:
        data, peer = sock.recvfrom(2048)
        payload = data.decode(errors="replace").strip()
        with open(peer_log, "a") as f:
            f.write(f"{peer[0]} {peer[1]} {payload}\n")
        sock.sendto(f"you are {peer[0]}\n".encode(), peer)


if __name__ == "__main__":
    main()
