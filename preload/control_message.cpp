#include "control_message.hpp"

#include <cstring>

namespace srcbind::preload {

bool has_packet_info(const msghdr& msg) noexcept {
  if (msg.msg_control == nullptr || msg.msg_controllen < sizeof(cmsghdr)) return false;
  for (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(c))) {
    if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) ||
        (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)) {
      return true;
    }
  }
  return false;
}

bool add_packet_info(const msghdr& in, const PacketInfo& info, ControlBuffer& buffer, msghdr& out) noexcept {
  const std::size_t theirs = in.msg_control ? CMSG_ALIGN(in.msg_controllen) : 0;
  const std::size_t ours = CMSG_SPACE(info.size());
  if (theirs + ours > ControlBuffer::kCapacity) return false;
  std::memset(buffer.bytes, 0, theirs + ours);
  if (theirs) std::memcpy(buffer.bytes, in.msg_control, in.msg_controllen);

  auto* c = reinterpret_cast<cmsghdr*>(buffer.bytes + theirs);
  c->cmsg_level = info.level;
  c->cmsg_type = info.type;
  c->cmsg_len = CMSG_LEN(info.size());
  std::memcpy(CMSG_DATA(c), &info.data, info.size());

  out = in;
  out.msg_control = buffer.bytes;
  out.msg_controllen = theirs + ours;
  return true;
}

}  // namespace srcbind::preload
