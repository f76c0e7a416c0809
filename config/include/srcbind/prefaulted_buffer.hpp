// A large buffer's memory, prefaulted as huge pages where it can be (the
// pages' part: config/src/prefault.hpp).
#pragma once

#include <cstddef>

namespace srcbind::detail {

// Memory for a large buffer about to be filled by the kernel (a read()), 8-byte
// aligned. From 1 MiB up it is mapped on 2 MiB boundaries, a whole
// number of 2 MiB long, and prefaulted: all of it can be huge pages, where a
// malloc'd buffer has 4 KiB pages at both ends, and the kernel copies into 4 KiB
// pages at a fifth of the speed on a virtual machine (bench/README.md, "The
// first connection with a compiled table"). Smaller ones come from operator new.
class PrefaultedBuffer {
 public:
  PrefaultedBuffer() = default;
  // Empty (false) when there is no memory for it.
  static PrefaultedBuffer allocate(std::size_t bytes) noexcept;

  PrefaultedBuffer(PrefaultedBuffer&& other) noexcept;
  PrefaultedBuffer& operator=(PrefaultedBuffer&& other) noexcept;
  PrefaultedBuffer(const PrefaultedBuffer&) = delete;
  PrefaultedBuffer& operator=(const PrefaultedBuffer&) = delete;
  ~PrefaultedBuffer() { reset(); }

  std::byte* data() const noexcept { return data_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }
  void reset() noexcept;

 private:
  std::byte* data_ = nullptr;
  std::size_t mapped_ = 0;   // the mapping's length; 0 when from operator new
};

}  // namespace srcbind::detail
