// PrefaultedBuffer: large buffers start and end on 2 MiB boundaries (so that
// all of them can be huge pages), small ones come from the heap; both are
// writable in full and 8-byte aligned.
#include "srcbind/prefaulted_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <utility>

namespace srcbind::test {
namespace {

using detail::PrefaultedBuffer;

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

std::uintptr_t address(const PrefaultedBuffer& buffer) { return reinterpret_cast<std::uintptr_t>(buffer.data()); }

TEST(PrefaultedBuffer, LargeBufferStartsOnAHugePageAndIsWritableInFull) {
  const std::size_t bytes = 3 * kHugePage + 123;
  PrefaultedBuffer buffer = PrefaultedBuffer::allocate(bytes);
  ASSERT_TRUE(buffer);
  EXPECT_EQ(address(buffer) % kHugePage, 0u);
  std::memset(buffer.data(), 0xa5, bytes);
  EXPECT_EQ(buffer.data()[bytes - 1], std::byte{0xa5});
}

TEST(PrefaultedBuffer, SmallBufferIsEightByteAlignedAndWritable) {
  PrefaultedBuffer buffer = PrefaultedBuffer::allocate(100);
  ASSERT_TRUE(buffer);
  EXPECT_EQ(address(buffer) % 8, 0u);
  std::memset(buffer.data(), 0, 100);
}

TEST(PrefaultedBuffer, MovedBufferIsOwnedOnceAndResetEmptiesIt) {
  PrefaultedBuffer first = PrefaultedBuffer::allocate(2 * kHugePage);
  ASSERT_TRUE(first);
  const std::byte* data = first.data();
  PrefaultedBuffer second = std::move(first);
  EXPECT_FALSE(first);
  EXPECT_EQ(second.data(), data);
  second.reset();
  EXPECT_FALSE(second);
}

}  // namespace
}  // namespace srcbind::test
