/* A library whose constructor connects to $EARLY_TARGET ("HOST PORT"): loaded
 * as a DT_NEEDED dependency its constructor runs before the preload library's
 * own (docs/linux-facts.md Q15); dlopen'ed late it connects in the middle of main. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((constructor)) static void early_connect(void) {
  const char* target = getenv("EARLY_TARGET");
  if (!target) return;
  char host[64];
  int port = 0;
  if (sscanf(target, "%63s %d", host, &port) != 2) return;
  struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, host, &dst.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int rc = connect(fd, (struct sockaddr*)&dst, sizeof dst);
  struct sockaddr_in local;
  socklen_t len = sizeof local;
  getsockname(fd, (struct sockaddr*)&local, &len);
  char buf[64];
  inet_ntop(AF_INET, &local.sin_addr, buf, sizeof buf);
  printf("early rc=%d local=%s\n", rc, buf);
  fflush(stdout);
  close(fd);
}
