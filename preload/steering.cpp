#include "steering.hpp"

#include "errno_guard.hpp"
#include "fd_table.hpp"
#include "hot_path.hpp"
#include "real_functions.hpp"
#include "srcbind/decision.hpp"

#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace srcbind::preload {
namespace {

// docs/linux-facts.md Q2: the option lives at level IPPROTO_IP for AF_INET6 sockets too
// (24 at IPPROTO_IPV6 is IPV6_MTU).
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

void append_rule(LineBuffer& line, const Runtime& rt, const RuleRecord& rule) noexcept {
  LabelBuffer buffer;
  line.text(" (").rule(rt.label(rule, buffer), rule.line).text(")");
}

void append_call(LineBuffer& line, const Target& t) noexcept {
  line.text(t.datagram ? "udp " : "tcp ").endpoint(t.destination);
}

SRCBIND_COLD void log_applied_line(const Runtime& rt, const Target& t, const IpAddress* source, bool device) noexcept {
  ErrnoGuard keep_errno;
  const Logger& log = rt.logger();
  LineBuffer line = log.start();
  append_call(line, t);
  line.text(" ->");
  if (source) line.text(" ").address(*source);
  if (device) line.text(" dev ").text(t.action->interface.c_str());
  append_rule(line, rt, *t.rule);
  log.write(line);
}

void log_applied(const Runtime& rt, const Target& t, const IpAddress* source, bool device) noexcept {
  if (rt.logger().enabled(LogLevel::info)) log_applied_line(rt, t, source, device);
}

// SPEC: every decision to leave a matched socket alone is logged at info, with
// its reason. Returns 0: the call goes on as the program made it.
SRCBIND_COLD int left_alone_line(const Runtime& rt, const Target& t, const char* reason) noexcept {
  ErrnoGuard keep_errno;
  const Logger& log = rt.logger();
  LineBuffer line = log.start();
  append_call(line, t);
  line.text(" left alone: ").text(reason);
  append_rule(line, rt, *t.rule);
  log.write(line);
  return 0;
}

SRCBIND_COLD void log_other_protocol(const Runtime& rt, const Target& t) noexcept {
  ErrnoGuard keep_errno;
  const Logger& log = rt.logger();
  LineBuffer line = log.start();
  line.text("socket ").endpoint(t.destination).text(" left alone: not a TCP or UDP socket (an ICMP ping socket?)");
  append_rule(line, rt, *t.rule);
  log.write(line);
}

int left_alone(const Runtime& rt, const Target& t, const char* reason) noexcept {
  if (rt.logger().enabled(LogLevel::info)) left_alone_line(rt, t, reason);
  return 0;
}

// on_error: fail gives the errno back to the caller; continue logs and lets the
// call go on as if no rule had matched.
SRCBIND_COLD int failed(const Runtime& rt, const Target& t, const char* what, int error) noexcept {
  ErrnoGuard keep_errno;   // `error` may be errno itself: read before this
  const bool fail = t.action->on_error == OnError::fail;
  const Logger& log = rt.logger();
  if (log.enabled(fail ? LogLevel::error : LogLevel::warn)) {
    LineBuffer line = log.start();
    line.text(fail ? "error: " : "warning: ");
    append_call(line, t);
    line.text(": ").text(what).text(": ").error_name(error);
    append_rule(line, rt, *t.rule);
    line.text(fail ? "; the call fails (on_error = fail)" : "; sent as without srcbind (on_error = continue)");
    log.write(line);
  }
  return fail ? error : 0;
}

// The source in the socket's own family: an IPv4 source on an AF_INET6 socket
// (a mapped destination) is bound as ::ffff:a.b.c.d (docs/linux-facts.md Q8).
socklen_t make_source(const Target& t, const IpAddress& source, std::uint16_t port, std::uint32_t scope_id,
                      sockaddr_storage& out) noexcept {
  std::memset(&out, 0, sizeof out);
  if (t.socket_family == AF_INET) {
    auto& sin = reinterpret_cast<sockaddr_in&>(out);
    sin.sin_family = AF_INET;
    sin.sin_addr = source.to_in_addr();
    sin.sin_port = htons(port);
    return sizeof sin;
  }
  auto& sin6 = reinterpret_cast<sockaddr_in6&>(out);
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = source.to_in6_addr();
  sin6.sin6_port = htons(port);
  sin6.sin6_scope_id = scope_id;
  return sizeof sin6;
}

bool is_link_local(const IpAddress& a) noexcept {
  return a.family == Family::v6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

// A link-local source is an address only together with its link (docs/linux-facts.md Q18):
// the destination's scope when it has one, else the rule's interface. 0 when
// neither is known; the kernel then refuses the bind (EINVAL).
std::uint32_t source_scope(const Target& t, const IpAddress& source) noexcept {
  if (!is_link_local(source)) return 0;
  if (t.destination.scope_id != 0) return t.destination.scope_id;
  if (t.action->interface.empty()) return 0;
  ErrnoGuard keep_errno;
  return if_nametoindex(t.action->interface.c_str());
}

// A datagram socket whose port the kernel chose (a bind to 0.0.0.0:0, an earlier
// send) chose neither address nor port, so SPEC steers it (docs/linux-facts.md Q17); but a bound socket
// cannot be bound again. Disconnecting it gives the port back, as the kernel does
// for any socket whose port was not the program's (connect(AF_UNSPEC)); it is
// then bound to the source with that same port. Returns the port, 0 when the
// socket has none after all (a bind with IP_BIND_ADDRESS_NO_PORT), or -1 with errno.
int release_kernel_port(int fd) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  const unsigned port = ss.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port)
                                                : ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  if (port == 0) return 0;
  sockaddr_storage unspec{};
  unspec.ss_family = AF_UNSPEC;
  if (real::connect(fd, reinterpret_cast<const sockaddr*>(&unspec), sizeof unspec) != 0) return -1;
  return static_cast<int>(port);
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

// find_target for a socket the fd table cannot vouch for (not made through our
// socket(), or bound or connected since): its address, family and kind, from
// the kernel. Out of the hooks' code page: it makes syscalls anyway.
[[gnu::noinline]] SRCBIND_COLD bool ask_the_kernel(const Runtime& rt, int fd, sa_family_t destination_family,
                                                   const fd_table::Facts& facts, Target& out) noexcept {
  if (!local_address(fd, out.local)) return false;   // not a socket, or closed: the real call says so
  if (out.local.family != destination_family) return false;  // the real call fails with its own errno
  out.socket_family = out.local.family;
  if (facts.known) {
    out.datagram = facts.datagram;
    return true;
  }
  const SocketKind kind = socket_kind(fd);
  if (kind == SocketKind::other) {   // SPEC: TCP and UDP only (a ping socket is not UDP)
    if (rt.logger().enabled(LogLevel::info)) log_other_protocol(rt, out);
    return false;
  }
  out.datagram = kind == SocketKind::datagram;
  out.device_pinned = device_pinned(fd);
  return true;
}

}  // namespace

SRCBIND_FULL bool find_target(const Runtime& rt, int fd, const sockaddr* addr, socklen_t len,
                              Target& out) noexcept {
  Endpoint destination;
  if (!Endpoint::from_sockaddr(addr, len, destination)) return false;
  // The lookup comes first: a destination without a rule costs no syscall,
  // and writes nothing to `out` (steering.hpp, Target).
  const RuleRecord* rule = rt.find(destination, Protocol::any);
  if (!rule) return false;
  out = Target{};
  out.destination = destination;
  out.rule = rule;
  out.action = &rt.action(*out.rule);

  fd_table::Facts facts = fd_table::facts(fd);
  out.known = facts.known;
  out.connect_tried = facts.known && facts.connect_tried;
  out.auto_bound = facts.known && facts.datagram && facts.auto_bound;
  out.bound_by_program = facts.bound_by_program;
  out.device_pinned = facts.device_pinned;
  if (facts.known && !facts.connect_tried && !facts.bound_by_program) {
    // Created by our socket() hook, never bound nor connected: its address is
    // the wildcard, with a port only if a datagram went out. No need to ask the
    // kernel (one syscall is ~40 % of a datagram send).
    out.local = {.family = facts.ipv6 ? AF_INET6 : AF_INET,
                 .wildcard = true,
                 .port = facts.auto_bound ? LocalAddress::kSomePort : 0};
    if (out.local.family != addr->sa_family) return false;  // the real call fails with its own errno
    out.socket_family = out.local.family;
    out.datagram = facts.datagram;
  } else if (!ask_the_kernel(rt, fd, addr->sa_family, facts, out)) {
    return false;
  }
  if (rt.uses_protocol_filter()) {
    out.rule = rt.find(out.destination, out.datagram ? Protocol::udp : Protocol::tcp);
    if (!out.rule) return false;
    out.action = &rt.action(*out.rule);
  }
  // A mapped destination on a V6ONLY socket cannot be reached; the real call says so.
  if (out.destination.mapped && v6_only(fd)) {
    left_alone(rt, out, "an IPv6-only socket cannot reach an IPv4-mapped destination");
    return false;
  }
  return true;
}

namespace {

// What the fd table (else the kernel) says about the socket, as decide() takes it.
SocketState state_of(const Target& t) noexcept {
  SocketState s;
  s.datagram = t.datagram;
  s.local_wildcard = t.local.wildcard;
  s.has_port = t.local.port != 0;
  s.port_chosen_by_kernel = t.auto_bound;
  s.bound_by_program = t.bound_by_program;
  s.device_pinned = t.device_pinned;
  s.repeated_connect = t.connect_tried;
  return s;
}

// The verdicts that touch nothing: 0 to go on, or the errno for on_error.
int not_steered(const Runtime& rt, const Target& t, const Decision& d) noexcept {
  if (d.verdict == Verdict::left_alone) return left_alone(rt, t, d.reason);
  if (d.verdict == Verdict::fail) return failed(rt, t, d.reason, d.error);
  return 0;
}

}  // namespace

SRCBIND_FULL int prepare_connect(const Runtime& rt, int fd, const Target& t) noexcept {
  const Decision d = decide(*t.action, t.destination, SocketCall::connect, state_of(t));
  if (d.verdict != Verdict::steer) return not_steered(rt, t, d);
  const ActionRecord& rule = *t.action;
  int port = 0;
  if (d.rebind_kernel_port) {
    port = release_kernel_port(fd);
    if (port < 0) return failed(rt, t, "cannot release the port the kernel chose", errno);
  }
  if (d.set_device && real::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, rule.interface.c_str(),
                                       static_cast<socklen_t>(rule.interface.size() + 1)) != 0) {
    return failed(rt, t, "cannot set SO_BINDTODEVICE", errno);
  }
  if (d.source) {
    if (d.bind_no_port) {
      // A failure only costs the port scaling, so it is ignored.
      int on = 1;
      (void)real::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    }
    sockaddr_storage ss;
    socklen_t len = make_source(t, *d.source, static_cast<std::uint16_t>(port), source_scope(t, *d.source), ss);
    if (real::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
      const int error = errno;
      if (error == EINVAL && bound_behind_our_back(fd, t)) return 0;   // the program's bind: left alone
      return failed(rt, t, "cannot bind the source address", error);
    }
  }
  log_applied(rt, t, d.source, d.set_device);
  return 0;
}

SRCBIND_HOT bool bind_fresh_ipv4(int fd, in_addr source) noexcept {
  ErrnoGuard keep_errno;
  int on = 1;
  (void)real::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);   // as prepare_connect
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr = source;
  return real::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

SRCBIND_FULL int prepare_datagram(const Runtime& rt, const Target& t, PacketInfo& out) noexcept {
  out.present = false;
  const Decision d = decide(*t.action, t.destination, SocketCall::datagram_send, state_of(t));
  if (d.verdict != Verdict::steer) return not_steered(rt, t, d);
  if (!d.packet_info) return 0;
  const ActionRecord& rule = *t.action;
  const IpAddress* source = d.source;
  unsigned ifindex = 0;
  if (!rule.interface.empty()) {
    // The kernel takes the interface of a packet-info message as the egress link
    // (docs/linux-facts.md Q3). Unknown now (renamed, removed): on_error decides.
    ErrnoGuard keep_errno;
    ifindex = if_nametoindex(rule.interface.c_str());
    if (ifindex == 0) return failed(rt, t, "cannot find the interface", ENODEV);
  }
  if (ifindex == 0 && source && is_link_local(*source)) ifindex = t.destination.scope_id;
  if (!source && ifindex == 0) return 0;
  out.present = true;
  if (t.socket_family == AF_INET) {
    out.level = IPPROTO_IP;
    out.type = IP_PKTINFO;
    out.data.v4 = {};
    out.data.v4.ipi_ifindex = static_cast<int>(ifindex);
    if (source) out.data.v4.ipi_spec_dst = source->to_in_addr();
  } else {
    // Mapped destinations too: IPV6_PKTINFO with ::ffff:a.b.c.d (docs/linux-facts.md Q8).
    out.level = IPPROTO_IPV6;
    out.type = IPV6_PKTINFO;
    out.data.v6 = {};
    out.data.v6.ipi6_ifindex = ifindex;
    if (source) out.data.v6.ipi6_addr = source->to_in6_addr();
  }
  log_applied(rt, t, source, ifindex != 0);
  return 0;
}

bool datagram_failed(const Runtime& rt, const Target& t, int error) noexcept {
  return failed(rt, t, "the kernel refused the source", error) == 0;
}

}  // namespace srcbind::preload
