/* print_local_address HOST PORT: connects over TCP with connect(2) (through libc,
   so LD_PRELOAD sees it) and prints the local address of the connection. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 2;
  }
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  struct addrinfo* ai = NULL;
  if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
    fprintf(stderr, "bad address\n");
    return 2;
  }
  const int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    perror("connect");
    return 1;
  }
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  char text[INET6_ADDRSTRLEN] = "?";
  if (getsockname(fd, (struct sockaddr*)&local, &len) != 0) {
    perror("getsockname");
    return 1;
  }
  if (local.ss_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in*)&local)->sin_addr, text, sizeof text);
  else
    inet_ntop(AF_INET6, &((struct sockaddr_in6*)&local)->sin6_addr, text, sizeof text);
  printf("%s\n", text);
  freeaddrinfo(ai);
  close(fd);
  return 0;
}
