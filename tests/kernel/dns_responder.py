#!/usr/bin/env python3
"""A minimal DNS responder for the kernel backend's tests: answers every A query
with 198.51.100.53 (AAAA and others: no records), over UDP and TCP, and appends
"udp PEER" / "tcp PEER" to LOG for each query.

    dns_responder.py ADDR LOG      listens on ADDR port 53; exits after 120 s"""
import selectors, socket, struct, sys, time

address, log = sys.argv[1], sys.argv[2]

def answer(query):
    ident, flags, qdcount = struct.unpack("!HHH", query[:6])
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    qtype = struct.unpack("!H", query[end + 1:end + 3])[0]
    records = b""
    count = 0
    if qtype == 1:
        records = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("198.51.100.53")
        count = 1
    header = struct.pack("!HHHHHH", ident, 0x8180 | (flags & 0x0100), 1, count, 0, 0)
    return header + question + records

def note(kind, peer):
    with open(log, "a") as out:
        out.write(f"{kind} {peer[0]}\n")

selector = selectors.DefaultSelector()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((address, 53))
selector.register(udp, selectors.EVENT_READ, "udp")
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((address, 53))
tcp.listen(16)
selector.register(tcp, selectors.EVENT_READ, "tcp")
print("ready", flush=True)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    for key, _ in selector.select(timeout=1):
        if key.data == "udp":
            query, peer = udp.recvfrom(512)
            note("udp", peer)
            udp.sendto(answer(query), peer)
        else:
            connection, peer = tcp.accept()
            connection.settimeout(3)
            try:
                while True:
                    size = connection.recv(2)
                    if len(size) < 2:
                        break
                    length = struct.unpack("!H", size)[0]
                    query = b""
                    while len(query) < length:
                        chunk = connection.recv(length - len(query))
                        if not chunk:
                            break
                        query += chunk
                    note("tcp", peer)
                    reply = answer(query)
                    connection.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                pass
            connection.close()
