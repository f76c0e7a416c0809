// The libc functions that the library interposes, resolved lazily with
// dlsym(RTLD_NEXT) on first use (docs/linux-facts.md Q15: other libraries' constructors may
// call a hook before ours runs). One table, one trampoline per function, in the
// style of socket_wrapper. Every trampoline is async-signal-safe once resolved.
// None is noexcept: several are cancellation points, and a thread cancelled
// there (pthread_cancel) unwinds through them and through the hooks that called
// them; a noexcept frame on the way turns that into std::terminate.
#pragma once

#include <sys/socket.h>

#include <atomic>

namespace srcbind::preload::real {

int connect(int fd, const sockaddr* addr, socklen_t len);
int bind(int fd, const sockaddr* addr, socklen_t len);
// sendto's trampoline, defined here so that it is inlined everywhere: the
// usual datagram's hook then loads the target only where it jumps to it, and
// keeps nothing on the stack (datagram_hooks.cpp).
using SendtoFunction = ssize_t (*)(int, const void*, size_t, int, const sockaddr*, socklen_t);
extern std::atomic<SendtoFunction> sendto_target;   // nullptr until the first call
ssize_t sendto_first_call(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen);
inline ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) {
  if (auto fn = sendto_target.load(std::memory_order_acquire)) return fn(fd, buf, len, flags, addr, addrlen);
  return sendto_first_call(fd, buf, len, flags, addr, addrlen);
}
ssize_t sendmsg(int fd, const msghdr* msg, int flags);
int sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags);
int socket(int domain, int type, int protocol);
int close(int fd);
int dup(int fd);
int dup2(int fd, int fd2);
int dup3(int fd, int fd2, int flags);
int fcntl(int fd, int cmd, long arg);
int fcntl64(int fd, int cmd, long arg);
int accept(int fd, sockaddr* addr, socklen_t* len);
int accept4(int fd, sockaddr* addr, socklen_t* len, int flags);
int close_range(unsigned first, unsigned last, int flags);
void closefrom(int lowfd);
int setsockopt(int fd, int level, int name, const void* value, socklen_t len);

}  // namespace srcbind::preload::real
