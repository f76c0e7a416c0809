// What a rule's action makes of the two usual calls, decided once at load:
// a connect from a fresh IPv4 TCP socket and a datagram from an auto-bound
// IPv4 UDP socket (fd_table.hpp). For these the socket's whole state is known
// without asking, and the destination adds nothing but its family (decide()
// reads no more of it), so decide() gives the same answer for every call:
// the hooks' fast paths read it here, one word per action, instead of the
// action's record (docs/architecture.md, "Fast paths").
#pragma once

#include "srcbind/compiled_rules.hpp"
#include "srcbind/decision.hpp"

#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace srcbind::preload {

// Bit 32 + call: the decision for that call is plain, the rule's IPv4 source
// alone, in the low 32 bits (network byte order); clear: the full way decides
// and applies it (a device, a failure, a missing source...).
inline constexpr unsigned kPlainBit = 32;

inline std::uint64_t plain_sources_of(const ActionRecord& action) noexcept {
  std::uint64_t word = 0;
  for (const SocketCall call : {SocketCall::connect, SocketCall::datagram_send}) {
    const bool datagram = call == SocketCall::datagram_send;
    SocketState state;   // a fresh TCP socket; an auto-bound UDP one
    state.datagram = datagram;
    state.has_port = datagram;
    state.port_chosen_by_kernel = datagram;
    const Decision d = decide(action, Endpoint{}, call, state);   // an IPv4 destination
    const bool plain = d.verdict == Verdict::steer && d.source != nullptr && !d.set_device &&
                       !d.rebind_kernel_port && action.interface.empty() && (datagram ? d.packet_info : d.bind_no_port);
    if (!plain) continue;
    const in_addr source = d.source->to_in_addr();
    std::uint32_t bits;
    std::memcpy(&bits, &source, sizeof bits);
    word |= std::uint64_t{bits} | (std::uint64_t{1} << (kPlainBit + static_cast<unsigned>(call)));
  }
  return word;
}

}  // namespace srcbind::preload
