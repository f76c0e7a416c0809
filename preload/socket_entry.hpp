// The fd-table entry (fd_table.hpp) of a socket that socket(domain, type,
// protocol) makes: which sockets srcbind steers, by their kind (socket_probe.hpp).
#pragma once

#include "fd_table.hpp"
#include "socket_probe.hpp"

#include <sys/socket.h>

#include <cstdint>

namespace srcbind::preload {

// Any socket; 0 for one srcbind does not steer. Out of line (socket_probe.cpp):
// socket()'s hook tells the usual socket itself (below).
std::uint8_t entry_of_any_new_socket(int domain, int type, int protocol) noexcept;

// The same, with the usual socket (TCP over IPv4, as socket_kind() has it)
// told in a few instructions: every socket() runs this before its call.
inline std::uint8_t entry_of_new_socket(int domain, int type, int protocol) noexcept {
  if (domain == AF_INET && (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM && protocol == 0) [[likely]] {
    return fd_table::kFreshIpv4Stream;
  }
  return entry_of_any_new_socket(domain, type, protocol);
}

}  // namespace srcbind::preload
