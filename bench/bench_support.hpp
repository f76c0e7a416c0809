// What the benchmark programs share: their statistics, an IPv4 address, the
// peers that count where each connection or datagram came from, and a datagram
// that carries its own source (the floor every datagram row compares the
// steered send with: the program setting IP_PKTINFO itself).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
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

// Per slot (what a batch is counted for: its side, its kind of call), how many
// connections or datagrams a peer saw, and how many of them came from the
// benchmark's source.
template <int kSlots>
struct SourceCounts {
  long from_source[kSlots] = {};
  long seen[kSlots] = {};
};

// Accepts on `address` and counts each connection for the slot being measured.
// One listener and one thread for every slot: with one each, the scheduler's
// placement of the threads (2 cores) made one side persistently faster than the
// other, by up to 6 %, in a run where both sides made the same plain connect.
template <int kSlots>
class TcpSink {
 public:
  TcpSink(const char* address, const char* source) {
    inet_pton(AF_INET, source, &source_);
    fd_ = tcp_listener(address, port_);
    thread_ = std::thread([this] {
      for (;;) {
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        // System calls, not the C library's functions: the peer stands for
        // another host, and must not run through the library being measured
        // (its accept() and close() hooks write the fd table, whose cache line
        // the measured connect then took back from this thread every time:
        // bench/README.md, "The peer is another host").
        const int connection = static_cast<int>(
            ::syscall(SYS_accept4, fd_, reinterpret_cast<sockaddr*>(&peer), &length, 0));
        if (connection < 0) return;
        const int slot = slot_.load();
        if (peer.sin_addr.s_addr == source_.s_addr) ++from_source_[slot];
        ++seen_[slot];
        ::syscall(SYS_close, connection);
      }
    });
  }
  ~TcpSink() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  TcpSink(const TcpSink&) = delete;
  TcpSink& operator=(const TcpSink&) = delete;

  int port() const { return port_; }
  // The slot the next connections count for.
  void count_for(int slot) { slot_ = slot; }
  // Until the peer has seen `total` connections in all, at most 2 s (bounded),
  // so that the next batch's connections count for its own slot. Outside the
  // timed loop.
  void wait_for(long total) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (all_seen() < total && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  }
  SourceCounts<kSlots> counts() const {
    SourceCounts<kSlots> c;
    for (int i = 0; i < kSlots; ++i) c.from_source[i] = from_source_[i], c.seen[i] = seen_[i];
    return c;
  }

 private:
  long all_seen() const {
    long n = 0;
    for (const auto& s : seen_) n += s;
    return n;
  }

  int fd_ = -1;
  int port_ = 0;
  in_addr source_{};
  std::atomic<int> slot_{0};
  std::atomic<long> from_source_[kSlots] = {}, seen_[kSlots] = {};
  std::thread thread_;
};

// Receives on `address`, drained between batches: a receiving thread woken per
// datagram made the sender pay for wake-ups and scheduling on these 2 cores,
// which swamped the fraction of a microsecond being measured. Loopback delivers
// within the sender's syscall, so each batch is queued whole by the time it has
// been sent (the buffer holds far more than one batch).
template <int kSlots>
class UdpSink {
 public:
  UdpSink(const char* address, const char* source) {
    inet_pton(AF_INET, source, &source_);
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 8 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    sockaddr_in at = ipv4(address, 0);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) std::abort();
    socklen_t length = sizeof at;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&at), &length);
    port_ = ntohs(at.sin_port);
  }
  ~UdpSink() { ::close(fd_); }
  UdpSink(const UdpSink&) = delete;
  UdpSink& operator=(const UdpSink&) = delete;

  int port() const { return port_; }
  // Counts what has arrived for `slot`.
  void drain(int slot) {
    char buffer[64];
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    while (::recvfrom(fd_, buffer, sizeof buffer, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&peer), &length) >= 0) {
      if (peer.sin_addr.s_addr == source_.s_addr) ++counts_.from_source[slot];
      ++counts_.seen[slot];
      length = sizeof peer;
    }
  }
  const SourceCounts<kSlots>& counts() const { return counts_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  in_addr source_{};
  SourceCounts<kSlots> counts_;
};

}  // namespace srcbind::bench
