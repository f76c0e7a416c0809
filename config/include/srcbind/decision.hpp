// The one decision: what to do with a socket call whose destination matched a
// rule, given what is known about the socket. The library's hooks apply it,
// `srcbind --explain` prints it for a fresh socket, and its table test
// (tests/config/decision_test.cpp) is the specification in code.
//
// Pure: no system call, no allocation, no exception; safe in a signal handler.
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/rule.hpp"

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

Decision decide(const Rule& rule, const Endpoint& destination, SocketCall call, const SocketState& socket) noexcept;

}  // namespace srcbind
