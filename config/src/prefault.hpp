// Touching a fresh page costs a page fault: about 10 µs each on a virtual machine,
// which made page faults the largest part of loading 100,000 rules (22 MB of
// rules, 11,000 faults). prefault() asks the kernel for a large buffer's pages in
// one call instead, as huge pages where it can.
#pragma once

#include <cstddef>

namespace srcbind::detail {

// Below this, faulting page by page is cheap enough.
inline constexpr std::size_t kPrefaultMinimum = std::size_t{1} << 20;

// Best effort, for memory about to be written in full: marks the buffer's whole
// 2 MiB pages for transparent huge pages (MADV_HUGEPAGE: used when the system's
// THP setting is "madvise" or "always") and populates its pages
// (MADV_POPULATE_WRITE, Linux 5.14). Older kernels refuse either and nothing
// changes. Buffers under kPrefaultMinimum are left alone. Keeps errno.
void prefault(void* data, std::size_t bytes) noexcept;

}  // namespace srcbind::detail
