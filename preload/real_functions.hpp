// The libc functions that the library interposes, resolved lazily with
// dlsym(RTLD_NEXT) on first use (LINUX-NOTES Q15: other libraries' constructors may
// call a hook before ours runs). One table, one trampoline per function, in the
// style of socket_wrapper. Every trampoline is async-signal-safe once resolved.
#pragma once

#include <sys/socket.h>

namespace srcbind::preload::real {

int connect(int fd, const sockaddr* addr, socklen_t len) noexcept;
int bind(int fd, const sockaddr* addr, socklen_t len) noexcept;
ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) noexcept;
ssize_t sendmsg(int fd, const msghdr* msg, int flags) noexcept;
int sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags) noexcept;
int socket(int domain, int type, int protocol) noexcept;
int close(int fd) noexcept;
int dup(int fd) noexcept;
int dup2(int fd, int fd2) noexcept;
int dup3(int fd, int fd2, int flags) noexcept;
int fcntl(int fd, int cmd, long arg) noexcept;
int fcntl64(int fd, int cmd, long arg) noexcept;
int accept(int fd, sockaddr* addr, socklen_t* len) noexcept;
int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept;
int close_range(unsigned first, unsigned last, int flags) noexcept;
void closefrom(int lowfd) noexcept;
int setsockopt(int fd, int level, int name, const void* value, socklen_t len) noexcept;

}  // namespace srcbind::preload::real
