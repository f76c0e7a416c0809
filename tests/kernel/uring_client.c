/* An io_uring connect for the kernel backend's tests: the connect is issued by
 * the kernel (IORING_OP_CONNECT), never through the C library's connect().
 *   uring_client ADDR PORT   prints the server's answer (the address it saw) */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  if (argc != 3)
    return 64;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
    return 64;
  struct io_uring ring;
  int err = io_uring_queue_init(4, &ring, 0);
  if (err < 0) {
    printf("io_uring unavailable: %s\n", strerror(-err));
    return 0;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
  io_uring_prep_connect(sqe, fd, (struct sockaddr *)&to, sizeof to);
  sqe->flags |= IOSQE_ASYNC; /* in an io-wq worker thread (iou-wrk-N), not the caller */
  io_uring_submit(&ring);
  struct io_uring_cqe *cqe;
  if (io_uring_wait_cqe(&ring, &cqe) < 0 || cqe->res < 0) {
    printf("connect: %s\n", strerror(cqe ? -cqe->res : 0));
    return 2;
  }
  io_uring_cqe_seen(&ring, cqe);
  char line[128];
  ssize_t n = read(fd, line, sizeof line - 1);
  line[n > 0 ? n : 0] = 0;
  printf("%s", line);
  return 0;
}
