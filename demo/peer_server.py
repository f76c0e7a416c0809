#!/usr/bin/env python3
"""peer_server.py PORT_FILE [LIFETIME_SECONDS]

A tiny TCP server for the srcbind demo. It listens on 127.0.0.1 on a port the
kernel chooses, writes that port to PORT_FILE once it is listening, and answers
every connection (HTTP/1.0, so curl is happy) with the peer's address:

    127.0.0.2

It also prints one line per connection on stdout ("peer 127.0.0.2:40312"). It
exits by itself after LIFETIME_SECONDS (default 120), so a demo that dies
without cleaning up leaves nothing running for long.
"""
import os
import select
import socket
import sys
import time


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    port_file = sys.argv[1]
    lifetime = float(sys.argv[2]) if len(sys.argv) == 3 else 120.0
    deadline = time.monotonic() + lifetime

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    # Write then rename: the reader never sees half a port number.
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(port_file + ".tmp", port_file)

    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return 0
        ready, _, _ = select.select([server], [], [], min(left, 1.0))
        if not ready:
            continue
        conn, (peer_host, peer_port) = server.accept()
        print(f"peer {peer_host}:{peer_port}", flush=True)
        with conn:
            conn.settimeout(5.0)
            try:
                request = b""
                while b"\r\n\r\n" not in request and len(request) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                body = f"{peer_host}\n".encode()
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
