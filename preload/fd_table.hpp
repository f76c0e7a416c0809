// What the library remembers about a descriptor, so that it need not ask the
// kernel on every call:
//  - the socket's family and type, when it was created through our socket() hook;
//  - whether the kernel may have bound it since: a connect was tried (bound to a
//    specific address, or pending), or a datagram was sent (auto-bound to the
//    wildcard and some port);
//  - whether the *program* bound it (SPEC: a datagram socket that the kernel
//    auto-bound on an earlier send is still ours to steer; one the program bound,
//    wildcard with a port included, is not — getsockname cannot tell them apart);
//  - whether the program pinned it to a device (SO_BINDTODEVICE / SO_BINDTOIFINDEX).
//
// One atomic byte per descriptor number in .bss: no allocation, no lock. The hooks
// on socket/close/dup*/fcntl/accept*/close_range keep it in step with the
// descriptor's life. A descriptor the library has not seen created (inherited
// across exec, made by a raw syscall) is "not known", and the callers ask the
// kernel instead.
#pragma once

#include <atomic>
#include <cstdint>

namespace srcbind::preload::fd_table {

// The table itself (fd_table.cpp), declared here for the one reader inlined
// into a hook's fast path (send_changes_nothing).
namespace detail {
// 2^20 descriptors (Debian's default hard RLIMIT_NOFILE is 2^19): 1 MiB of
// virtual memory, of which only the pages of descriptors in use are touched.
inline constexpr unsigned kSize = 1u << 20;
enum : std::uint8_t {
  kKnown = 1 << 0,
  kDatagram = 1 << 1,
  kBoundByProgram = 1 << 2,
  kDevicePinned = 1 << 3,
  kIpv6 = 1 << 4,
  kConnectTried = 1 << 5,
  kAutoBound = 1 << 6,
};
extern std::atomic<std::uint8_t> g_flags[kSize];
}  // namespace detail

struct Facts {
  bool known = false;             // created by our socket() hook: family and type are valid
  bool ipv6 = false;              // AF_INET6 (else AF_INET)
  bool datagram = false;          // SOCK_DGRAM (else SOCK_STREAM)
  bool connect_tried = false;     // connect() or MSG_FASTOPEN went to the kernel
  bool auto_bound = false;        // a datagram was sent: wildcard, some port
  bool bound_by_program = false;  // the program's bind() succeeded on it
  bool device_pinned = false;     // the program set SO_BINDTODEVICE / SO_BINDTOIFINDEX
};

// The entry of a socket that socket() made: AF_INET/6, stream or datagram.
constexpr std::uint8_t entry_of_new_socket(bool ipv6, bool datagram) noexcept {
  using namespace detail;
  return static_cast<std::uint8_t>(kKnown | (ipv6 ? kIpv6 : 0) | (datagram ? kDatagram : 0));
}
// socket() made `fd`: `entry` is entry_of_new_socket(), or 0 for a socket of
// another kind (forgotten).
void created(int fd, std::uint8_t entry) noexcept;
inline void created(int fd, bool ipv6, bool datagram) noexcept { created(fd, entry_of_new_socket(ipv6, datagram)); }
void forget(int fd) noexcept;                             // closed, or created behind our back
void forget_range(unsigned first, unsigned last) noexcept;
void copy(int from, int to) noexcept;                     // dup: the same open socket
void mark_connect_tried(int fd) noexcept;
// A send with a destination went to the kernel: a datagram auto-binds the
// socket, MSG_FASTOPEN connects it.
void note_send(int fd, bool fastopen) noexcept;
// Whether note_send(fd, fastopen) would change nothing (a socket not known,
// or one whose sends were noted already): read-only, inlined, no call.
inline bool send_changes_nothing(int fd, bool fastopen) noexcept {
  using namespace detail;
  if (fd < 0 || static_cast<unsigned>(fd) >= kSize) return true;
  const std::uint8_t f = g_flags[fd].load(std::memory_order_relaxed);
  if ((f & kKnown) == 0) return true;
  return (f & kDatagram) != 0 ? (f & kAutoBound) != 0 : !fastopen;
}
// The flags of `fd` as one value (0: not known), for the hooks' fast paths,
// which compare them with one of the two states below: read-only, inlined.
inline std::uint8_t flags_of(int fd) noexcept {
  using namespace detail;
  if (fd < 0 || static_cast<unsigned>(fd) >= kSize) return 0;
  return g_flags[fd].load(std::memory_order_relaxed);
}
// mark_connect_tried() for a descriptor whose entry flags_of() has just read
// as known (in the table, and noted then as the highest): inlined, so that a
// connect's fast path calls nothing before the real connect.
inline void mark_connect_tried_known(int fd) noexcept {
  detail::g_flags[fd].fetch_or(detail::kConnectTried, std::memory_order_relaxed);
}
// An AF_INET stream socket made by our socket() hook, and nothing since: not
// bound, not connected, not pinned to a device.
inline constexpr std::uint8_t kFreshIpv4Stream = detail::kKnown;
// An AF_INET datagram socket made by our socket() hook whose port the kernel
// chose (an earlier send, or a bind to 0.0.0.0:0), and nothing else since.
inline constexpr std::uint8_t kAutoBoundIpv4Datagram = detail::kKnown | detail::kDatagram | detail::kAutoBound;
void mark_bound_by_program(int fd) noexcept;
// A datagram socket bound to 0.0.0.0:0 / [::]:0: the kernel chose its port.
void mark_auto_bound(int fd) noexcept;
void mark_device_pinned(int fd) noexcept;
Facts facts(int fd) noexcept;

}  // namespace srcbind::preload::fd_table
