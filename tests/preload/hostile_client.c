/* hostile_client: a C program that does to srcbind what real programs do to
 * an LD_PRELOAD library. Each mode prints one line per connection:
 *   "<who> rc=<rc> errno=<name> local=<addr>"
 *
 *   fork HOST PORT        connect in a fork child without exec, and in the parent
 *   vfork HOST PORT       vfork + exec of ourselves ("plain" mode)
 *   spawn HOST PORT       posix_spawn of ourselves ("plain" mode)
 *   plain HOST PORT       one connection
 *   signal HOST PORT      socket + connect + close inside a signal handler
 *   dlopen HOST PORT LIB  dlopen LIB late; its constructor connects (EARLY_TARGET)
 *   badcalls HOST PORT    connect on a pipe, a closed fd, AF_UNIX, NULL and short
 *                         addresses, an exhausted descriptor table
 *   behind HOST PORT      sockets created, bound, closed and duplicated behind the
 *                         library's back (raw syscalls), then connected through
 *                         libc; one connection is made in an exec'd child on
 *                         inherited descriptors ("inherited FD FD" mode)
 *   behind-udp HOST PORT  datagrams from sockets made and bound behind its back
 *   cancel HOST PORT      a thread cancelled (pthread_cancel) inside each hooked
 *                         call that is a cancellation point: it must unwind
 *                         through the library ("cancel-<call> cancelled=1")
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
static struct sockaddr_in g_dst;
static const char* g_self;

static const char* name_of(int e) { return e ? strerrorname_np(e) : "0"; }

static void local_of(int fd, char* out, size_t n) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  if (getsockname(fd, (struct sockaddr*)&a, &len) != 0) { snprintf(out, n, "?"); return; }
  inet_ntop(AF_INET, &a.sin_addr, out, (socklen_t)n);
}

static void connect_once(const char* who) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int rc = connect(fd, (struct sockaddr*)&g_dst, sizeof g_dst);
  int err = rc ? errno : 0;
  char local[64];
  local_of(fd, local, sizeof local);
  printf("%s rc=%d errno=%s local=%s\n", who, rc, name_of(err), local);
  fflush(stdout);
  close(fd);
}

/* Only async-signal-safe calls: socket, connect, getsockname, write, close. */
static void on_signal(int sig) {
  (void)sig;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int rc = connect(fd, (struct sockaddr*)&g_dst, sizeof g_dst);
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr*)&a, &len);
  char line[64] = "handler rc=0 local=";
  size_t n = strlen(line);
  if (rc != 0) line[11] = '1';
  unsigned char* b = (unsigned char*)&a.sin_addr;
  for (int i = 0; i < 4; ++i) {
    if (i) line[n++] = '.';
    if (b[i] >= 100) line[n++] = (char)('0' + b[i] / 100);
    if (b[i] >= 10) line[n++] = (char)('0' + b[i] / 10 % 10);
    line[n++] = (char)('0' + b[i] % 10);
  }
  line[n++] = '\n';
  (void)!write(1, line, n);
  close(fd);
}

static void bad_calls(void) {
  int p[2];
  (void)!pipe(p);
  errno = 0;
  int rc = connect(p[0], (struct sockaddr*)&g_dst, sizeof g_dst);
  printf("pipe rc=%d errno=%s\n", rc, name_of(errno));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  close(fd);
  rc = connect(fd, (struct sockaddr*)&g_dst, sizeof g_dst);
  printf("closed rc=%d errno=%s\n", rc, name_of(errno));
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/nonexistent/srcbind-test"};
  rc = connect(u, (struct sockaddr*)&un, sizeof un);
  printf("unix rc=%d errno=%s\n", rc, name_of(errno));
  fd = socket(AF_INET, SOCK_STREAM, 0);
  rc = connect(fd, NULL, sizeof g_dst);
  printf("null rc=%d errno=%s\n", rc, name_of(errno));
  rc = connect(fd, (struct sockaddr*)&g_dst, 4);
  printf("short rc=%d errno=%s\n", rc, name_of(errno));
  struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = g_dst.sin_port};
  rc = connect(fd, (struct sockaddr*)&v6, sizeof v6);
  printf("family-mismatch rc=%d errno=%s\n", rc, name_of(errno));
  close(fd);
  /* Exhaust the descriptor table, then connect on the last socket we got. */
  struct rlimit lim = {16, 16};
  setrlimit(RLIMIT_NOFILE, &lim);
  int last = -1, made = 0;
  for (;;) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { printf("exhausted errno=%s\n", name_of(errno)); break; }
    if (last >= 0) close(last);
    last = s;
    if (++made > 64) break;
    int keep = dup(0);   /* fill the table with something else */
    (void)keep;
  }
  if (last >= 0) {
    rc = connect(last, (struct sockaddr*)&g_dst, sizeof g_dst);
    char local[64];
    local_of(last, local, sizeof local);
    printf("after-exhaustion rc=%d errno=%s local=%s\n", rc, name_of(rc ? errno : 0), local);
  }
}

/* The destination as text, for a child's command line. */
static void target_text(char* host, size_t host_size, char* port, size_t port_size) {
  inet_ntop(AF_INET, &g_dst.sin_addr, host, (socklen_t)host_size);
  snprintf(port, port_size, "%d", ntohs(g_dst.sin_port));
}

/* posix_spawn of ourselves with argv; the child's exit code. */
static int spawn_and_wait(char* argv[]) {
  pid_t pid;
  if (posix_spawn(&pid, g_self, NULL, NULL, argv, environ) != 0) return 1;
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Behind the library's back: no libc wrapper, so no hook sees these. */
static int raw_socket(int type) { return (int)syscall(SYS_socket, AF_INET, type, 0); }
static int raw_close(int fd) { return (int)syscall(SYS_close, fd); }
static int raw_bind(int fd, const char* addr) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, addr, &a.sin_addr);
  return (int)syscall(SYS_bind, fd, &a, sizeof a);
}

static void connect_fd(const char* who, int fd) {
  int rc = connect(fd, (struct sockaddr*)&g_dst, sizeof g_dst);
  int err = rc ? errno : 0;
  char local[64];
  local_of(fd, local, sizeof local);
  printf("%s rc=%d errno=%s local=%s\n", who, rc, name_of(err), local);
}

/* A stream socket made and bound behind the library's back, expected to get
 * the number `freed` again, then connected through libc. */
static void reuse_bound_behind(const char* who, int freed) {
  int s = raw_socket(SOCK_STREAM);
  printf("reused %s\n", s == freed ? "yes" : "no");
  raw_bind(s, "127.0.0.3");
  connect_fd(who, s);
  close(s);
}

/* Each case prints "<case> rc= errno= local="; 127.0.0.3 is the program's own
 * bind, which the library must leave alone, and the rule's source otherwise. */
static int behind(void) {
  /* Created behind its back: the library never saw this descriptor. */
  int s = raw_socket(SOCK_STREAM);
  connect_fd("raw-socket", s);
  close(s);
  s = raw_socket(SOCK_STREAM);
  raw_bind(s, "127.0.0.3");
  connect_fd("raw-bound", s);
  close(s);

  /* A datagram socket the library saw made and closed; the number is reused by
   * a stream socket made behind its back and bound by the program. */
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  close(u);
  reuse_bound_behind("reused-after-close", u);

  /* Closed behind its back too: what it knew of the number is stale. */
  u = socket(AF_INET, SOCK_STREAM, 0);
  raw_close(u);
  reuse_bound_behind("stale-entry", u);

  /* dup2 over a socket it knows as unbound, from one bound behind its back. */
  int a = socket(AF_INET, SOCK_STREAM, 0);
  int b = raw_socket(SOCK_STREAM);
  raw_bind(b, "127.0.0.3");
  dup2(b, a);
  close(b);
  connect_fd("dup2-over", a);
  close(a);

  /* Inherited across exec: one unbound, one bound by the program. */
  int unbound = socket(AF_INET, SOCK_STREAM, 0);
  int bound = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in three = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.3", &three.sin_addr);
  bind(bound, (struct sockaddr*)&three, sizeof three);
  char host[64], port[16], fd1[16], fd2[16];
  target_text(host, sizeof host, port, sizeof port);
  snprintf(fd1, sizeof fd1, "%d", unbound);
  snprintf(fd2, sizeof fd2, "%d", bound);
  char* argv[] = {(char*)g_self, "inherited", host, port, fd1, fd2, NULL};
  return spawn_and_wait(argv);
}

static void send_fd(const char* who, int fd) {
  ssize_t n = sendto(fd, who, strlen(who), 0, (struct sockaddr*)&g_dst, sizeof g_dst);
  printf("%s rc=%d errno=%s\n", who, n < 0 ? -1 : 0, name_of(n < 0 ? errno : 0));
}

/* One datagram each, its text naming the case (the peer reports the source). */
static int behind_udp(void) {
  int s = raw_socket(SOCK_DGRAM);
  send_fd("raw-socket", s);
  close(s);
  int u = socket(AF_INET, SOCK_STREAM, 0);   /* known, then closed: the number is free */
  close(u);
  s = raw_socket(SOCK_DGRAM);
  printf("reused %s\n", s == u ? "yes" : "no");
  raw_bind(s, "127.0.0.3");
  send_fd("reused-bound", s);
  close(s);
  return 0;
}

/* Cancellation: the thread is cancelled before it makes the call, so that the
 * cancellation acts inside the C library's function, under the library's hook
 * (deferred cancellation is acted upon when a cancellation point is entered,
 * blocked or not). It waits by spinning: every blocking wait is a cancellation
 * point itself. */
static atomic_int g_go;

static void* cancelled_call(void* arg) {
  const char* call = arg;
  while (!atomic_load(&g_go)) {
  }
  char byte = 0;
  if (strcmp(call, "connect") == 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    connect(fd, (struct sockaddr*)&g_dst, sizeof g_dst);   /* a rule matches: bound, then connected */
  } else if (strcmp(call, "sendto") == 0) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(fd, &byte, 1, 0, (struct sockaddr*)&g_dst, sizeof g_dst);   /* sent with our packet info */
  } else if (strcmp(call, "sendmsg") == 0 || strcmp(call, "sendmmsg") == 0) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct iovec iov = {&byte, 1};
    struct mmsghdr m = {.msg_hdr = {.msg_name = &g_dst, .msg_namelen = sizeof g_dst, .msg_iov = &iov, .msg_iovlen = 1}};
    if (call[4] == 'm') sendmmsg(fd, &m, 1, 0); else sendmsg(fd, &m.msg_hdr, 0);
  } else if (strcmp(call, "accept") == 0 || strcmp(call, "accept4") == 0) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any = {.sin_family = AF_INET};
    bind(fd, (struct sockaddr*)&any, sizeof any);
    listen(fd, 1);
    if (call[6] == '4') accept4(fd, NULL, NULL, 0); else accept(fd, NULL, NULL);
  } else if (strcmp(call, "close") == 0) {
    close(socket(AF_INET, SOCK_STREAM, 0));
  }
  return NULL;   /* not cancelled: reported by the caller */
}

static int cancel_in_calls(void) {
  const char* calls[] = {"connect", "sendto", "sendmsg", "sendmmsg", "accept", "accept4", "close"};
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; ++i) {
    atomic_store(&g_go, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, cancelled_call, (void*)calls[i]) != 0) return 1;
    pthread_cancel(t);
    atomic_store(&g_go, 1);
    void* result;
    pthread_join(t, &result);
    printf("cancel-%s cancelled=%d\n", calls[i], result == PTHREAD_CANCELED);
  }
  return 0;
}

static int run_child(const char* how) {
  char host[64], port[16];
  target_text(host, sizeof host, port, sizeof port);
  char* argv[] = {(char*)g_self, "plain", host, port, NULL};
  if (strcmp(how, "vfork") != 0) return spawn_and_wait(argv);
  pid_t pid = vfork();
  if (pid == 0) { execv(g_self, argv); _exit(127); }
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char** argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s MODE HOST PORT [LIB]\n", argv[0]); return 2; }
  setvbuf(stdout, NULL, _IONBF, 0);
  g_self = argv[0];
  g_dst.sin_family = AF_INET;
  g_dst.sin_port = htons((unsigned short)atoi(argv[3]));
  inet_pton(AF_INET, argv[2], &g_dst.sin_addr);
  const char* mode = argv[1];
  if (strcmp(mode, "plain") == 0) {
    connect_once("plain");
  } else if (strcmp(mode, "fork") == 0) {
    pid_t pid = fork();
    if (pid == 0) { connect_once("child"); _exit(0); }
    waitpid(pid, NULL, 0);
    connect_once("parent");
  } else if (strcmp(mode, "vfork") == 0 || strcmp(mode, "spawn") == 0) {
    return run_child(mode);
  } else if (strcmp(mode, "signal") == 0) {
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
  } else if (strcmp(mode, "dlopen") == 0 && argc >= 5) {
    if (!dlopen(argv[4], RTLD_NOW)) { printf("dlopen failed: %s\n", dlerror()); return 1; }
  } else if (strcmp(mode, "badcalls") == 0) {
    bad_calls();
  } else if (strcmp(mode, "behind") == 0) {
    return behind();
  } else if (strcmp(mode, "behind-udp") == 0) {
    return behind_udp();
  } else if (strcmp(mode, "cancel") == 0) {
    return cancel_in_calls();
  } else if (strcmp(mode, "inherited") == 0 && argc >= 6) {
    connect_fd("inherited-unbound", atoi(argv[4]));
    connect_fd("inherited-bound", atoi(argv[5]));
  } else {
    return 2;
  }
  return 0;
}
