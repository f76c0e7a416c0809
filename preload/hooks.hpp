// The logic behind each exported symbol (exports.cpp holds the three-line C
// wrappers, socket_wrapper style). All of it is allocation-free, lock-free and
// async-signal-safe, throws nothing, and keeps errno unless it returns an error.
// Not declared noexcept: a thread cancelled (pthread_cancel) in the real call,
// a cancellation point for several of them, unwinds through these frames, and a
// noexcept frame on the way would turn that into std::terminate. What they call
// before the real call is noexcept, and makes no cancellable call of its own
// (the log is written with raw syscalls, the configuration loaded with
// cancellation disabled).
#pragma once

#include <sys/socket.h>

namespace srcbind::preload {

// connect_hook.cpp
int hook_connect(int fd, const sockaddr* addr, socklen_t len);

// datagram_hooks.cpp: unconnected datagrams and MSG_FASTOPEN
ssize_t hook_sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen);
ssize_t hook_sendmsg(int fd, const msghdr* msg, int flags);
int hook_sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags);

// descriptor_hooks.cpp: keep the fd table in step with descriptors' lives
int hook_socket(int domain, int type, int protocol);
int hook_bind(int fd, const sockaddr* addr, socklen_t len);
int hook_setsockopt(int fd, int level, int name, const void* value, socklen_t len);
int hook_close(int fd);
int hook_dup(int fd);
int hook_dup2(int fd, int fd2);
int hook_dup3(int fd, int fd2, int flags);
int hook_fcntl(int fd, int cmd, long arg, bool is_fcntl64);
int hook_accept(int fd, sockaddr* addr, socklen_t* len);
int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags);
int hook_close_range(unsigned first, unsigned last, int flags);
void hook_closefrom(int lowfd);

}  // namespace srcbind::preload
