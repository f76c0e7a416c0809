// Front-coded labels (label_pool.hpp).
#include "srcbind/label_pool.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace srcbind {
namespace {

constexpr std::size_t kMaxShared = 255;

void append_length(std::pmr::string& out, std::size_t value) {
  do {
    const auto low = static_cast<unsigned char>(value & 0x7F);
    value >>= 7;
    out.push_back(static_cast<char>(value != 0 ? low | 0x80 : low));
  } while (value != 0);
}

// At most 5 bytes (32 bits); false at the end of the block or past 32 bits.
bool read_length(std::string_view bytes, std::size_t& pos, std::size_t& value) noexcept {
  value = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (pos >= bytes.size()) return false;
    const auto byte = static_cast<unsigned char>(bytes[pos++]);
    value |= std::size_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

void LabelPoolWriter::add(std::string_view label) {
  std::size_t shared = 0;
  if (count_ % LabelPool::kBlock == 0) {
    out_.blocks.push_back(offset());
  } else {
    const std::size_t limit = std::min({previous_.size(), label.size(), kMaxShared});
    while (shared < limit && previous_[shared] == label[shared]) ++shared;
  }
  out_.bytes.push_back(static_cast<char>(shared));
  append_length(out_.bytes, label.size() - shared);
  out_.bytes.append(label.substr(shared));
  previous_.assign(label.substr(0, LabelBuffer::kMaxLabel));
  ++count_;
}

void LabelPoolWriter::finish() { out_.blocks.push_back(offset()); }

std::uint32_t LabelPoolWriter::offset() const {
  if (out_.bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("srcbind: more than 4 GiB of rule names");
  }
  return static_cast<std::uint32_t>(out_.bytes.size());
}

std::optional<LabelPool> LabelPool::view(std::span<const std::uint32_t> blocks, std::string_view bytes,
                                         std::size_t count) noexcept {
  if (count == 0 && blocks.empty() && bytes.empty()) return LabelPool{};   // a writer that never finished: no labels
  const std::size_t block_count = (count + kBlock - 1) / kBlock;
  if (blocks.size() != block_count + 1 || blocks.front() != 0 || blocks.back() != bytes.size()) return std::nullopt;
  if (!std::is_sorted(blocks.begin(), blocks.end())) return std::nullopt;
  LabelPool pool;
  pool.blocks_ = blocks;
  pool.bytes_ = bytes;
  pool.count_ = count;
  return pool;
}

std::string_view LabelPool::get(std::size_t index, LabelBuffer& buffer) const noexcept {
  if (index >= count_) return {};
  const std::size_t block = index / kBlock;
  const std::string_view bytes = bytes_.substr(blocks_[block], blocks_[block + 1] - blocks_[block]);
  std::size_t pos = 0;
  std::size_t size = 0;   // of the label decoded last, as kept in the buffer
  for (std::size_t i = block * kBlock; i <= index; ++i) {
    if (pos >= bytes.size()) return {};
    const std::size_t shared = static_cast<unsigned char>(bytes[pos++]);
    std::size_t rest = 0;
    if (shared > size || !read_length(bytes, pos, rest) || rest > bytes.size() - pos) return {};
    const std::size_t kept = std::min(rest, LabelBuffer::kMaxLabel - shared);   // shared <= 255 < kMaxLabel
    std::memcpy(buffer.text + shared, bytes.data() + pos, kept);
    size = shared + kept;
    pos += rest;
  }
  return {buffer.text, size};
}

}  // namespace srcbind
