#include "control_message.hpp"

#include <cstring>

#include "hot_path.hpp"

namespace srcbind::preload {

SRCBIND_MSG bool has_packet_info(const msghdr& msg) noexcept {
  if (msg.msg_control == nullptr || msg.msg_controllen < sizeof(cmsghdr)) return false;
  for (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(c))) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)) {
      return true;
    }
  }
  return false;
}

namespace {

// Our message at `at`, padding zeroed: the kernel reads whole CMSG_SPACE units.
template <class Data>
std::size_t write_packet_info(unsigned char* at, int level, int type, const Data& data) noexcept {
  constexpr std::size_t space = CMSG_SPACE(sizeof(Data));
  std::memset(at, 0, space);
  auto* c = reinterpret_cast<cmsghdr*>(at);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(sizeof(Data));
  std::memcpy(CMSG_DATA(c), &data, sizeof data);
  return space;
}

}  // namespace

// How much of the program's control data the kernel reads: its messages up to
// the last whole header. Bytes after it, or a buffer shorter than one header,
// are ignored by the kernel, so they must not end up in front of ours, where
// they would be read as a (broken) header.
SRCBIND_MSG std::size_t kernel_visible_length(const msghdr& msg) noexcept {
  if (msg.msg_control == nullptr || msg.msg_controllen < sizeof(cmsghdr)) return 0;
  const auto* base = static_cast<const unsigned char*>(msg.msg_control);
  std::size_t end = 0;
  for (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(c))) {
    const std::size_t offset = static_cast<std::size_t>(reinterpret_cast<const unsigned char*>(c) - base);
    // A header whose length is broken: the kernel refuses the whole message
    // (EINVAL), and so it will with ours after it; pass everything on.
    if (c->cmsg_len < sizeof(cmsghdr) || offset + c->cmsg_len > msg.msg_controllen) return msg.msg_controllen;
    end = offset + c->cmsg_len;
  }
  return end;
}

SRCBIND_FULL std::size_t write_packet_info(unsigned char* at, const PacketInfo& info) noexcept {
  return info.level == IPPROTO_IP ? write_packet_info(at, info.level, info.type, info.data.v4)
                                  : write_packet_info(at, info.level, info.type, info.data.v6);
}

SRCBIND_HOT std::size_t write_ipv4_packet_info(unsigned char* at, in_addr source) noexcept {
  in_pktinfo data{};
  data.ipi_spec_dst = source;
  return write_packet_info(at, IPPROTO_IP, IP_PKTINFO, data);
}

SRCBIND_MSG bool add_packet_info(const msghdr& in, const PacketInfo& info, ControlBuffer& buffer, msghdr& out) noexcept {
  const std::size_t length = kernel_visible_length(in);
  const std::size_t theirs = CMSG_ALIGN(length);
  if (theirs + CMSG_SPACE(info.size()) > ControlBuffer::kCapacity) return false;
  if (theirs) {
    std::memcpy(buffer.bytes, in.msg_control, length);
    std::memset(buffer.bytes + length, 0, theirs - length);
  }
  // Fixed sizes per family: the copies become a few moves on the per-datagram path.
  const std::size_t ours = write_packet_info(buffer.bytes + theirs, info);
  out = in;
  out.msg_control = buffer.bytes;
  out.msg_controllen = theirs + ours;
  return true;
}

}  // namespace srcbind::preload
