/* A client (and a small UDP server) for the kernel backend's tests, linked
 * statically so that no preloaded library can reach it: only the kernel can
 * change its source address.
 *
 *   kernel_client tcp ADDR PORT [bind ADDR] [noport] [device DEV]
 *       connects, prints the server's one-line answer (the address it saw)
 *   kernel_client udp ADDR PORT [ADDR PORT]...
 *       one unconnected socket, one datagram to each, prints each answer
 *   kernel_client udp-bound-wildcard PORT ADDR PORT
 *       as udp, from a socket bound to the wildcard and port 0 first
 *   kernel_client udp-server PORT COUNT
 *       bound to 0.0.0.0:PORT, answers COUNT datagrams with "pong"
 *   kernel_client socket tcp|udp ADDR PORT [bind ADDR PORT] [noport] [device DEV] connect|send
 *       one socket, set up as listed, then a connect (and for UDP one datagram)
 *       or an unconnected datagram; prints the server's one-line answer
 *   kernel_client fds
 *       prints the descriptors it inherited above 2 ("none" if none)
 *   kernel_client many ADDR PORT1 PORT2 COUNT [close]
 *       keeps COUNT TCP connections open at once, alternating the two ports
 *       (with "close": closes each once connected; its port stays taken in
 *       TIME_WAIT); prints "COUNT connected" or the first error and the count
 *       reached
 * Errors print "STEP: ERRNO_NAME" and exit 2. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int fail(const char *step)
{
  const char *name = strerrorname_np(errno);
  printf("%s: %s\n", step, name ? name : "?");
  fflush(stdout);
  exit(2);
}

static socklen_t make_address(const char *text, int port, struct sockaddr_storage *out)
{
  memset(out, 0, sizeof *out);
  struct sockaddr_in *in = (struct sockaddr_in *)out;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((unsigned short)port);
    return sizeof *in;
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((unsigned short)port);
    return sizeof *in6;
  }
  fprintf(stderr, "bad address %s\n", text);
  exit(64);
}

static void timeouts(int fd)
{
  struct timeval tv = {3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void print_answer(int fd)
{
  char line[128];
  ssize_t n = recv(fd, line, sizeof line - 1, 0);
  if (n < 0)
    fail("recv");
  line[n] = 0;
  printf("%s", line);
  if (n == 0 || line[n - 1] != '\n')
    printf("\n");
}

static int udp(int argc, char **argv, int first, int bind_wildcard)
{
  struct sockaddr_storage to;
  make_address(argv[first], atoi(argv[first + 1]), &to);
  int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fail("socket");
  timeouts(fd);
  if (bind_wildcard) {
    struct sockaddr_storage any;
    memset(&any, 0, sizeof any);
    any.ss_family = to.ss_family;
    if (bind(fd, (struct sockaddr *)&any, to.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0)
      fail("bind");
  }
  for (int i = first; i + 1 < argc; i += 2) {
    socklen_t to_len = make_address(argv[i], atoi(argv[i + 1]), &to);
    if (sendto(fd, "ping", 4, 0, (struct sockaddr *)&to, to_len) != 4)
      fail("sendto");
    print_answer(fd);
  }
  close(fd);
  return 0;
}

static int socket_in_state(int argc, char **argv)
{
  int datagram = strcmp(argv[2], "udp") == 0;
  struct sockaddr_storage to;
  socklen_t to_len = make_address(argv[3], atoi(argv[4]), &to);
  int fd = socket(to.ss_family, (datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fail("socket");
  timeouts(fd);
  for (int i = 5; i < argc; i++) {
    if (strcmp(argv[i], "noport") == 0) {
      int on = 1;
      if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on) != 0)
        fail("IP_BIND_ADDRESS_NO_PORT");
    } else if (strcmp(argv[i], "device") == 0 && i + 1 < argc) {
      const char *dev = argv[++i];
      if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) != 0)
        fail("SO_BINDTODEVICE");
    } else if (strcmp(argv[i], "bind") == 0 && i + 2 < argc) {
      struct sockaddr_storage from;
      socklen_t from_len = make_address(argv[i + 1], atoi(argv[i + 2]), &from);
      i += 2;
      if (bind(fd, (struct sockaddr *)&from, from_len) != 0)
        fail("bind");
    } else if (strcmp(argv[i], "connect") == 0) {
      if (connect(fd, (struct sockaddr *)&to, to_len) != 0)
        fail("connect");
      if (datagram && send(fd, "ping", 4, 0) != 4)
        fail("send");
      print_answer(fd);
    } else if (strcmp(argv[i], "send") == 0) {
      if (sendto(fd, "ping", 4, 0, (struct sockaddr *)&to, to_len) != 4)
        fail("sendto");
      print_answer(fd);
    } else {
      fprintf(stderr, "unknown step %s\n", argv[i]);
      return 64;
    }
  }
  close(fd);
  return 0;
}

/* tcp ADDR PORT OPTIONS...: socket tcp ADDR PORT OPTIONS... connect, where
 * `bind ADDR` is `bind ADDR 0`. */
static int tcp(int argc, char **argv)
{
  char *steps[64];
  int n = 0;
  steps[n++] = argv[0];
  steps[n++] = (char *)"socket";
  steps[n++] = (char *)"tcp";
  steps[n++] = argv[2];
  steps[n++] = argv[3];
  for (int i = 4; i < argc && n < 60; i++) {
    steps[n++] = argv[i];
    if (strcmp(argv[i], "bind") == 0 && i + 1 < argc) {
      steps[n++] = argv[++i];
      steps[n++] = (char *)"0";
    }
  }
  steps[n++] = (char *)"connect";
  steps[n] = NULL;
  return socket_in_state(n, steps);
}

static int udp_server(char **argv)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  if (bind(fd, (struct sockaddr *)&any, sizeof any) != 0)
    fail("bind");
  printf("ready\n");
  fflush(stdout);
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (int i = 0; i < atoi(argv[3]); i++) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    char buffer[64];
    if (recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &from_len) < 0)
      fail("recvfrom");
    if (sendto(fd, "pong\n", 5, 0, (struct sockaddr *)&from, from_len) != 5)
      fail("sendto");
  }
  return 0;
}

static int fds(void)
{
  DIR *dir = opendir("/proc/self/fd");
  int listed = 0;
  for (struct dirent *e; dir && (e = readdir(dir));) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(dir))
      continue;
    char target[256] = "";
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    printf("%d -> %s\n", fd, target);
    listed++;
  }
  if (!listed)
    printf("none\n");
  return 0;
}

static int many(char **argv)
{
  int count = atoi(argv[5]);
  int close_each = argv[6] != NULL && strcmp(argv[6], "close") == 0;
  for (int i = 0; i < count; i++) {
    struct sockaddr_storage to;
    socklen_t to_len = make_address(argv[2], atoi(argv[3 + i % 2]), &to);
    int fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || (timeouts(fd), connect(fd, (struct sockaddr *)&to, to_len)) != 0) {
      const char *name = strerrorname_np(errno);
      printf("connection %d: %s\n", i, name ? name : "?");
      return 2;
    }
    if (close_each)
      close(fd);
  }
  printf("%d connected\n", count);
  return 0;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 4 && strcmp(argv[1], "tcp") == 0)
    return tcp(argc, argv);
  if (argc >= 4 && strcmp(argv[1], "udp") == 0)
    return udp(argc, argv, 2, 0);
  if (argc >= 4 && strcmp(argv[1], "udp-bound-wildcard") == 0)
    return udp(argc, argv, 2, 1);
  if (argc >= 4 && strcmp(argv[1], "udp-server") == 0)
    return udp_server(argv);
  if (argc >= 6 && strcmp(argv[1], "many") == 0)
    return many(argv);
  if (argc >= 6 && strcmp(argv[1], "socket") == 0)
    return socket_in_state(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "fds") == 0)
    return fds();
  fprintf(stderr, "usage: see kernel_client.c\n");
  return 64;
}
