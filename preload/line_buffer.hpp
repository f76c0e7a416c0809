// A fixed-size text line built without allocation, locale or stdio, so that it can
// be used from a signal handler (inet_ntop and snprintf are not async-signal-safe).
// Text that does not fit is cut; the line always ends with '\n'.
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/rule.hpp"

#include <cstddef>
#include <string_view>

namespace srcbind::preload {

class LineBuffer {
 public:
  LineBuffer& text(std::string_view s) noexcept;
  LineBuffer& number(unsigned long value) noexcept;
  LineBuffer& address(const IpAddress& a) noexcept;        // 198.51.100.12, 2001:db8::12
  LineBuffer& endpoint(const Endpoint& e) noexcept;        // 203.0.113.10:21, [2001:db8::1]:21
  LineBuffer& error_name(int err) noexcept;                // "Cannot assign requested address (EADDRNOTAVAIL)"
  // As Rule::reference(): "rule client-ftp", "rule at line 12", "rule SRCBIND_SOURCE".
  LineBuffer& rule(std::string_view label, unsigned line) noexcept;
  // The finished line, '\n' included.
  std::string_view finish() noexcept;

 private:
  static constexpr std::size_t kCapacity = 512;
  char data_[kCapacity];
  std::size_t size_ = 0;
};

}  // namespace srcbind::preload
