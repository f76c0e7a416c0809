#include "errno_guard.hpp"
#include "fd_table.hpp"
#include "hooks.hpp"
#include "hot_path.hpp"
#include "real_functions.hpp"
#include "steering.hpp"

#include <cerrno>

namespace srcbind::preload {
namespace {

// 0 to go on with the real connect, else the errno to fail with.
SRCBIND_FULL int steer_connect(int fd, const sockaddr* addr, socklen_t len) noexcept {
  const Runtime* rt = is_internet(addr) ? Runtime::get() : nullptr;
  Target target;
  int error = 0;
  // find_target keeps errno itself: an unmatched destination, the usual case,
  // does not pay for saving it (two calls through the PLT, and their pages).
  if (rt && rt->has_rules() && find_target(*rt, fd, addr, len, target)) {
    ErrnoGuard keep_errno;   // setsockopt, bind
    error = prepare_connect(*rt, fd, target);
  }
  if (error == 0) fd_table::mark_connect_tried(fd);   // from here on, ask the kernel
  return error;
}

// Any socket, any family: the full way (steering.hpp).
[[gnu::noinline]] SRCBIND_FULL int connect_steered(int fd, const sockaddr* addr, socklen_t len) {
  if (int error = steer_connect(fd, addr, len)) {
    errno = error;
    return -1;
  }
  return real::connect(fd, addr, len);
}

// A fresh IPv4 TCP socket to a destination the first-byte filter let through:
// the rule's plain source is bound here, anything else goes the full way.
[[gnu::noinline]] SRCBIND_HOT int connect_fresh_ipv4(const Runtime& rt, int fd, const sockaddr* addr, socklen_t len) {
  const PlainSteer plan = plain_steer_v4(rt, addr, SocketCall::connect);
  if (plan.outcome == PlainSteer::full_path ||
      (plan.outcome == PlainSteer::use_source && !bind_fresh_ipv4(fd, plan.source))) {
    return connect_steered(fd, addr, len);
  }
  fd_table::mark_connect_tried_known(fd);
  return real::connect(fd, addr, len);
}

}  // namespace

// The usual connect, an IPv4 destination from a fresh socket, reads one byte of
// the fd table and the runtime's first-byte filter; when no rule can match
// (most connections), the real connect is then a jump. Only a fresh socket is
// decided without the kernel's word on it; any other goes the full way.
SRCBIND_HOT int hook_connect(int fd, const sockaddr* addr, socklen_t len) {
  const Runtime* rt = Runtime::if_ready();
  if (rt != nullptr && is_ipv4(addr, len)) [[likely]] {
    // Read before the fd table's entry: a byte store there might alias it.
    const std::uint8_t first = first_byte_v4(addr);
    if (fd_table::flags_of(fd) == fd_table::kFreshIpv4Stream) [[likely]] {
      if (rt->may_find_v4(first)) return connect_fresh_ipv4(*rt, fd, addr, len);
      fd_table::mark_connect_tried_known(fd);
      return real::connect(fd, addr, len);
    }
  }
  return connect_steered(fd, addr, len);
}

}  // namespace srcbind::preload
