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
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static int run_child(const char* how) {
  char* argv[] = {(char*)g_self, "plain", NULL, NULL, NULL};
  char host[64], port[16];
  inet_ntop(AF_INET, &g_dst.sin_addr, host, sizeof host);
  snprintf(port, sizeof port, "%d", ntohs(g_dst.sin_port));
  argv[2] = host;
  argv[3] = port;
  pid_t pid;
  if (strcmp(how, "vfork") == 0) {
    pid = vfork();
    if (pid == 0) { execv(g_self, argv); _exit(127); }
  } else {
    if (posix_spawn(&pid, g_self, NULL, NULL, argv, environ) != 0) return 1;
  }
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
  } else {
    return 2;
  }
  return 0;
}
