#include "srcbind/decision.hpp"

#include <cerrno>

namespace srcbind {
namespace {

Decision left_alone(const char* reason) noexcept {
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
const char* program_owns(const SocketState& s, SocketCall call) noexcept {
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

}  // namespace

Decision decide(const Rule& rule, const Endpoint& destination, SocketCall call, const SocketState& s) noexcept {
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
