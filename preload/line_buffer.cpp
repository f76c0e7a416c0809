#include "line_buffer.hpp"

#include <cstring>

namespace srcbind::preload {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::size_t format_ipv4(const std::uint8_t* b, char* out) noexcept {
  std::size_t n = 0;
  for (int i = 0; i < 4; ++i) {
    if (i) out[n++] = '.';
    unsigned v = b[i];
    if (v >= 100) out[n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) out[n++] = static_cast<char>('0' + v / 10 % 10);
    out[n++] = static_cast<char>('0' + v % 10);
  }
  return n;
}

// As inet_ntop(3) writes it, so that the log and `srcbind --explain` agree:
// RFC 5952 (lower-case hex, no leading zeros, the longest run of two or more
// zero groups shortened to "::", the first one on a tie), and an IPv4-compatible
// address (96 zero bits, then anything but ::1) with its last 32 bits dotted.
std::size_t format_ipv6(const std::uint8_t* b, char* out) noexcept {
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) { ++i; continue; }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) { best_start = i; best_len = j - i; }
    i = j;
  }
  std::size_t n = 0;
  if (best_start == 0 && (best_len == 6 || (best_len == 5 && groups[5] == 0xffff))) {   // ::a.b.c.d
    std::memcpy(out, best_len == 6 ? "::" : "::ffff:", best_len == 6 ? 2 : 7);
    n = best_len == 6 ? 2 : 7;
    return n + format_ipv4(b + 12, out + n);
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out[n++] = ':';
      if (i == 0) out[n++] = ':';
      i += best_len - 1;
      continue;
    }
    bool leading = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned digit = groups[i] >> shift & 0xf;
      if (digit || leading || shift == 0) { out[n++] = kHex[digit]; leading = true; }
    }
    if (i != 7) out[n++] = ':';
  }
  return n;
}

}  // namespace

LineBuffer& LineBuffer::text(std::string_view s) noexcept {
  std::size_t room = kCapacity - 1 - size_;   // keep one byte for '\n'
  std::size_t n = s.size() < room ? s.size() : room;
  std::memcpy(data_ + size_, s.data(), n);
  size_ += n;
  return *this;
}

LineBuffer& LineBuffer::number(unsigned long value) noexcept {
  char digits[24];
  std::size_t n = 0;
  do { digits[n++] = static_cast<char>('0' + value % 10); value /= 10; } while (value);
  char forward[24];
  for (std::size_t i = 0; i < n; ++i) forward[i] = digits[n - 1 - i];
  return text({forward, n});
}

LineBuffer& LineBuffer::address(const IpAddress& a) noexcept {
  char out[48];
  std::size_t n = a.family == Family::v4 ? format_ipv4(a.bytes.data(), out) : format_ipv6(a.bytes.data(), out);
  return text({out, n});
}

LineBuffer& LineBuffer::endpoint(const Endpoint& e) noexcept {
  if (e.address.family == Family::v6) text("[");
  address(e.address);
  if (e.address.family == Family::v6) text("]");
  return text(":").number(e.port);
}

LineBuffer& LineBuffer::rule(std::string_view label, unsigned line) noexcept {
  text("rule ");
  if (!label.empty()) return text(label);   // its name, or quick mode's variable
  return text("at line ").number(line);
}

LineBuffer& LineBuffer::error_name(int err) noexcept {
  // strerrordesc_np and strerrorname_np (glibc >= 2.32) return static strings:
  // no locale, no buffer, unlike strerror.
  const char* desc = strerrordesc_np(err);
  const char* name = strerrorname_np(err);
  text(desc ? desc : "unknown error");
  if (name) text(" (").text(name).text(")");
  return *this;
}

std::string_view LineBuffer::finish() noexcept {
  data_[size_] = '\n';
  return {data_, size_ + 1};
}

}  // namespace srcbind::preload
