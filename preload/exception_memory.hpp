// The library's own memory for thrown C++ exceptions (exception_memory.cpp): the
// ABI's sizes, and the static emergency room used when malloc fails.
#pragma once

#include <cstddef>

namespace srcbind::preload::exception_memory {

// sizeof(__cxa_refcounted_exception) and sizeof(__cxa_dependent_exception) in
// libstdc++ on x86-64: the header before each thrown object, and a
// std::exception_ptr's rethrow record.
inline constexpr std::size_t kExceptionHeader = 128;
inline constexpr std::size_t kDependentException = 112;

// One of 16 static slots of 1 KiB, or nullptr when `bytes` is larger or all are
// taken. Lock-free and async-signal-safe.
void* emergency_allocate(std::size_t bytes) noexcept;
bool emergency_owns(const void* memory) noexcept;
void emergency_free(void* memory) noexcept;

}  // namespace srcbind::preload::exception_memory
