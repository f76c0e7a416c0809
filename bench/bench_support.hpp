// What the benchmark programs share: their statistics, an IPv4 address, and a
// datagram that carries its own source (the floor every datagram row compares
// the steered send with: the program setting IP_PKTINFO itself).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace srcbind::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

inline sockaddr_in ipv4(const char* address, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, address, &a.sin_addr);
  return a;
}

// A listening TCP socket on `address` (SO_REUSEADDR, backlog 4096), on a port
// the kernel chose, returned in `port`. Aborts if it cannot listen: a benchmark
// without its peer has nothing to measure.
inline int tcp_listener(const char* address, int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in at = ipv4(address, 0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 || ::listen(fd, 4096) != 0) std::abort();
  socklen_t len = sizeof at;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &len);
  port = ntohs(at.sin_port);
  return fd;
}

// A 32-byte datagram to `destination` whose source is `source`, set by the
// sender itself: sendmsg(fd, &message.msg, 0). Not copyable: msg points into it.
struct OwnSourceDatagram {
  OwnSourceDatagram(const sockaddr_in& to, const char* source) : destination(to) {
    iov = {payload, sizeof payload};
    msg.msg_name = &destination;
    msg.msg_namelen = sizeof destination;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    inet_pton(AF_INET, source, &info.ipi_spec_dst);
    std::memcpy(CMSG_DATA(cm), &info, sizeof info);
  }
  OwnSourceDatagram(const OwnSourceDatagram&) = delete;
  OwnSourceDatagram& operator=(const OwnSourceDatagram&) = delete;

  sockaddr_in destination;
  char payload[32] = "datagram";
  iovec iov{};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr msg{};
};

}  // namespace srcbind::bench
