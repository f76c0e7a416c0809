// Keeps the fd table (fd_table.hpp) in step with descriptors' lives. Each hook
// calls the real function first and records only what succeeded. The four that
// every connection goes through are with connect() on its code page (hot_path.hpp).
#include "fd_table.hpp"
#include "hooks.hpp"
#include "hot_path.hpp"
#include "real_functions.hpp"
#include "runtime.hpp"
#include "socket_entry.hpp"
#include "socket_probe.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>

#include <cstdint>

namespace srcbind::preload {

namespace {

// SO_BINDTODEVICE or SO_BINDTOIFINDEX: the program pins the socket itself.
[[gnu::noinline]] SRCBIND_FULL int pin_device(int fd, int level, int name, const void* value, socklen_t len) {
  int rc = real::setsockopt(fd, level, name, value, len);
  if (rc == 0) fd_table::mark_device_pinned(fd);
  return rc;
}

}  // namespace

SRCBIND_HOT int hook_socket(int domain, int type, int protocol) {
  // Worked out before the call, so that only the entry is kept across it.
  const std::uint8_t entry = entry_of_new_socket(domain, type, protocol);
  const int fd = real::socket(domain, type, protocol);
  if (fd < 0) [[unlikely]] return fd;
  if (entry == 0) [[unlikely]] {
    fd_table::forget(fd);
    return fd;
  }
  fd_table::created(fd, entry);
  // The first network socket builds the rules, rather than its first send,
  // which may come from a signal handler, where building (malloc) is unsafe.
  if (Runtime::if_ready() == nullptr) [[unlikely]] (void)Runtime::get();
  return fd;
}

// SPEC: a datagram socket bound to the wildcard with port 0 (dig, snmpget,
// node) chose neither address nor port: it stays ours to steer, like one the
// kernel bound on its first send. Any other bind makes the socket the program's.
SRCBIND_HOT int hook_bind(int fd, const sockaddr* addr, socklen_t len) {
  int rc = real::bind(fd, addr, len);
  if (rc != 0) return rc;
  const fd_table::Facts facts = fd_table::facts(fd);
  if (facts.known && facts.datagram && is_wildcard_any_port(addr, len)) {
    fd_table::mark_auto_bound(fd);
  } else {
    fd_table::mark_bound_by_program(fd);
  }
  return rc;
}

SRCBIND_HOT int hook_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  // Every other option goes straight through: a jump, nothing of ours runs
  // again after the syscall (hot_path.hpp).
  if (level == SOL_SOCKET && (name == SO_BINDTODEVICE || name == SO_BINDTOIFINDEX)) [[unlikely]] {
    return pin_device(fd, level, name, value, len);
  }
  return real::setsockopt(fd, level, name, value, len);
}

SRCBIND_HOT int hook_close(int fd) {
  fd_table::forget(fd);   // before: once closed, another thread may reuse the number
  return real::close(fd);
}

int hook_dup(int fd) {
  int fd2 = real::dup(fd);
  if (fd2 >= 0) fd_table::copy(fd, fd2);
  return fd2;
}

int hook_dup2(int fd, int fd2) {
  int rc = real::dup2(fd, fd2);
  if (rc >= 0 && rc != fd) fd_table::copy(fd, rc);
  return rc;
}

int hook_dup3(int fd, int fd2, int flags) {
  int rc = real::dup3(fd, fd2, flags);
  if (rc >= 0) fd_table::copy(fd, rc);
  return rc;
}

int hook_fcntl(int fd, int cmd, long arg, bool is_fcntl64) {
  int rc = is_fcntl64 ? real::fcntl64(fd, cmd, arg) : real::fcntl(fd, cmd, arg);
  if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) fd_table::copy(fd, rc);
  return rc;
}

int hook_accept(int fd, sockaddr* addr, socklen_t* len) {
  int rc = real::accept(fd, addr, len);
  if (rc >= 0) fd_table::forget(rc);
  return rc;
}

int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  int rc = real::accept4(fd, addr, len, flags);
  if (rc >= 0) fd_table::forget(rc);
  return rc;
}

int hook_close_range(unsigned first, unsigned last, int flags) {
  int rc = real::close_range(first, last, flags);
  // CLOSE_RANGE_CLOEXEC only marks them: they stay open until exec.
  if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC)) fd_table::forget_range(first, last);
  return rc;
}

void hook_closefrom(int lowfd) {
  real::closefrom(lowfd);
  if (lowfd >= 0) fd_table::forget_range(static_cast<unsigned>(lowfd), ~0U);
}

}  // namespace srcbind::preload
