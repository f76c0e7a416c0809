// The one decision: what to do with a socket call whose destination matched a
// rule, given what is known about the socket. The library's hooks apply it,
// `srcbind --explain` prints it for a fresh socket, and its table test
// (tests/config/decision_test.cpp) is the specification in code.
//
// Pure: no system call, no allocation, no exception; safe in a signal handler.
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/rule.hpp"

#include <cerrno>
#include <cstdint>

namespace srcbind {

// A sendto/sendmsg with MSG_FASTOPEN on a TCP socket is a connect.
enum class SocketCall : std::uint8_t { connect, datagram_send };

// What is known about the socket at the call (the library: its fd table, else
// the kernel's answers). A fresh socket is the default.
struct SocketState {
  bool datagram = false;               // UDP (else TCP)
  bool local_wildcard = true;          // the local address is 0.0.0.0 or ::
  bool has_port = false;               // a local port is set
  bool port_chosen_by_kernel = false;  // that port was not the program's choice
  bool bound_by_program = false;       // the program bound it: an address, or a port of its own
  bool device_pinned = false;          // the program set SO_BINDTODEVICE
  bool repeated_connect = false;       // a connect on it went to the kernel before
};

enum class Verdict : std::uint8_t {
  unchanged,    // a repeated connect: decided (and logged) at the first one
  left_alone,   // matched, but the socket is the program's: `reason` says why
  fail,         // `error` goes to on_error before anything is done
  steer,        // apply what the fields below say
};

struct Decision {
  Verdict verdict = Verdict::unchanged;
  const char* reason = nullptr;       // left_alone, fail: why, for the log line
  int error = 0;                      // fail: the errno
  const IpAddress* source = nullptr;  // steer: the rule's source for the destination's family (none: interface only)
  bool set_device = false;            // steer, connect: SO_BINDTODEVICE to the rule's interface first
  bool bind_no_port = false;          // steer, connect on TCP: IP_BIND_ADDRESS_NO_PORT before the bind
  bool rebind_kernel_port = false;    // steer, connect: give the kernel's port back and bind source:that port
  bool packet_info = false;           // steer, datagram: the source (and interface) per datagram
};

namespace decision_detail {

inline Decision left_alone(const char* reason) noexcept {
  Decision d;
  d.verdict = Verdict::left_alone;
  d.reason = reason;
  return d;
}

// SPEC: a socket the program bound or pinned is the program's. An address means
// the replies come back only to it; a port of its own means a server (or a fixed
// client port) whose replies must leave as it expects; a device pinned by it
// (curl --interface) paired with our source could hang with no error.
// docs/linux-facts.md Q3, Q5, Q7, Q17.
inline const char* program_owns(const SocketState& s, SocketCall call) noexcept {
  if (s.bound_by_program) {
    if (!s.datagram) return "a TCP socket bound by the program cannot be rebound";
    return s.local_wildcard ? "bound by the program to a port of its own (a server's socket)"
                            : "bound by the program to an address";
  }
  if (s.device_pinned) return "pinned to a device by the program";
  if (!s.local_wildcard) return call == SocketCall::connect ? "already bound to an address" : "bound to an address (connected)";
  if (s.has_port && !s.port_chosen_by_kernel) return "bound to a port before srcbind saw it";
  return nullptr;
}

}  // namespace decision_detail

// `rule`: a Rule, or the ActionRecord the library keeps of one (compiled_rules.hpp);
// both spell source_for(), source_missing and interface alike, and the table
// test checks that they decide alike.
// Inline: it runs on every matched send, and compiled into its caller it adds no
// code page to the per-call path (preload/hot_path.hpp).
template <class RuleOrAction>
[[gnu::always_inline]] inline Decision decide(const RuleOrAction& rule, const Endpoint& destination, SocketCall call,
                                              const SocketState& s) noexcept {
  using namespace decision_detail;
  // docs/linux-facts.md Q5: a repeated connect (EINPROGRESS, EINTR, EALREADY)
  // finds the socket bound by the first one and changes nothing.
  if (call == SocketCall::connect && s.repeated_connect && !(s.local_wildcard && !s.has_port)) return {};
  if (const char* reason = program_owns(s, call)) return left_alone(reason);
  if (rule.source_missing) {
    Decision d;
    d.verdict = Verdict::fail;
    d.error = EADDRNOTAVAIL;
    d.reason = "its source @NAME was not on this host at start";
    return d;
  }
  Decision d;
  d.verdict = Verdict::steer;
  const auto& source = rule.source_for(destination.address.family);
  if (source) d.source = &*source;
  if (call == SocketCall::connect) {
    d.set_device = !rule.interface.empty();
    // The port is then chosen at connect() from the whole 4-tuple: many
    // connections to many servers do not run out of ports (docs/linux-facts.md Q2).
    d.bind_no_port = d.source != nullptr && !s.datagram;
    d.rebind_kernel_port = d.source != nullptr && s.has_port;
  } else {
    d.packet_info = d.source != nullptr || !rule.interface.empty();
  }
  return d;
}

}  // namespace srcbind
