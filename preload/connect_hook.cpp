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
SRCBIND_HOT int steer_connect(int fd, const sockaddr* addr, socklen_t len) noexcept {
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

}  // namespace

SRCBIND_HOT int hook_connect(int fd, const sockaddr* addr, socklen_t len) {
  if (int error = steer_connect(fd, addr, len)) {
    errno = error;
    return -1;
  }
  return real::connect(fd, addr, len);
}

}  // namespace srcbind::preload
