// One socket call, from its destination to what is done to the socket:
//
//   destination ──► matcher ──► rule? ──► facts (fd table, else the kernel)
//        ──► decide() (config/, pure) ──► apply: bind(source) + device at
//            connect / MSG_FASTOPEN, or a packet-info control message per datagram
//
// An unmatched destination costs a lookup in memory and no syscall. What to do
// is decided in srcbind/decision.hpp; this file gathers facts and applies.
#pragma once

#include "plain_source.hpp"
#include "runtime.hpp"
#include "socket_probe.hpp"
#include "srcbind/decision.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace srcbind::preload {

// Made whole by find_target (`Target{}`, then its fields) when a rule matches.
// Its own fields have no initialisers: a hook's `Target target;` then costs a
// few stores instead of zeroing it all (on an unmatched send, the usual one,
// that zeroing was a measurable share of the hook: bench/README.md).
struct Target {
  const RuleRecord* rule;
  const ActionRecord* action;   // the rule's
  Endpoint destination;
  int socket_family;            // AF_INET or AF_INET6
  bool datagram;                // else stream
  bool bound_by_program;
  bool known;                   // the fd table saw the socket created
  bool connect_tried;           // known, and a connect went to the kernel before
  bool auto_bound;              // known datagram socket whose port the kernel chose
  bool device_pinned;           // the program chose a device itself
  LocalAddress local;
};

// Only these destinations build the rules (runtime.hpp): a program that talks
// to nothing but local sockets (syslog, D-Bus) never pays for them.
inline bool is_internet(const sockaddr* addr) noexcept {
  return addr != nullptr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6);
}

// The first byte of an IPv4 destination (is_ipv4()), as may_find_v4() takes it.
inline std::uint8_t first_byte_v4(const sockaddr* addr) noexcept {
  return reinterpret_cast<const unsigned char*>(addr)[offsetof(sockaddr_in, sin_addr)];
}

// An IPv4 destination, in a sockaddr long enough for one.
inline bool is_ipv4(const sockaddr* addr, socklen_t len) noexcept {
  return addr != nullptr && addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in));
}

// The usual matched call, decided without asking anything more: an IPv4
// destination, from a socket whose whole state the fd table vouches for
// (fd_table::kFreshIpv4Stream at connect, kAutoBoundIpv4Datagram at a send).
// The rule's decision is decide()'s, as on the full path, made at load for
// these two states (plain_source.hpp); only a plain one is applied by the
// caller itself: the rule's IPv4 source, with no device and nothing to log.
// Anything else (a device, a failure, info logging) takes the full path, which
// decides again and reports (docs/architecture.md, "Fast paths").
struct PlainSteer {
  enum Outcome : std::uint8_t { no_rule, use_source, full_path };
  Outcome outcome;
  in_addr source;   // use_source
};

// `addr`: is_ipv4() said so, a whole sockaddr_in.
[[gnu::always_inline]] inline PlainSteer plain_steer_v4(const Runtime& rt, const sockaddr* addr,
                                                        SocketCall call) noexcept {
  sockaddr_in in;
  std::memcpy(&in, addr, sizeof in);   // the caller's sockaddr may be unaligned
  const RuleRecord* rule = rt.find_v4(ntohl(in.sin_addr.s_addr), ntohs(in.sin_port),
                                      call == SocketCall::datagram_send ? Protocol::udp : Protocol::tcp);
  if (rule == nullptr) return {PlainSteer::no_rule, {}};
  const std::uint64_t plain = rt.plain_sources(*rule);
  if (((plain >> (kPlainBit + static_cast<unsigned>(call))) & 1) == 0 || rt.logs_applied()) {
    return {PlainSteer::full_path, {}};
  }
  PlainSteer out{PlainSteer::use_source, {}};
  out.source.s_addr = static_cast<std::uint32_t>(plain);
  return out;
}

// A fresh TCP socket bound to `source` as prepare_connect binds it (port 0,
// IP_BIND_ADDRESS_NO_PORT). Keeps errno; false when the bind failed: the full
// path then tries again and reports.
bool bind_fresh_ipv4(int fd, in_addr source) noexcept;

// Looks the destination up and learns what the decision needs about the socket.
// False: no rule applies, or the socket is of a kind srcbind leaves alone.
// Keeps errno (it asks the kernel only about sockets the fd table does not know).
bool find_target(const Runtime& rt, int fd, const sockaddr* addr, socklen_t len, Target& out) noexcept;

// connect() and MSG_FASTOPEN sends. For a socket that is not yet bound: device,
// then bind(source, port 0) with IP_BIND_ADDRESS_NO_PORT for TCP. Returns 0 to go
// on with the real call, or the errno the call must fail with (on_error = fail).
int prepare_connect(const Runtime& rt, int fd, const Target& target) noexcept;

// The packet-info control message for one datagram.
struct PacketInfo {
  bool present = false;     // false: the datagram goes as the program wrote it
  int level = 0;            // IPPROTO_IP (which is 0) or IPPROTO_IPV6
  int type = 0;             // IP_PKTINFO or IPV6_PKTINFO
  union {
    in_pktinfo v4;
    in6_pktinfo v6;
  } data{};
  socklen_t size() const noexcept { return level == IPPROTO_IP ? sizeof(in_pktinfo) : sizeof(in6_pktinfo); }
};

// Unconnected datagram sends. Fills `out` when the datagram must carry the rule's
// source (out.present), and leaves it alone when the datagram goes as the
// program wrote it. Returns 0, or
// the errno the call must fail with (on_error = fail). Keeps errno.
int prepare_datagram(const Runtime& rt, const Target& target, PacketInfo& out) noexcept;

// After the kernel refused a datagram that carried our source: log it, and tell
// whether to send it again without (on_error = continue).
bool datagram_failed(const Runtime& rt, const Target& target, int error) noexcept;

}  // namespace srcbind::preload
