// The memory of thrown C++ exceptions, in place of the C++ runtime's own
// (libstdc++'s eh_alloc.cc, which the library would otherwise link in).
//
// libstdc++ takes an emergency pool of about 73 KiB with malloc in a static
// constructor, so that std::bad_alloc can still be thrown when malloc fails. In
// a program that never calls malloc itself, that first malloc (the allocator's
// set-up, two brk calls, the heap's first pages) was about 35 µs of the 150 that
// preloading the library cost every process (bench/README.md, "The constructor
// without allocation"). Here the
// emergency room is static memory, touched only when malloc fails while an
// exception is thrown: the library catches std::bad_alloc to stay out of the
// host program's way, so it must still be able to throw it then.
//
// The entry points and the header that precedes each thrown object are the
// Itanium C++ ABI's, as libstdc++ lays it out on x86-64 (checked against its
// eh_alloc.o: docs/architecture.md, "Start-up: why two steps"); elsewhere libstdc++'s own
// allocator is linked instead.
#include <cstddef>   // defines __GLIBCXX__ for the check below

#if defined(__x86_64__) && defined(__GLIBCXX__)

#include "exception_memory.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace srcbind::preload::exception_memory {
namespace {

constexpr std::size_t kSlotBytes = 1024;
constexpr unsigned kSlots = 16;

alignas(16) constinit unsigned char g_slots[kSlots][kSlotBytes] = {};
constinit std::atomic<std::uint32_t> g_taken{0};   // bit i: slot i is in use

}  // namespace

void* emergency_allocate(std::size_t bytes) noexcept {
  if (bytes > kSlotBytes) return nullptr;
  std::uint32_t taken = g_taken.load(std::memory_order_relaxed);
  while (taken != (std::uint32_t{1} << kSlots) - 1) {
    const unsigned slot = static_cast<unsigned>(__builtin_ctz(~taken));
    if (g_taken.compare_exchange_weak(taken, taken | (std::uint32_t{1} << slot), std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      return g_slots[slot];
    }
  }
  return nullptr;
}

bool emergency_owns(const void* memory) noexcept {
  const auto* p = static_cast<const unsigned char*>(memory);
  return p >= &g_slots[0][0] && p < &g_slots[0][0] + sizeof g_slots;
}

void emergency_free(void* memory) noexcept {
  const auto slot = static_cast<unsigned>((static_cast<unsigned char*>(memory) - &g_slots[0][0]) / kSlotBytes);
  g_taken.fetch_and(~(std::uint32_t{1} << slot), std::memory_order_release);
}

namespace {

void* allocate_zeroed_prefix(std::size_t bytes, std::size_t zeroed) noexcept {
  void* memory = std::malloc(bytes);
  if (memory == nullptr) memory = emergency_allocate(bytes);
  if (memory == nullptr) std::terminate();   // what libstdc++ does with its pool exhausted
  std::memset(memory, 0, zeroed);
  return memory;
}

void release(void* memory) noexcept {
  if (emergency_owns(memory)) {
    emergency_free(memory);
  } else {
    std::free(memory);
  }
}

}  // namespace
}  // namespace srcbind::preload::exception_memory

using namespace srcbind::preload::exception_memory;

extern "C" {

void* __cxa_allocate_exception(std::size_t thrown_size) noexcept {
  auto* header = static_cast<unsigned char*>(allocate_zeroed_prefix(thrown_size + kExceptionHeader, kExceptionHeader));
  return header + kExceptionHeader;
}

void __cxa_free_exception(void* thrown) noexcept { release(static_cast<unsigned char*>(thrown) - kExceptionHeader); }

void* __cxa_allocate_dependent_exception() noexcept {
  return allocate_zeroed_prefix(kDependentException, kDependentException);
}

void __cxa_free_dependent_exception(void* dependent) noexcept { release(dependent); }

}  // extern "C"

// eh_alloc.cc's other definition: frees its pool at exit under valgrind. No pool here.
namespace __gnu_cxx {
void __freeres() noexcept {}
}  // namespace __gnu_cxx

#endif
