// Keeps the caller's errno across the library's own syscalls (SPEC: errno is
// preserved on every path that does not return an error of its own).
#pragma once

#include <cerrno>

namespace srcbind::preload {

class ErrnoGuard {
 public:
  ErrnoGuard() noexcept : saved_(errno) {}
  ~ErrnoGuard() { errno = saved_; }
  ErrnoGuard(const ErrnoGuard&) = delete;
  ErrnoGuard& operator=(const ErrnoGuard&) = delete;

 private:
  int saved_;
};

}  // namespace srcbind::preload
