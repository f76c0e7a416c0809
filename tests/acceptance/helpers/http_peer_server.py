#!/usr/bin/python3
"""A small HTTP server that logs the peer address of every request.

usage: http_peer_server.py LOGFILE ADDR:PORT [ADDR:PORT...]   ([v6addr]:port for IPv6)

GET /anything answers "you are <peer-ip>" and appends "<peer-ip> <peer-port> <path>"
to LOGFILE, one line per request, written whole. Every connection is closed after one
request (HTTP/1.0), so each request is one TCP connection.
"""
import http.server
import socket
import socketserver
import sys
import threading

log_lock = threading.Lock()


def normalise(ip):
    return ip[7:] if ip.startswith("::ffff:") else ip


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        peer_ip, peer_port = normalise(self.client_address[0]), self.client_address[1]
        with log_lock:
            with open(self.server.peer_log, "a") as f:
                f.write(f"{peer_ip} {peer_port} {self.path}\n")
        body = f"you are {peer_ip}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128   # 8 concurrent clients must not overflow the backlog
    daemon_threads = True

    def __init__(self, addr, family, peer_log):
        self.address_family = family
        self.peer_log = peer_log
        super().__init__(addr, Handler)

    def server_bind(self):
        # HTTPServer.server_bind would look up the host name (getfqdn), which waits
        # for a DNS server the namespace cannot reach.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def parse(spec):
    if spec.startswith("["):
        host, port = spec[1:].split("]:")
        return (host, int(port)), socket.AF_INET6
    host, port = spec.rsplit(":", 1)
    return (host, int(port)), socket.AF_INET


def main():
    peer_log = sys.argv[1]
    servers = [Server(*parse(spec), peer_log) for spec in sys.argv[2:]]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    print("listening", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
