#include "fd_table.hpp"

#include "hot_path.hpp"

#include <atomic>
#include <cstdint>

namespace srcbind::preload::fd_table {
namespace detail {

// Static storage: zero before any code runs, constructors included. (Not
// `constinit` under clang, whose constant evaluator gives up on a million
// elements.)
#if defined(__clang__)
SRCBIND_FD_TABLE std::atomic<std::uint8_t> g_flags[kSize];
#else
SRCBIND_FD_TABLE constinit std::atomic<std::uint8_t> g_flags[kSize];
#endif

}  // namespace detail

namespace {

using namespace detail;

// The highest descriptor ever flagged, so that close_range(3, ~0U) clears a few
// entries instead of a million. Read by every socket(): with the hot data.
SRCBIND_HOT_DATA constinit std::atomic<unsigned> g_highest{0};

bool in_table(int fd) noexcept { return fd >= 0 && static_cast<unsigned>(fd) < kSize; }

void note_highest(int fd) noexcept {
  unsigned highest = g_highest.load(std::memory_order_relaxed);
  while (static_cast<unsigned>(fd) > highest &&
         !g_highest.compare_exchange_weak(highest, static_cast<unsigned>(fd), std::memory_order_relaxed)) {
  }
}

void store(int fd, std::uint8_t flags) noexcept {
  if (!in_table(fd)) [[unlikely]] return;
  // A socket mostly reuses a number that was noted when first used.
  if (flags != 0 && static_cast<unsigned>(fd) > g_highest.load(std::memory_order_relaxed)) [[unlikely]] {
    note_highest(fd);
  }
  g_flags[fd].store(flags, std::memory_order_relaxed);
}

// An entry already flagged was noted as the highest then: a connect, the usual
// caller, reads no other line.
void add(int fd, std::uint8_t flags) noexcept {
  if (!in_table(fd)) return;
  if (g_flags[fd].fetch_or(flags, std::memory_order_relaxed) == 0) note_highest(fd);
}

}  // namespace

SRCBIND_HOT void created(int fd, std::uint8_t entry) noexcept { store(fd, entry); }
SRCBIND_HOT void forget(int fd) noexcept { store(fd, 0); }
SRCBIND_HOT void mark_connect_tried(int fd) noexcept { add(fd, kConnectTried); }
SRCBIND_FULL void note_send(int fd, bool fastopen) noexcept {
  if (!in_table(fd)) return;
  std::uint8_t f = g_flags[fd].load(std::memory_order_relaxed);
  if (!(f & kKnown)) return;
  if (f & kDatagram) {
    if (!(f & kAutoBound)) add(fd, kAutoBound);
  } else if (fastopen) {
    add(fd, kConnectTried);
  }
}
SRCBIND_HOT void mark_bound_by_program(int fd) noexcept { add(fd, kBoundByProgram); }
SRCBIND_HOT void mark_auto_bound(int fd) noexcept { add(fd, kAutoBound); }
SRCBIND_HOT void mark_device_pinned(int fd) noexcept { add(fd, kDevicePinned); }

void forget_range(unsigned first, unsigned last) noexcept {
  unsigned highest = g_highest.load(std::memory_order_relaxed);
  if (last > highest) last = highest;
  for (unsigned fd = first; fd <= last && fd < kSize; ++fd) g_flags[fd].store(0, std::memory_order_relaxed);
}

void copy(int from, int to) noexcept {
  store(to, in_table(from) ? g_flags[from].load(std::memory_order_relaxed) : 0);
}

SRCBIND_FULL Facts facts(int fd) noexcept {
  std::uint8_t f = in_table(fd) ? g_flags[fd].load(std::memory_order_relaxed) : 0;
  return {.known = (f & kKnown) != 0,
          .ipv6 = (f & kIpv6) != 0,
          .datagram = (f & kDatagram) != 0,
          .connect_tried = (f & kConnectTried) != 0,
          .auto_bound = (f & kAutoBound) != 0,
          .bound_by_program = (f & kBoundByProgram) != 0,
          .device_pinned = (f & kDevicePinned) != 0};
}

}  // namespace srcbind::preload::fd_table
