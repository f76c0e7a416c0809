/* A library that makes a TCP connection: loaded with RTLD_DEEPBIND by
 * srcbind_dlopen_main, as PHP loads its sockets extension. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connects to HOST:PORT; writes the local address into `local`; 0 on success. */
int deep_connect(const char* host, int port, char* local, size_t size) {
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int rc = connect(fd, (struct sockaddr*)&to, sizeof to);
  struct sockaddr_in me;
  socklen_t len = sizeof me;
  getsockname(fd, (struct sockaddr*)&me, &len);
  inet_ntop(AF_INET, &me.sin_addr, local, (socklen_t)size);
  close(fd);
  return rc;
}
