// Questions asked of the kernel about a socket, each one syscall, each used only
// when the fd table (fd_table.hpp) does not already know the answer. Each keeps
// errno: a failed query is an answer, never the program's error.
#pragma once

#include "srcbind/address.hpp"

namespace srcbind::preload {

struct LocalAddress {
  // A port that the kernel chose on an earlier send, when the fd table says so
  // without asking which: only "zero or not" matters to the decisions.
  static constexpr unsigned kSomePort = 0x10000;

  int family = 0;          // AF_INET, AF_INET6, or another family (left alone)
  bool wildcard = false;   // 0.0.0.0, ::, or ::ffff:0.0.0.0
  unsigned port = 0;
};

// `addr` is 0.0.0.0:0 or [::]:0: a bind that chooses neither address nor port.
bool is_wildcard_any_port(const sockaddr* addr, socklen_t len) noexcept;

// getsockname. False when the descriptor is not a socket or is closed.
bool local_address(int fd, LocalAddress& out) noexcept;
// What srcbind steers, by the socket's protocol and not its type (SPEC): an
// ICMP "ping" datagram socket is not UDP, an SCTP stream socket is not TCP.
enum class SocketKind { other, stream, datagram };
// The kind of a socket that socket() asked for with `type` and `protocol`.
SocketKind socket_kind(int type, int protocol) noexcept;
// getsockopt(SO_TYPE, SO_PROTOCOL), for a socket the fd table does not know.
SocketKind socket_kind(int fd) noexcept;
// getsockopt(SO_BINDTODEVICE) is non-empty: the program pinned the socket itself.
bool device_pinned(int fd) noexcept;
// getsockopt(IPV6_V6ONLY) on an AF_INET6 socket.
bool v6_only(int fd) noexcept;

}  // namespace srcbind::preload
