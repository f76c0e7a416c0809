// The logic behind each exported symbol (exports.cpp holds the three-line C
// wrappers, socket_wrapper style). All of it is noexcept, allocation-free,
// lock-free and async-signal-safe, and keeps errno unless it returns an error.
#pragma once

#include <sys/socket.h>

namespace srcbind::preload {

// connect_hook.cpp
int hook_connect(int fd, const sockaddr* addr, socklen_t len) noexcept;

// datagram_hooks.cpp: unconnected datagrams and MSG_FASTOPEN
ssize_t hook_sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) noexcept;
ssize_t hook_sendmsg(int fd, const msghdr* msg, int flags) noexcept;
int hook_sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags) noexcept;

// descriptor_hooks.cpp: keep the fd table in step with descriptors' lives
int hook_socket(int domain, int type, int protocol) noexcept;
int hook_bind(int fd, const sockaddr* addr, socklen_t len) noexcept;
int hook_setsockopt(int fd, int level, int name, const void* value, socklen_t len) noexcept;
int hook_close(int fd) noexcept;
int hook_dup(int fd) noexcept;
int hook_dup2(int fd, int fd2) noexcept;
int hook_dup3(int fd, int fd2, int flags) noexcept;
int hook_fcntl(int fd, int cmd, long arg, bool is_fcntl64) noexcept;
int hook_accept(int fd, sockaddr* addr, socklen_t* len) noexcept;
int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept;
int hook_close_range(unsigned first, unsigned last, int flags) noexcept;
void hook_closefrom(int lowfd) noexcept;

}  // namespace srcbind::preload
