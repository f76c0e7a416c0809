#include "prefault.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>

#ifndef MADV_POPULATE_WRITE   // Linux 5.14; glibc 2.36's headers may lack it
#define MADV_POPULATE_WRITE 23
#endif

namespace srcbind::detail {
namespace {

constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

std::uintptr_t round_up(std::uintptr_t value, std::uintptr_t to) { return (value + to - 1) & ~(to - 1); }
std::uintptr_t round_down(std::uintptr_t value, std::uintptr_t to) { return value & ~(to - 1); }

void advise(std::uintptr_t begin, std::uintptr_t end, int advice) {
  if (begin < end) ::madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}

}  // namespace

void prefault(void* data, std::size_t bytes) noexcept {
  if (data == nullptr || bytes < kPrefaultMinimum) return;
  const int saved_errno = errno;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const auto end = begin + bytes;
  // Only the huge pages wholly inside the buffer: the memory around it belongs to
  // someone else (malloc), whose pages must not grow to 2 MiB on our account.
  advise(round_up(begin, kHugePage), round_down(end, kHugePage), MADV_HUGEPAGE);
  advise(round_up(begin, kPage), round_down(end, kPage), MADV_POPULATE_WRITE);
  errno = saved_errno;
}

}  // namespace srcbind::detail
