// srcbind_test_client: a small client that the integration tests run under
// LD_PRELOAD. It calls libc the way real clients do and prints, per call, what
// happened (rc, errno name, local address), so that tests can compare runs with
// and without the library.
//
//   tcp HOST PORT [--count N] [--threads T] [--nonblock] [--asio] [--mapped]
//       [--bind ADDR] [--bind-noport ADDR] [--device DEV] [--v6only]
//       [--send TEXT] [--close-fds] [--wait-stdin] [--eintr] [--tfo] [--run CMD]
//       [--report]                      (several HOST PORT pairs: threads alternate)
//   udp HOST PORT [HOST PORT]... [--mode sendto|sendmsg|sendmmsg|connect]
//       [--bind ADDR:PORT] [--ttl N] [--own-pktinfo ADDR] [--mapped] [--reply]
//       [--batch N] (sendmmsg of N messages, the targets in turn)
//       [--short-control] (sendmsg with control data shorter than one header)
//   udp-answer 0.0.0.0 PORT   a server: binds 0.0.0.0:PORT, answers one datagram
//   ping HOST 0      an ICMP echo from a ping socket (SOCK_DGRAM, IPPROTO_ICMP);
//                    prints the address the reply was sent to
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>  // before Boost 1.74 asio: its awaitable.hpp needs std::exchange under C++20
#include <boost/asio.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

struct Options {
  std::string mode;
  std::vector<std::pair<std::string, int>> targets;
  int count = 1, threads = 1;
  bool nonblock = false, asio = false, mapped = false, v6only = false, close_fds = false, wait_stdin = false,
       eintr = false, reply = false, tfo = false, report = false;
  std::string bind_addr, bind_noport, device, send_text, udp_mode = "sendto", own_pktinfo, run_first;
  int ttl = 0, batch = 0;
  bool short_control = false;
};

const char* errno_name(int e) { return e ? strerrorname_np(e) : "0"; }

// HOST as a sockaddr: IPv4, IPv6, or (with --mapped) IPv4 as ::ffff:a.b.c.d.
socklen_t make_addr(const std::string& host, int port, bool mapped, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  in_addr a4;
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1 && !mapped) {
    auto& s = reinterpret_cast<sockaddr_in&>(ss);
    s.sin_family = AF_INET;
    s.sin_port = htons(static_cast<uint16_t>(port));
    s.sin_addr = a4;
    return sizeof s;
  }
  auto& s6 = reinterpret_cast<sockaddr_in6&>(ss);
  s6.sin6_family = AF_INET6;
  s6.sin6_port = htons(static_cast<uint16_t>(port));
  std::string h = mapped && host.find(':') == std::string::npos ? "::ffff:" + host : host;
  if (auto percent = h.find('%'); percent != std::string::npos) {   // fe80::b%nic0
    s6.sin6_scope_id = if_nametoindex(h.c_str() + percent + 1);
    h.resize(percent);
  }
  if (inet_pton(AF_INET6, h.c_str(), &s6.sin6_addr) != 1) {
    std::fprintf(stderr, "bad address %s\n", host.c_str());
    std::exit(2);
  }
  return sizeof s6;
}

std::string local_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char buf[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto& s = reinterpret_cast<sockaddr_in&>(ss);
    inet_ntop(AF_INET, &s.sin_addr, buf, sizeof buf);
    port = ntohs(s.sin_port);
  } else {
    auto& s = reinterpret_cast<sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &s.sin6_addr, buf, sizeof buf);
    port = ntohs(s.sin6_port);
  }
  return std::string(buf) + ":" + std::to_string(port);
}

void program_binds(int fd, int family, const Options& o) {
  const std::string& addr = o.bind_noport.empty() ? o.bind_addr : o.bind_noport;
  if (addr.empty()) return;
  if (!o.bind_noport.empty()) {
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  }
  sockaddr_storage ss;
  socklen_t len = make_addr(addr, 0, family == AF_INET6 && addr.find(':') == std::string::npos, ss);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) std::printf("program-bind rc=-1 errno=%s\n", errno_name(errno));
}

std::atomic<int> g_failures{0};

// Open descriptors and resident memory, for soak tests.
void report_resources(const char* when) {
  int fds = 0;
  for (int fd = 0; fd < 65536; ++fd) fds += fcntl(fd, F_GETFD) != -1;
  long rss = -1;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "VmRSS:", 6) == 0) rss = std::atol(line + 6);
    }
    std::fclose(f);
  }
  std::printf("report %s fds=%d rss_kib=%ld\n", when, fds, rss);
}
void on_alarm(int) {}

// Reads the server's greeting to the end (the server closes first).
void drain(int fd, const Options& o) {
  if (!o.send_text.empty()) (void)!write(fd, o.send_text.data(), o.send_text.size());
  char buf[256];
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

void one_tcp(const Options& o, bool print, size_t target = 0) {
  sockaddr_storage dst;
  socklen_t dlen = make_addr(o.targets[target].first, o.targets[target].second, o.mapped, dst);
  int fd = socket(dst.ss_family, SOCK_STREAM | (o.nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) { std::printf("socket errno=%s\n", errno_name(errno)); ++g_failures; return; }
  if (o.v6only) { int one = 1; setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one); }
  if (!o.device.empty()) {
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o.device.c_str(), static_cast<socklen_t>(o.device.size() + 1)) != 0)
      std::printf("program-device rc=-1 errno=%s\n", errno_name(errno));
  }
  program_binds(fd, dst.ss_family, o);
  if (o.eintr) {
    struct sigaction sa{};
    sa.sa_handler = on_alarm;   // no SA_RESTART
    sigaction(SIGALRM, &sa, nullptr);
    ualarm(200000, 0);
  }
  errno = EXDEV;   // a success must leave it alone
  int rc = o.tfo ? static_cast<int>(sendto(fd, "tfo", 3, MSG_FASTOPEN | MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&dst), dlen))
                 : connect(fd, reinterpret_cast<sockaddr*>(&dst), dlen);
  if (o.tfo && rc == 3) rc = 0;
  int err = errno;
  char dev[IFNAMSIZ] = {};
  socklen_t devlen = sizeof dev;
  getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &devlen);
  if (print) std::printf("connect#1 rc=%d errno=%s local=%s dev=%s\n", rc, errno_name(err), local_of(fd).c_str(), dev[0] ? dev : "-");
  if (o.nonblock || o.eintr) {
    // Poll, then repeat the connect the way non-blocking clients do (after an
    // EINTR the socket is made non-blocking: a blocking retry would wait again).
    if (o.eintr) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (int attempt = 2; attempt <= 3; ++attempt) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 1000);
      errno = EXDEV;
      rc = connect(fd, reinterpret_cast<sockaddr*>(&dst), dlen);
      if (print) std::printf("connect#%d rc=%d errno=%s\n", attempt, rc, errno_name(errno));
    }
  } else if (rc != 0) {
    ++g_failures;
  }
  if (rc == 0) drain(fd, o);
  close(fd);
}

void run_asio(const Options& o) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::ip::tcp::endpoint ep(asio::ip::make_address(o.targets[0].first), static_cast<unsigned short>(o.targets[0].second));
  boost::system::error_code result;
  socket.async_connect(ep, [&](boost::system::error_code ec) { result = ec; });
  io.run();
  std::printf("asio-connect ec=%d local=%s\n", result.value(), local_of(socket.native_handle()).c_str());
  if (result) ++g_failures;
  Options drained = o;
  drain(socket.native_handle(), drained);
}

int run_tcp(const Options& o) {
  if (o.close_fds) {
    // A daemon's start-up: every descriptor but 0-2 closed, stderr put elsewhere.
    close_range(3, ~0U, 0);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    close(null);
  }
  if (!o.run_first.empty() && system(o.run_first.c_str()) != 0) std::printf("run-first failed\n");
  if (o.wait_stdin) {
    char c;
    (void)!read(0, &c, 1);
  }
  if (o.asio) { run_asio(o); return g_failures ? 1 : 0; }
  const bool print = o.threads == 1 && o.count <= 100;
  if (o.report) report_resources("start");
  if (o.threads == 1) {   // on the main thread: that is where a signal lands
    for (int i = 0; i < o.count; ++i) one_tcp(o, print, static_cast<size_t>(i) % o.targets.size());
  }
  std::vector<std::thread> threads;
  for (int t = 0; o.threads > 1 && t < o.threads; ++t) {
    // Threads alternate between the targets: neighbouring threads need different sources.
    threads.emplace_back([&, t] { for (int i = 0; i < o.count; ++i) one_tcp(o, print, static_cast<size_t>(t) % o.targets.size()); });
  }
  for (auto& t : threads) t.join();
  if (o.report) report_resources("end");
  std::printf("done failures=%d\n", g_failures.load());
  return g_failures ? 1 : 0;
}

int run_udp(const Options& o) {
  sockaddr_storage first;
  make_addr(o.targets[0].first, o.targets[0].second, o.mapped, first);
  int fd = socket(first.ss_family, SOCK_DGRAM, 0);
  if (!o.bind_addr.empty()) {
    auto colon = o.bind_addr.rfind(':');
    sockaddr_storage b;
    socklen_t blen = make_addr(o.bind_addr.substr(0, colon), std::atoi(o.bind_addr.c_str() + colon + 1),
                               first.ss_family == AF_INET6 && o.bind_addr.find('.') != std::string::npos, b);
    if (bind(fd, reinterpret_cast<sockaddr*>(&b), blen) != 0) std::printf("program-bind errno=%s\n", errno_name(errno));
    std::printf("after-bind local=%s\n", local_of(fd).c_str());
  }
  std::vector<sockaddr_storage> dsts(o.targets.size());
  std::vector<socklen_t> lens(o.targets.size());
  for (size_t i = 0; i < o.targets.size(); ++i) lens[i] = make_addr(o.targets[i].first, o.targets[i].second, o.mapped, dsts[i]);
  char payload[] = "datagram";
  int failures = 0;
  if (o.udp_mode == "sendmmsg") {
    const size_t count = o.batch > 0 ? static_cast<size_t>(o.batch) : o.targets.size();
    std::vector<mmsghdr> msgs(count);
    std::vector<iovec> iovs(count);
    for (size_t i = 0; i < count; ++i) {
      iovs[i] = {payload, sizeof payload - 1};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_name = &dsts[i % o.targets.size()];
      msgs[i].msg_hdr.msg_namelen = lens[i % o.targets.size()];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    errno = EXDEV;
    int n = sendmmsg(fd, msgs.data(), static_cast<unsigned>(msgs.size()), 0);
    std::printf("sendmmsg rc=%d errno=%s lens=", n, errno_name(errno));
    for (auto& m : msgs) std::printf("%u,", m.msg_len);
    std::printf("\n");
    if (n != static_cast<int>(msgs.size())) ++failures;
  } else {
    for (size_t i = 0; i < o.targets.size(); ++i) {
      auto* dst = reinterpret_cast<sockaddr*>(&dsts[i]);
      ssize_t n;
      errno = EXDEV;
      if (o.udp_mode == "connect") {
        int rc = connect(fd, dst, lens[i]);
        std::printf("connect rc=%d errno=%s\n", rc, errno_name(errno));
        n = send(fd, payload, sizeof payload - 1, 0);
      } else if (o.udp_mode == "sendmsg") {
        iovec iov{payload, sizeof payload - 1};
        alignas(cmsghdr) unsigned char control[256] = {};
        msghdr msg{};
        msg.msg_name = dst;
        msg.msg_namelen = lens[i];
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        size_t used = 0;
        if (o.ttl) {
          auto* c = reinterpret_cast<cmsghdr*>(control);
          bool v6 = dst->sa_family == AF_INET6;
          c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
          c->cmsg_type = v6 ? IPV6_HOPLIMIT : IP_TTL;
          c->cmsg_len = CMSG_LEN(sizeof(int));
          std::memcpy(CMSG_DATA(c), &o.ttl, sizeof(int));
          used += CMSG_SPACE(sizeof(int));
        }
        if (!o.own_pktinfo.empty()) {
          auto* c = reinterpret_cast<cmsghdr*>(control + used);
          in_pktinfo pi{};
          inet_pton(AF_INET, o.own_pktinfo.c_str(), &pi.ipi_spec_dst);
          c->cmsg_level = IPPROTO_IP;
          c->cmsg_type = IP_PKTINFO;
          c->cmsg_len = CMSG_LEN(sizeof pi);
          std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
          used += CMSG_SPACE(sizeof pi);
        }
        if (used) { msg.msg_control = control; msg.msg_controllen = used; }
        if (o.short_control) {   // the kernel reads no header from fewer bytes than one
          msg.msg_control = control;
          msg.msg_controllen = 4;
          std::memset(control, 0x5a, 4);
        }
        n = sendmsg(fd, &msg, 0);
      } else {
        n = sendto(fd, payload, sizeof payload - 1, 0, dst, lens[i]);
      }
      std::printf("send#%zu rc=%zd errno=%s local=%s\n", i + 1, n, errno_name(errno), local_of(fd).c_str());
      if (n < 0) ++failures;
    }
  }
  if (o.reply) {
    // Every datagram is answered: the answers must reach this unconnected socket.
    size_t replies = 0;
    for (size_t i = 0; i < o.targets.size(); ++i) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 3000) <= 0) break;
      char buf[16];
      if (recv(fd, buf, sizeof buf, 0) > 0) ++replies;
    }
    std::printf("replies=%zu\n", replies);
    if (replies != o.targets.size()) ++failures;
  }
  std::printf("ttl-check local=%s\n", local_of(fd).c_str());
  close(fd);
  return failures ? 1 : 0;
}

// A UDP server on the wildcard with its own port: answers one datagram (10 s at most).
int run_udp_answer(const Options& o) {
  sockaddr_storage any;
  socklen_t len = make_addr(o.targets[0].first, o.targets[0].second, false, any);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&any), len) != 0) {
    std::printf("bind errno=%s\n", errno_name(errno));
    return 3;
  }
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 10000) <= 0) return 1;
  char buf[64];
  sockaddr_storage peer;
  socklen_t peer_len = sizeof peer;
  if (recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &peer_len) < 0) return 1;
  ssize_t n = sendto(fd, "answer", 6, 0, reinterpret_cast<sockaddr*>(&peer), peer_len);
  std::printf("answered rc=%zd\n", n);
  close(fd);
  return 0;
}

// An ICMP echo from a ping socket; the reply's destination (IP_PKTINFO) is the
// source the request left from.
int run_ping(const Options& o) {
  sockaddr_storage dst;
  socklen_t len = make_addr(o.targets[0].first, 0, false, dst);
  int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  if (fd < 0) {
    std::printf("ping socket errno=%s\n", errno_name(errno));
    return 3;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  unsigned char echo[16] = {8, 0};   // type 8 (echo request); the kernel fills id and checksum
  errno = EXDEV;
  ssize_t n = sendto(fd, echo, sizeof echo, 0, reinterpret_cast<sockaddr*>(&dst), len);
  std::printf("ping rc=%zd errno=%s\n", n, errno_name(errno));
  pollfd p{fd, POLLIN, 0};
  if (n < 0 || poll(&p, 1, 3000) <= 0) return 1;
  unsigned char buf[64];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) unsigned char control[128];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(fd, &msg, 0) < 0) return 1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &pi.ipi_addr, text, sizeof text);
      std::printf("reply-to=%s\n", text);
    }
  }
  close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s tcp|udp HOST PORT [HOST PORT]... [options]\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, nullptr, _IONBF, 0);   // a killed client still shows what it printed
  Options o;
  o.mode = argv[1];
  int i = 2;
  for (; i + 1 < argc && argv[i][0] != '-'; i += 2) o.targets.emplace_back(argv[i], std::atoi(argv[i + 1]));
  for (; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--count") o.count = std::atoi(next().c_str());
    else if (a == "--threads") o.threads = std::atoi(next().c_str());
    else if (a == "--nonblock") o.nonblock = true;
    else if (a == "--asio") o.asio = true;
    else if (a == "--mapped") o.mapped = true;
    else if (a == "--v6only") o.v6only = true;
    else if (a == "--close-fds") o.close_fds = true;
    else if (a == "--wait-stdin") o.wait_stdin = true;
    else if (a == "--eintr") o.eintr = true;
    else if (a == "--reply") o.reply = true;
    else if (a == "--tfo") o.tfo = true;
    else if (a == "--run") o.run_first = next();
    else if (a == "--report") o.report = true;
    else if (a == "--bind") o.bind_addr = next();
    else if (a == "--bind-noport") o.bind_noport = next();
    else if (a == "--device") o.device = next();
    else if (a == "--send") o.send_text = next();
    else if (a == "--mode") o.udp_mode = next();
    else if (a == "--ttl") o.ttl = std::atoi(next().c_str());
    else if (a == "--own-pktinfo") o.own_pktinfo = next();
    else if (a == "--batch") o.batch = std::atoi(next().c_str());
    else if (a == "--short-control") o.short_control = true;
    else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
  }
  if (o.targets.empty()) return 2;
  if (o.mode == "ping") return run_ping(o);
  if (o.mode == "udp-answer") return run_udp_answer(o);
  return o.mode == "udp" ? run_udp(o) : run_tcp(o);
}
