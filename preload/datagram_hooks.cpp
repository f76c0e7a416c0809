// sendto / sendmsg / sendmmsg with a destination:
//  - an unconnected datagram gets the rule's source per datagram (packet-info
//    control message), the socket stays unbound (SPEC, docs/linux-facts.md Q3);
//  - MSG_FASTOPEN on a stream socket is a connect (docs/linux-facts.md Q4).
#include "control_message.hpp"
#include "errno_guard.hpp"
#include "fd_table.hpp"
#include "hooks.hpp"
#include "hot_path.hpp"
#include "real_functions.hpp"
#include "steering.hpp"

#include <cerrno>

namespace srcbind::preload {
namespace {

// What to do with one send.
struct SendPlan {
  const Runtime* runtime = nullptr;
  Target target;            // find_target's, when it found a rule
  PacketInfo info;          // info.present: add it
  int error = 0;            // != 0: fail the call with it
};

// `app_has_packet_info`: the program set its own source for this datagram.
SRCBIND_FULL void decide_send(int fd, const sockaddr* addr, socklen_t len, int flags, bool app_has_packet_info,
                 SendPlan& plan) noexcept {
  const Runtime* rt = is_internet(addr) ? Runtime::get() : nullptr;
  if (!rt || !rt->has_rules() || !find_target(*rt, fd, addr, len, plan.target)) return;
  plan.runtime = rt;
  if (!plan.target.datagram) {
    if (flags & MSG_FASTOPEN) {
      ErrnoGuard keep_errno;   // setsockopt, bind
      plan.error = prepare_connect(*rt, fd, plan.target);
    }
    return;
  }
  if (!app_has_packet_info) plan.error = prepare_datagram(*rt, plan.target, plan.info);
}

SRCBIND_FULL void plan_send(int fd, const sockaddr* addr, socklen_t len, int flags, bool app_has_packet_info,
               SendPlan& plan) noexcept {
  if (addr == nullptr) return;   // a connected socket: handled at connect()
  // No ErrnoGuard here: find_target and prepare_datagram keep errno themselves,
  // and on the usual path they make no call that could change it (reading errno
  // costs two calls through the PLT, and their pages: see hot_path.hpp).
  decide_send(fd, addr, len, flags, app_has_packet_info, plan);
  if (plan.error == 0) fd_table::note_send(fd, (flags & MSG_FASTOPEN) != 0);
}

// Errors by which the kernel refuses a source in a packet-info message
// (docs/linux-facts.md Q3: v4 ENETUNREACH, v6 EINVAL; EADDRNOTAVAIL, ENODEV for devices).
bool is_source_error(int error) noexcept {
  return error == EADDRNOTAVAIL || error == ENETUNREACH || error == EINVAL || error == ENODEV || error == ENXIO;
}

// Sends `ours` (the program's `msg` with our packet-info); with on_error =
// continue a refused source is sent again as the program wrote it.
SRCBIND_FULL ssize_t send_checked(int fd, const msghdr& ours, const msghdr& msg, int flags,
                                 const SendPlan& plan) {
  ssize_t n = real::sendmsg(fd, &ours, flags);
  if (n < 0 && is_source_error(errno)) {
    const int error = errno;
    bool resend;
    {
      ErrnoGuard keep_errno;
      resend = datagram_failed(*plan.runtime, plan.target, error);
    }
    if (resend) return real::sendmsg(fd, &msg, flags);
  }
  return n;
}

// `msg` may carry control data of the program's own: ours is appended to it.
SRCBIND_MSG ssize_t send_with_packet_info(int fd, const msghdr& msg, int flags, const SendPlan& plan) {
  ControlBuffer buffer;
  msghdr ours;
  if (!add_packet_info(msg, plan.info, buffer, ours)) {
    ErrnoGuard keep_errno;
    if (!datagram_failed(*plan.runtime, plan.target, ENOBUFS)) {
      errno = ENOBUFS;
      return -1;
    }
    return real::sendmsg(fd, &msg, flags);
  }
  return send_checked(fd, ours, msg, flags, plan);
}

// sendto's datagram as a sendmsg header, with `control` as its control data.
// Filled field by field: a header copied from one just written was a
// store-forwarding stall on every matched send (bench/README.md).
[[gnu::always_inline]] inline msghdr sendto_message(const sockaddr* addr, socklen_t addrlen, iovec& iov,
                                                   void* control, std::size_t control_length) noexcept {
  msghdr m{};
  m.msg_name = const_cast<sockaddr*>(addr);
  m.msg_namelen = addrlen;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = control_length;
  return m;
}

// A send that a rule may apply to (hook_sendto's fast path let it through).
[[gnu::noinline]] SRCBIND_FULL ssize_t sendto_steered(int fd, const void* buf, size_t len, int flags,
                                                     const sockaddr* addr, socklen_t addrlen) {
  SendPlan plan;
  plan_send(fd, addr, addrlen, flags, false, plan);
  if (plan.error) {
    errno = plan.error;
    return -1;
  }
  if (!plan.info.present) return real::sendto(fd, buf, len, flags, addr, addrlen);
  iovec iov{const_cast<void*>(buf), len};
  // sendto has no control data of its own: ours alone, in a small buffer.
  alignas(cmsghdr) unsigned char control[kPacketInfoSpace];
  const msghdr msg = sendto_message(addr, addrlen, iov, nullptr, 0);
  const msghdr ours = sendto_message(addr, addrlen, iov, control, write_packet_info(control, plan.info));
  return send_checked(fd, ours, msg, flags, plan);
}

// An auto-bound IPv4 datagram socket, to a destination the first-byte filter
// let through: the rule's plain source is added here, anything else goes the
// full way. A refused source goes the full way too, where the refusal is
// reported and on_error applied (the datagram was not sent: sending it again
// there is safe).
//
// Six arguments, as sendto's, and the runtime read again here (built: the hook
// saw it): the hook's call is then a jump, and after the syscall one return
// fewer goes unpredicted (bench/README.md, "One return fewer").
[[gnu::noinline]] SRCBIND_HOT ssize_t sendto_auto_bound_ipv4(int fd, const void* buf, size_t len, int flags,
                                                             const sockaddr* addr, socklen_t addrlen) {
  const Runtime& rt = *Runtime::if_ready();
  const PlainSteer plan = plain_steer_v4(rt, addr, SocketCall::datagram_send);
  if (plan.outcome == PlainSteer::no_rule) return real::sendto(fd, buf, len, flags, addr, addrlen);
  if (plan.outcome == PlainSteer::full_path) return sendto_steered(fd, buf, len, flags, addr, addrlen);
  iovec iov{const_cast<void*>(buf), len};
  alignas(cmsghdr) unsigned char control[kPacketInfoSpace];
  const msghdr message =
      sendto_message(addr, addrlen, iov, control, write_ipv4_packet_info(control, plan.source));
  const ssize_t n = real::sendmsg(fd, &message, flags);
  if (n < 0 && is_source_error(errno)) return sendto_steered(fd, buf, len, flags, addr, addrlen);
  return n;
}

}  // namespace

// The usual send, to an IPv4 destination no rule can match (a local resolver
// on loopback) from a socket the fd table has nothing to learn about (not its
// first send), is decided here with nothing on this frame's stack: the real
// call is then a jump, and after the syscall one return fewer goes unpredicted
// (bench/README.md, "One return fewer"). A matched IPv4 destination from an
// auto-bound socket (the second send on) takes the short way above; anything
// else goes the full way.
SRCBIND_HOT ssize_t hook_sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) {
  const Runtime* rt = Runtime::if_ready();   // not built yet: the full path builds it
  if (rt != nullptr && is_ipv4(addr, addrlen)) [[likely]] {
    // Read before the fd table's entry: a byte store there might alias it.
    const bool may_match = rt->may_find_v4(first_byte_v4(addr));
    if (fd_table::flags_of(fd) == fd_table::kAutoBoundIpv4Datagram) [[likely]] {
      if (!may_match) return real::sendto(fd, buf, len, flags, addr, addrlen);
      return sendto_auto_bound_ipv4(fd, buf, len, flags, addr, addrlen);
    }
    if (!may_match && fd_table::send_changes_nothing(fd, (flags & MSG_FASTOPEN) != 0)) {
      return real::sendto(fd, buf, len, flags, addr, addrlen);
    }
  }
  return sendto_steered(fd, buf, len, flags, addr, addrlen);
}

SRCBIND_MSG ssize_t hook_sendmsg(int fd, const msghdr* msg, int flags) {
  if (msg == nullptr) return real::sendmsg(fd, msg, flags);
  SendPlan plan;
  plan_send(fd, static_cast<const sockaddr*>(msg->msg_name), msg->msg_namelen, flags, has_packet_info(*msg), plan);
  if (plan.error) {
    errno = plan.error;
    return -1;
  }
  if (!plan.info.present) return real::sendmsg(fd, msg, flags);
  return send_with_packet_info(fd, *msg, flags, plan);
}

namespace {

// A batch in which no destination has a rule goes to the kernel exactly as the
// program made it (one lookup in memory per message, no syscall).
SRCBIND_MSG bool batch_has_rule(const Runtime& rt, const mmsghdr* msgs, unsigned vlen) noexcept {
  for (unsigned i = 0; i < vlen; ++i) {
    Endpoint destination;
    const msghdr& msg = msgs[i].msg_hdr;
    if (Endpoint::from_sockaddr(static_cast<const sockaddr*>(msg.msg_name), msg.msg_namelen, destination) &&
        rt.find(destination, Protocol::any) != nullptr) {
      return true;
    }
  }
  return false;
}

// Each message is decided on its own (a batch may mix destinations). The copies
// that carry our control data live on the stack, kChunk at a time: a batch of
// any size is sent whole, chunk after chunk, and the count is the kernel's: it
// stops at the first chunk that was not sent whole, as sendmmsg itself stops.
SRCBIND_MSG int send_batch(const Runtime& rt, int fd, mmsghdr* msgs, unsigned vlen, int flags) {
  constexpr unsigned kChunk = 16;
  mmsghdr copies[kChunk];
  ControlBuffer buffers[kChunk];
  int total = 0;
  for (unsigned start = 0; start < vlen;) {
    const unsigned want = vlen - start < kChunk ? vlen - start : kChunk;
    unsigned count = 0;
    bool changed = false;
    int error = 0;
    for (; count < want; ++count) {
      mmsghdr& in = msgs[start + count];
      SendPlan plan;
      plan_send(fd, static_cast<const sockaddr*>(in.msg_hdr.msg_name), in.msg_hdr.msg_namelen, flags,
                has_packet_info(in.msg_hdr), plan);
      if (plan.error) {
        error = plan.error;
        break;
      }
      copies[count] = in;
      if (!plan.info.present) continue;
      if (add_packet_info(in.msg_hdr, plan.info, buffers[count], copies[count].msg_hdr)) {
        changed = true;
        continue;
      }
      ErrnoGuard keep_errno;
      if (!datagram_failed(rt, plan.target, ENOBUFS)) {
        error = ENOBUFS;
        break;
      }
    }
    if (count == 0) {   // the first message of this chunk must fail
      if (total > 0) return total;
      errno = error;
      return -1;
    }
    mmsghdr* batch = changed ? copies : msgs + start;
    const int sent = real::sendmmsg(fd, batch, count, flags);
    if (sent < 0) return total > 0 ? total : -1;
    if (changed) {
      for (int i = 0; i < sent; ++i) msgs[start + static_cast<unsigned>(i)].msg_len = copies[i].msg_len;
    }
    total += sent;
    if (static_cast<unsigned>(sent) < count || error != 0) return total;
    start += count;
  }
  return total;
}

}  // namespace

SRCBIND_MSG int hook_sendmmsg(int fd, mmsghdr* msgs, unsigned int vlen, int flags) {
  const Runtime* rt = msgs != nullptr && vlen != 0 ? Runtime::get() : nullptr;
  if (rt == nullptr || !rt->has_rules() || !batch_has_rule(*rt, msgs, vlen)) {
    return real::sendmmsg(fd, msgs, vlen, flags);
  }
  return send_batch(*rt, fd, msgs, vlen, flags);
}

}  // namespace srcbind::preload
