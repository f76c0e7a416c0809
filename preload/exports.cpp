// The only symbols libsrcbind.so exports (see libsrcbind.map): one C wrapper per
// interposed libc function, whose body only hands over to the hook.
#include "deep_bind.hpp"
#include "hooks.hpp"
#include "hot_path.hpp"
#include "runtime.hpp"

#include <cstdarg>

#define SRCBIND_EXPORT extern "C" __attribute__((visibility("default")))
// Once per connection or datagram, in the order of their code pages (hot_path.hpp).
#define SRCBIND_EXPORT_HOT extern "C" __attribute__((visibility("default"))) SRCBIND_HOT
#define SRCBIND_EXPORT_MSG extern "C" __attribute__((visibility("default"))) SRCBIND_MSG

using namespace srcbind::preload;

SRCBIND_EXPORT_HOT int connect(int fd, const sockaddr* addr, socklen_t len) {
  return hook_connect(fd, addr, len);
}

SRCBIND_EXPORT_HOT ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) {
  return hook_sendto(fd, buf, len, flags, addr, addrlen);
}

SRCBIND_EXPORT_MSG ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  return hook_sendmsg(fd, msg, flags);
}

SRCBIND_EXPORT_MSG int sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags) {
  return hook_sendmmsg(fd, msgs, vlen, flags);
}

SRCBIND_EXPORT_HOT int socket(int domain, int type, int protocol) {
  return hook_socket(domain, type, protocol);
}

SRCBIND_EXPORT_HOT int bind(int fd, const sockaddr* addr, socklen_t len) {
  return hook_bind(fd, addr, len);
}

SRCBIND_EXPORT_HOT int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return hook_setsockopt(fd, level, name, value, len);
}

SRCBIND_EXPORT_HOT int close(int fd) {
  return hook_close(fd);
}

SRCBIND_EXPORT int dup(int fd) {
  return hook_dup(fd);
}

SRCBIND_EXPORT int dup2(int fd, int fd2) {
  return hook_dup2(fd, fd2);
}

SRCBIND_EXPORT int dup3(int fd, int fd2, int flags) {
  return hook_dup3(fd, fd2, flags);
}

// fcntl's third argument is an int, a long or a pointer; on the ABIs we build
// for all three travel in one register, so reading a long forwards any of them.
SRCBIND_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return hook_fcntl(fd, cmd, arg, false);
}

SRCBIND_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return hook_fcntl(fd, cmd, arg, true);
}

SRCBIND_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
  return hook_accept(fd, addr, len);
}

SRCBIND_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return hook_accept4(fd, addr, len, flags);
}

SRCBIND_EXPORT int close_range(unsigned first, unsigned last, int flags) {
  return hook_close_range(first, last, flags);
}

SRCBIND_EXPORT void closefrom(int lowfd) {
  hook_closefrom(lowfd);
}

// Take what the rules are built from at start; they are built at the first
// network call (runtime.hpp). A hook called earlier (another library's
// constructor) has taken it already.
__attribute__((constructor)) SRCBIND_START static void srcbind_load() { Runtime::take_snapshot(); }
