#include "prefault.hpp"
#include "srcbind/prefaulted_buffer.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <new>
#include <utility>

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

void unmap(std::uintptr_t begin, std::uintptr_t end) {
  if (begin < end) ::munmap(reinterpret_cast<void*>(begin), end - begin);
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

PrefaultedBuffer PrefaultedBuffer::allocate(std::size_t bytes) noexcept {
  PrefaultedBuffer buffer;
  if (bytes < kPrefaultMinimum) {
    buffer.data_ = reinterpret_cast<std::byte*>(new (std::nothrow) std::uint64_t[(bytes + 7) / 8]);
    return buffer;
  }
  if (bytes > SIZE_MAX - 2 * kHugePage) return buffer;
  const int saved_errno = errno;
  const std::size_t length = round_up(bytes, kHugePage);
  // One huge page more than needed, then the unaligned ends given back.
  void* reserved = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserved != MAP_FAILED) {
    const auto begin = reinterpret_cast<std::uintptr_t>(reserved);
    const std::uintptr_t aligned = round_up(begin, kHugePage);
    unmap(begin, aligned);
    unmap(aligned + length, begin + length + kHugePage);
    buffer.data_ = reinterpret_cast<std::byte*>(aligned);
    buffer.mapped_ = length;
    prefault(buffer.data_, length);
  }
  errno = saved_errno;
  return buffer;
}

PrefaultedBuffer::PrefaultedBuffer(PrefaultedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), mapped_(std::exchange(other.mapped_, 0)) {}

PrefaultedBuffer& PrefaultedBuffer::operator=(PrefaultedBuffer&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

void PrefaultedBuffer::reset() noexcept {
  if (data_ == nullptr) return;
  if (mapped_ != 0) {
    const int saved_errno = errno;
    ::munmap(data_, mapped_);
    errno = saved_errno;
  } else {
    delete[] reinterpret_cast<std::uint64_t*>(data_);
  }
  data_ = nullptr;
  mapped_ = 0;
}

}  // namespace srcbind::detail
