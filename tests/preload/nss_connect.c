/* A passwd database for glibc's NSS (libnss_srcbindtest.so.2) whose lookup by
 * uid connects to $NSS_TARGET ("HOST PORT") over TCP, as a directory service's
 * module (LDAP) does, and then finds nobody. Loaded when /etc/nsswitch.conf
 * says "passwd: srcbindtest": the library looks up the user's home in its
 * constructor when HOME is unset (the per-user file), so this connect runs
 * while the library is taking its start-up snapshot. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum nss_status _nss_srcbindtest_getpwuid_r(uid_t uid, struct passwd* result, char* buffer, size_t size,
                                            int* error) {
  (void)uid, (void)result, (void)buffer, (void)size;
  const char* target = getenv("NSS_TARGET");
  char host[64];
  int port = 0;
  if (target != NULL && sscanf(target, "%63s %d", host, &port) == 2) {
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    inet_pton(AF_INET, host, &to.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rc = connect(fd, (struct sockaddr*)&to, sizeof to);
    printf("nss rc=%d\n", rc);
    fflush(stdout);
    close(fd);
  }
  *error = ENOENT;
  return NSS_STATUS_NOTFOUND;
}
