// Merging our packet-info control message into the program's own control data,
// in a caller-provided buffer (on the stack: no allocation per datagram).
#pragma once

#include "steering.hpp"

#include <sys/socket.h>

#include <cstddef>

namespace srcbind::preload {

// The program already chose a source for this datagram (IP_PKTINFO / IPV6_PKTINFO).
bool has_packet_info(const msghdr& msg) noexcept;

// A buffer for the program's control data plus ours.
struct alignas(cmsghdr) ControlBuffer {
  static constexpr std::size_t kCapacity = 256;
  unsigned char bytes[kCapacity];
};

// Room for our message alone (the larger, IPv6 one).
inline constexpr std::size_t kPacketInfoSpace = CMSG_SPACE(sizeof(in6_pktinfo));

// Writes our message alone at `at` (kPacketInfoSpace bytes, cmsghdr-aligned);
// returns its length for msg_controllen.
std::size_t write_packet_info(unsigned char* at, const PacketInfo& info) noexcept;

// The same for an IPv4 source alone (no interface), as prepare_datagram
// fills PacketInfo for it.
std::size_t write_ipv4_packet_info(unsigned char* at, in_addr source) noexcept;

// The bytes of the program's control data that the kernel reads (whole messages;
// 0 for a buffer shorter than one header).
std::size_t kernel_visible_length(const msghdr& msg) noexcept;

// Copies the program's control messages, appends `info`, and points `out` (a copy
// of `in`) at the result. False when it does not fit: the caller then sends
// nothing it cannot account for.
bool add_packet_info(const msghdr& in, const PacketInfo& info, ControlBuffer& buffer, msghdr& out) noexcept;

}  // namespace srcbind::preload
