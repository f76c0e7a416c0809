// Real servers for the tests (Boost.Asio, one thread each) that record what they
// saw: the source address of every TCP connection or datagram, and what it sent.
//
// TCP: on accept the peer records the source, writes "you are ADDR\n", closes
// its sending side (so that TIME_WAIT stays on the server: thousands of
// connections do not use up the client's ports), reads until the client closes.
// UDP: records each datagram's source and payload and answers "ok" to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace srcbind::test {

struct Seen {
  std::string source;      // "127.0.0.2", "2001:db8::2" (IPv4-mapped shown as IPv4)
  std::string data;        // what the client sent
  int ttl = -1;            // UDP: the datagram's IPv4 TTL or IPv6 hop limit
};

class Peer {
 public:
  enum class Kind { tcp, udp };
  // `address`: where to listen ("127.0.0.1", "::1", "::" ...); port 0 picks one.
  Peer(Kind kind, const std::string& address = "127.0.0.1", std::uint16_t port = 0);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  std::uint16_t port() const;
  std::string port_text() const { return std::to_string(port()); }
  // Everything seen so far, in order.
  std::vector<Seen> seen() const;
  std::vector<std::string> sources() const;
  // Waits (bounded) until at least `count` connections/datagrams were seen.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace srcbind::test
