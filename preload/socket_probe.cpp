#include "socket_probe.hpp"

#include "errno_guard.hpp"
#include "hot_path.hpp"
#include "socket_entry.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace srcbind::preload {

bool is_wildcard_any_port(const sockaddr* addr, socklen_t len) noexcept {
  Endpoint e;
  return Endpoint::from_sockaddr(addr, len, e) && !e.mapped && e.port == 0 && e.address.is_wildcard();
}

bool local_address(int fd, LocalAddress& out) noexcept {
  ErrnoGuard keep_errno;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  out = {};
  out.family = ss.ss_family;
  if (ss.ss_family == AF_INET) {
    const auto& sin = reinterpret_cast<const sockaddr_in&>(ss);
    out.wildcard = sin.sin_addr.s_addr == htonl(INADDR_ANY);
    out.port = ntohs(sin.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(ss);
    static constexpr in6_addr kMappedAny = {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}}};
    out.wildcard = IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr) ||
                   std::memcmp(&sin6.sin6_addr, &kMappedAny, sizeof kMappedAny) == 0;
    out.port = ntohs(sin6.sin6_port);
  }
  return true;
}

SocketKind socket_kind(int type, int protocol) noexcept {
#ifndef IPPROTO_MPTCP
  constexpr int IPPROTO_MPTCP = 262;
#endif
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  // Multipath TCP is TCP on the wire, and binds as TCP does.
  if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP)) {
    return SocketKind::stream;
  }
  if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) return SocketKind::datagram;
  return SocketKind::other;
}

SRCBIND_FULL std::uint8_t entry_of_any_new_socket(int domain, int type, int protocol) noexcept {
  if (domain != AF_INET && domain != AF_INET6) return 0;
  const SocketKind kind = socket_kind(type, protocol);
  if (kind == SocketKind::other) return 0;
  return fd_table::entry_of_new_socket(domain == AF_INET6, kind == SocketKind::datagram);
}

SocketKind socket_kind(int fd) noexcept {
  ErrnoGuard keep_errno;
  int type = -1, protocol = -1;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return SocketKind::other;
  len = sizeof protocol;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) return SocketKind::other;
  return socket_kind(type, protocol);
}

bool device_pinned(int fd) noexcept {
  ErrnoGuard keep_errno;
  char name[IFNAMSIZ] = {};
  socklen_t len = sizeof name;
  if (::getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len) != 0) return false;
  return len > 0 && name[0] != '\0';
}

bool v6_only(int fd) noexcept {
  ErrnoGuard keep_errno;
  int on = 0;
  socklen_t len = sizeof on;
  return ::getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len) == 0 && on != 0;
}

}  // namespace srcbind::preload
