/* The floor of any interposer for srcbind_bench's rows: a preload library that
 * does srcbind's job for one fixed rule and nothing else. It interposes
 * connect() and sendto(); when the configuration named by SRCBIND_CONFIG holds
 * the benchmark's rule ("destination = 127.0.0.1"), a connect to 127.0.0.1 is
 * bound to 127.0.0.2 first (IP_BIND_ADDRESS_NO_PORT, as srcbind does) and a
 * datagram to it is sent with IP_PKTINFO; everything else is passed on as it
 * is. No rule table, no socket state, no error handling: what is left is the
 * cost of being interposed at all, which no preload library can avoid
 * (bench/README.md, "The floor of any interposer").
 *
 *   srcbind_bench --library build-release/lib/libsrcbind_bench_floor_preload.so
 *
 * Built twice more, to show what the two ways of knowing a socket's state cost
 * (bench/README.md, "The floor of a socket-tracking interposer"):
 *  - SRCBIND_FLOOR_TRACKS_SOCKETS: the least a library can do to know, without
 *    asking the kernel, that a connect comes from a fresh socket (srcbind's fd
 *    table, fd_table.hpp): socket(), close() and setsockopt() are interposed too,
 *    and one byte per descriptor is kept; a connect binds only a fresh socket;
 *  - SRCBIND_FLOOR_ASKS_KERNEL: no tracking; a matched connect asks the kernel
 *    instead (the socket's type, whether it is bound, its device). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static int has_rule;

#ifdef SRCBIND_FLOOR_TRACKS_SOCKETS
enum { kTableSize = 1 << 20, kFreshIpv4Stream = 1, kConnectTried = 0x20, kDevicePinned = 0x08 };
static unsigned char table[kTableSize];
static int (*real_socket)(int, int, int);
static int (*real_close)(int);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
#endif

__attribute__((constructor)) static void load(void) {
  real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
  real_sendto = (ssize_t(*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "sendto");
  real_sendmsg = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
#ifdef SRCBIND_FLOOR_TRACKS_SOCKETS
  real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
  real_setsockopt = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
#endif
  const char *path = getenv("SRCBIND_CONFIG");
  FILE *file = path != NULL ? fopen(path, "r") : NULL;
  if (file == NULL) return;
  char line[256];
  while (fgets(line, sizeof line, file) != NULL) {
    if (strcmp(line, "destination = 127.0.0.1\n") == 0) has_rule = 1;
  }
  fclose(file);
}

static int matches(const struct sockaddr *to, socklen_t len) {
  return has_rule && to != NULL && len >= sizeof(struct sockaddr_in) && to->sa_family == AF_INET &&
         ((const struct sockaddr_in *)to)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

#ifdef SRCBIND_FLOOR_TRACKS_SOCKETS
static int in_table(int fd) { return fd >= 0 && fd < kTableSize; }

__attribute__((visibility("default"))) int socket(int domain, int type, int protocol) {
  const unsigned char entry =
      domain == AF_INET && (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM && protocol == 0 ? kFreshIpv4Stream : 0;
  const int fd = real_socket(domain, type, protocol);
  if (in_table(fd)) table[fd] = entry;
  return fd;
}

__attribute__((visibility("default"))) int close(int fd) {
  if (in_table(fd)) table[fd] = 0;
  return real_close(fd);
}

__attribute__((visibility("default"))) int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  const int rc = real_setsockopt(fd, level, name, value, len);
  if (rc == 0 && level == SOL_SOCKET && name == SO_BINDTODEVICE && in_table(fd)) table[fd] |= kDevicePinned;
  return rc;
}
#endif

__attribute__((visibility("default"))) int connect(int fd, const struct sockaddr *to, socklen_t len) {
#ifdef SRCBIND_FLOOR_TRACKS_SOCKETS
  const int fresh = in_table(fd) && table[fd] == kFreshIpv4Stream;
  if (fresh) __atomic_fetch_or(&table[fd], kConnectTried, __ATOMIC_RELAXED);
  if (fresh && matches(to, len)) {
#else
  if (matches(to, len)) {
#endif
#ifdef SRCBIND_FLOOR_ASKS_KERNEL
    int type = 0;
    socklen_t type_len = sizeof type;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len);
    struct sockaddr_storage local;
    socklen_t local_len = sizeof local;
    getsockname(fd, (struct sockaddr *)&local, &local_len);
    char device[IFNAMSIZ];
    socklen_t device_len = sizeof device;
    getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &device_len);
#endif
    struct sockaddr_in source = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7F000002)};
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    bind(fd, (const struct sockaddr *)&source, sizeof source);
  }
  return real_connect(fd, to, len);
}

__attribute__((visibility("default"))) ssize_t sendto(int fd, const void *data, size_t size, int flags,
                                                      const struct sockaddr *to, socklen_t len) {
  if (!matches(to, len)) return real_sendto(fd, data, size, flags, to, len);
  struct iovec part = {(void *)data, size};
  union {
    char bytes[CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {(void *)to, len, &part, 1, control.bytes, sizeof control.bytes, 0};
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = IPPROTO_IP;
  header->cmsg_type = IP_PKTINFO;
  header->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
  struct in_pktinfo info = {.ipi_spec_dst.s_addr = htonl(0x7F000002)};
  memcpy(CMSG_DATA(header), &info, sizeof info);
  return real_sendmsg(fd, &message, flags);
}
