#include "real_functions.hpp"

#include "hot_path.hpp"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace srcbind::preload::real {
namespace {

// Resolves `name`: dlsym is thread-safe; two threads racing here both store
// the same pointer. A libc without the symbol gets `fallback` (the raw
// syscall) instead, once.
template <typename Fn>
Fn resolve(std::atomic<Fn>& slot, const char* name, Fn fallback) noexcept {
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  if (fn == nullptr) fn = fallback;
  slot.store(fn, std::memory_order_release);
  return fn;
}

// The trampoline `name`, and `fallbacks::name`, the same call as a raw syscall.
// A resolved trampoline is a load and a jump. Its first call goes through a
// cold function of its own that resolves and calls, so that both ways out are
// jumps: a hook that inlines the trampoline needs no stack frame to keep its
// arguments across a dlsym, and its own code stays small enough for its page
// (hot_path.hpp).
#define SRCBIND_REAL(ret, name, params, args, fallback)                      \
  namespace fallbacks {                                                     \
  ret name params { return fallback; }                                      \
  }                                                                         \
  namespace targets {                                                       \
  SRCBIND_HOT_DATA constinit std::atomic<ret(*) params> name{nullptr};      \
  [[gnu::noinline, gnu::cold]] ret name##_first_call params {               \
    return resolve(name, #name, &fallbacks::name) args;                     \
  }                                                                         \
  }                                                                         \
  ret name params {                                                         \
    if (auto fn = targets::name.load(std::memory_order_acquire)) return fn args; \
    return targets::name##_first_call args;                                 \
  }

}  // namespace

// Called for every connection or datagram, on the code page of their callers
// (hot_path.hpp); the others more rarely.
SRCBIND_HOT int connect(int fd, const sockaddr* addr, socklen_t len);
SRCBIND_HOT int bind(int fd, const sockaddr* addr, socklen_t len);
SRCBIND_HOT int setsockopt(int fd, int level, int name, const void* value, socklen_t len);
SRCBIND_HOT int socket(int domain, int type, int protocol);
SRCBIND_HOT int close(int fd);
SRCBIND_HOT ssize_t sendmsg(int fd, const msghdr* msg, int flags);
SRCBIND_MSG int sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags);

SRCBIND_REAL(int, connect, (int fd, const sockaddr* addr, socklen_t len), (fd, addr, len),
             static_cast<int>(::syscall(SYS_connect, fd, addr, len)))
SRCBIND_REAL(int, bind, (int fd, const sockaddr* addr, socklen_t len), (fd, addr, len),
             static_cast<int>(::syscall(SYS_bind, fd, addr, len)))
namespace fallbacks {
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) {
  return ::syscall(SYS_sendto, fd, buf, len, flags, addr, addrlen);
}
}  // namespace fallbacks
SRCBIND_HOT_DATA constinit std::atomic<SendtoFunction> sendto_target{nullptr};
[[gnu::noinline, gnu::cold]] ssize_t sendto_first_call(int fd, const void* buf, size_t len, int flags,
                                                      const sockaddr* addr, socklen_t addrlen) {
  return resolve(sendto_target, "sendto", &fallbacks::sendto)(fd, buf, len, flags, addr, addrlen);
}
SRCBIND_REAL(ssize_t, sendmsg, (int fd, const msghdr* msg, int flags), (fd, msg, flags),
             ::syscall(SYS_sendmsg, fd, msg, flags))
SRCBIND_REAL(int, sendmmsg, (int fd, mmsghdr* msgs, unsigned int vlen, int flags), (fd, msgs, vlen, flags),
             static_cast<int>(::syscall(SYS_sendmmsg, fd, msgs, vlen, flags)))
SRCBIND_REAL(int, socket, (int domain, int type, int protocol), (domain, type, protocol),
             static_cast<int>(::syscall(SYS_socket, domain, type, protocol)))
SRCBIND_REAL(int, close, (int fd), (fd), static_cast<int>(::syscall(SYS_close, fd)))
SRCBIND_REAL(int, dup, (int fd), (fd), static_cast<int>(::syscall(SYS_dup, fd)))
SRCBIND_REAL(int, dup2, (int fd, int fd2), (fd, fd2), static_cast<int>(::syscall(SYS_dup2, fd, fd2)))
SRCBIND_REAL(int, dup3, (int fd, int fd2, int flags), (fd, fd2, flags),
             static_cast<int>(::syscall(SYS_dup3, fd, fd2, flags)))
SRCBIND_REAL(int, fcntl, (int fd, int cmd, long arg), (fd, cmd, arg),
             static_cast<int>(::syscall(SYS_fcntl, fd, cmd, arg)))
SRCBIND_REAL(int, fcntl64, (int fd, int cmd, long arg), (fd, cmd, arg),
             static_cast<int>(::syscall(SYS_fcntl, fd, cmd, arg)))
SRCBIND_REAL(int, accept, (int fd, sockaddr* addr, socklen_t* len), (fd, addr, len),
             static_cast<int>(::syscall(SYS_accept, fd, addr, len)))
SRCBIND_REAL(int, accept4, (int fd, sockaddr* addr, socklen_t* len, int flags), (fd, addr, len, flags),
             static_cast<int>(::syscall(SYS_accept4, fd, addr, len, flags)))
SRCBIND_REAL(int, close_range, (unsigned first, unsigned last, int flags), (first, last, flags),
             static_cast<int>(::syscall(SYS_close_range, first, last, flags)))
SRCBIND_REAL(int, setsockopt, (int fd, int level, int name, const void* value, socklen_t len),
             (fd, level, name, value, len), static_cast<int>(::syscall(SYS_setsockopt, fd, level, name, value, len)))

namespace fallbacks {
void closefrom(int lowfd) { ::syscall(SYS_close_range, static_cast<unsigned>(lowfd), ~0U, 0); }
}  // namespace fallbacks

namespace targets {
constinit std::atomic<void (*)(int)> closefrom{nullptr};
}  // namespace targets

void closefrom(int lowfd) {
  auto fn = targets::closefrom.load(std::memory_order_acquire);
  if (fn == nullptr) fn = resolve(targets::closefrom, "closefrom", &fallbacks::closefrom);
  fn(lowfd);
}

}  // namespace srcbind::preload::real
