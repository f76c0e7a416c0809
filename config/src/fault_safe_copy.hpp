// Copying out of a file mapping without SIGBUS: a page of a private mapping
// past the end of a file truncated in place faults with SIGBUS when touched,
// even a page already copied (truncation takes those away too). When the
// kernel does the copying instead, that page fails the copy with EFAULT.
#pragma once

#include <cstddef>

namespace srcbind::detail {

// Copies `bytes` from `from` to `to` through a pipe made for the purpose (its
// two descriptors are closed before returning). Returns 0, or the errno of what
// failed: EFAULT when part of `from` is gone (the file shrank), anything
// pipe2() can fail with when no pipe can be made. Never blocks; keeps errno.
int copy_through_kernel(const void* from, std::size_t bytes, void* to) noexcept;

}  // namespace srcbind::detail
