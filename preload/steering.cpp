#include "steering.hpp"

#include "errno_guard.hpp"
#include "fd_table.hpp"
#include "hot_path.hpp"
#include "real_functions.hpp"

#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace srcbind::preload {
namespace {

// LINUX-NOTES Q2: the option lives at level IPPROTO_IP for AF_INET6 sockets too
// (24 at IPPROTO_IPV6 is IPV6_MTU).
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

void append_rule(LineBuffer& line, const Rule& rule) noexcept {
  line.text(" (rule ");
  if (!rule.name.empty()) {
    line.text(rule.name);
  } else if (rule.line == 0) {
    line.text(rule.file);      // quick mode: SRCBIND_SOURCE / SRCBIND_INTERFACE
  } else {
    line.text("at line ").number(rule.line);
  }
  line.text(")");
}

void append_call(LineBuffer& line, const Target& t) noexcept {
  line.text(t.datagram ? "udp " : "tcp ").endpoint(t.destination);
}

SRCBIND_COLD void log_applied_line(const Logger& log, const Target& t, const IpAddress* source, bool device) noexcept {
  ErrnoGuard keep_errno;
  LineBuffer line = log.start();
  append_call(line, t);
  line.text(" ->");
  if (source) line.text(" ").address(*source);
  if (device) line.text(" dev ").text(t.rule->interface);
  append_rule(line, *t.rule);
  log.write(line);
}

void log_applied(const Runtime& rt, const Target& t, const IpAddress* source, bool device) noexcept {
  if (rt.logger().enabled(LogLevel::info)) log_applied_line(rt.logger(), t, source, device);
}

// on_error: fail gives the errno back to the caller; continue logs and lets the
// call go on as if no rule had matched.
SRCBIND_COLD int failed(const Runtime& rt, const Target& t, const char* what, int error) noexcept {
  ErrnoGuard keep_errno;   // `error` may be errno itself: read before this
  const bool fail = t.rule->on_error == OnError::fail;
  const Logger& log = rt.logger();
  if (log.enabled(fail ? LogLevel::error : LogLevel::warn)) {
    LineBuffer line = log.start();
    line.text(fail ? "error: " : "warning: ");
    append_call(line, t);
    line.text(": ").text(what).text(": ").error_name(error);
    append_rule(line, *t.rule);
    line.text(fail ? "; the call fails (on_error = fail)" : "; sent as without srcbind (on_error = continue)");
    log.write(line);
  }
  return fail ? error : 0;
}

// The source in the socket's own family: an IPv4 source on an AF_INET6 socket
// (a mapped destination) is bound as ::ffff:a.b.c.d (LINUX-NOTES Q8).
socklen_t make_source(const Target& t, const IpAddress& source, sockaddr_storage& out) noexcept {
  std::memset(&out, 0, sizeof out);
  if (t.socket_family == AF_INET) {
    auto& sin = reinterpret_cast<sockaddr_in&>(out);
    sin.sin_family = AF_INET;
    sin.sin_addr = source.to_in_addr();
    return sizeof sin;
  }
  auto& sin6 = reinterpret_cast<sockaddr_in6&>(out);
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = source.to_in6_addr();
  return sizeof sin6;
}

// EINVAL from our bind: the socket is bound already, though the fd table said
// it was not. That happens when the program closed a socket and made and bound
// a new one under the same number without libc (raw syscalls): the table's entry
// is stale. Ask the kernel; a bound socket is the program's, as SPEC says.
SRCBIND_COLD bool bound_behind_our_back(int fd, const Target& t) noexcept {
  if (!t.known) return false;   // the kernel was asked already
  LocalAddress local;
  if (!local_address(fd, local) || (local.wildcard && local.port == 0)) return false;
  fd_table::mark_bound_by_program(fd);
  return true;
}

}  // namespace

SRCBIND_SEND bool find_target(const Runtime& rt, int fd, const sockaddr* addr, socklen_t len, Target& out) noexcept {
  if (!Endpoint::from_sockaddr(addr, len, out.destination)) return false;
  // The lookup comes first: a destination without a rule costs no syscall.
  const Matcher& matcher = rt.matcher();
  out.rule = matcher.find(out.destination, Protocol::any);
  if (!out.rule) return false;

  fd_table::Facts facts = fd_table::facts(fd);
  out.known = facts.known;
  out.bound_by_program = facts.bound_by_program;
  out.device_pinned = facts.device_pinned;
  if (facts.known && !facts.connect_tried && !facts.bound_by_program) {
    // Created by our socket() hook, never bound nor connected: its address is
    // the wildcard, with a port only if a datagram went out. No need to ask the
    // kernel (one syscall is ~40 % of a datagram send).
    out.local = {.family = facts.ipv6 ? AF_INET6 : AF_INET,
                 .wildcard = true,
                 .port = facts.auto_bound ? LocalAddress::kSomePort : 0};
  } else if (!local_address(fd, out.local)) {
    return false;   // not a socket, or closed: the real call says so
  }
  if (out.local.family != addr->sa_family) return false;  // the real call fails with its own errno
  out.socket_family = out.local.family;
  if (facts.known) {
    out.datagram = facts.datagram;
  } else {
    int type = socket_type(fd);
    if (type != SOCK_STREAM && type != SOCK_DGRAM) return false;   // SPEC: stream and datagram only
    out.datagram = type == SOCK_DGRAM;
    out.device_pinned = device_pinned(fd);
  }
  if (matcher.uses_protocol_filter()) {
    out.rule = matcher.find(out.destination, out.datagram ? Protocol::udp : Protocol::tcp);
    if (!out.rule) return false;
  }
  // A mapped destination on a V6ONLY socket cannot be reached; the real call says so.
  if (out.destination.mapped && v6_only(fd)) return false;
  return true;
}

SRCBIND_HOT int prepare_connect(const Runtime& rt, int fd, const Target& t) noexcept {
  // LINUX-NOTES Q5: unbound is "wildcard and port 0", nothing else. A repeated
  // connect (EINPROGRESS, EINTR, EALREADY) finds the socket bound and changes nothing.
  if (!t.local.wildcard || t.local.port != 0 || t.bound_by_program) return 0;
  // SPEC: a socket the program pinned to a device keeps it (curl --interface).
  // Binding our source on top could pair it with another NIC: a silent hang.
  if (t.device_pinned) return 0;

  const Rule& rule = *t.rule;
  if (rule.source_missing) return failed(rt, t, "its source @NAME was not on this host at start", EADDRNOTAVAIL);
  const bool device = !rule.interface.empty();
  if (device && real::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, rule.interface.c_str(),
                                 static_cast<socklen_t>(rule.interface.size() + 1)) != 0) {
    return failed(rt, t, "cannot set SO_BINDTODEVICE", errno);
  }
  const auto& source = rule.source_for(t.destination.address.family);
  if (source) {
    if (!t.datagram) {
      // The port is then chosen at connect() from the whole 4-tuple: many
      // connections to many servers do not run out of ports (LINUX-NOTES Q2).
      // A failure only costs that scaling, so it is ignored.
      int on = 1;
      (void)real::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    }
    sockaddr_storage ss;
    socklen_t len = make_source(t, *source, ss);
    if (real::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
      const int error = errno;
      if (error == EINVAL && bound_behind_our_back(fd, t)) return 0;   // the program's bind: left alone
      return failed(rt, t, "cannot bind the source address", error);
    }
  }
  log_applied(rt, t, source ? &*source : nullptr, device);
  return 0;
}

SRCBIND_SEND int prepare_datagram(const Runtime& rt, const Target& t, PacketInfo& out) noexcept {
  out.present = false;
  // SPEC: the program's own bind (wildcard with a port included) is left alone;
  // a port the kernel picked on an earlier send is not the program's doing. A
  // socket the fd table did not see created may have been bound by anyone:
  // leave it alone too. A specific local address means the replies come back
  // only to it: a different source would lose them (LINUX-NOTES Q3 C, D).
  if (!t.local.wildcard || t.bound_by_program || t.device_pinned) return 0;
  if (t.local.port != 0 && !t.known) return 0;

  const Rule& rule = *t.rule;
  if (rule.source_missing) return failed(rt, t, "its source @NAME was not on this host at start", EADDRNOTAVAIL);
  const auto& source = rule.source_for(t.destination.address.family);
  unsigned ifindex = 0;
  if (!rule.interface.empty()) {
    // The kernel takes the interface of a packet-info message as the egress link
    // (LINUX-NOTES Q3). Unknown now (renamed, removed): on_error decides.
    ErrnoGuard keep_errno;
    ifindex = if_nametoindex(rule.interface.c_str());
    if (ifindex == 0) return failed(rt, t, "cannot find the interface", ENODEV);
  }
  if (!source && ifindex == 0) return 0;
  out.present = true;
  if (t.socket_family == AF_INET) {
    out.level = IPPROTO_IP;
    out.type = IP_PKTINFO;
    out.data.v4 = {};
    out.data.v4.ipi_ifindex = static_cast<int>(ifindex);
    if (source) out.data.v4.ipi_spec_dst = source->to_in_addr();
  } else {
    // Mapped destinations too: IPV6_PKTINFO with ::ffff:a.b.c.d (LINUX-NOTES Q8).
    out.level = IPPROTO_IPV6;
    out.type = IPV6_PKTINFO;
    out.data.v6 = {};
    out.data.v6.ipi6_ifindex = ifindex;
    if (source) out.data.v6.ipi6_addr = source->to_in6_addr();
  }
  log_applied(rt, t, source ? &*source : nullptr, ifindex != 0);
  return 0;
}

bool datagram_failed(const Runtime& rt, const Target& t, int error) noexcept {
  return failed(rt, t, "the kernel refused the source", error) == 0;
}

}  // namespace srcbind::preload
