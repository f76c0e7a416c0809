// IpAddress, Prefix and Endpoint: parsing, printing and decoding sockaddrs.
#include "srcbind/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace srcbind {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_mapped(const std::uint8_t* bytes) noexcept {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes);
}

std::uint8_t max_length(Family f) noexcept { return f == Family::v4 ? 32 : 128; }

// Clears every bit after the first `length` bits.
IpAddress masked(IpAddress a, unsigned length) noexcept {
  for (unsigned i = 0; i < a.bytes.size(); ++i) {
    const unsigned bit = i * 8;
    if (bit >= length) {
      a.bytes[i] = 0;
    } else if (length - bit < 8) {
      a.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> (length - bit));
    }
  }
  return a;
}

// inet_pton wants a NUL-terminated string; addresses are short.
bool pton(int af, std::string_view text, void* out) noexcept {
  char buffer[64];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return inet_pton(af, buffer, out) == 1;
}

// Digits only (no sign, no spaces), at most three of them.
std::optional<unsigned> parse_length(std::string_view text) noexcept {
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

}  // namespace

IpAddress IpAddress::v4(const in_addr& a) noexcept {
  IpAddress out;
  std::memcpy(out.bytes.data(), &a, 4);
  return out;
}

IpAddress IpAddress::v6(const in6_addr& a) noexcept {
  IpAddress out;
  const auto* raw = reinterpret_cast<const std::uint8_t*>(&a);
  if (is_mapped(raw)) {
    std::memcpy(out.bytes.data(), raw + 12, 4);
  } else {
    out.family = Family::v6;
    std::memcpy(out.bytes.data(), raw, 16);
  }
  return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    in6_addr a6;
    if (!pton(AF_INET6, text, &a6)) return std::nullopt;
    return v6(a6);
  }
  in_addr a4;
  if (!pton(AF_INET, text, &a4)) return std::nullopt;
  return v4(a4);
}

bool IpAddress::is_loopback() const noexcept {
  if (family == Family::v4) return bytes[0] == 127;
  static constexpr std::array<std::uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return bytes == kLoopback6;
}

bool IpAddress::is_wildcard() const noexcept {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN];
  if (family == Family::v4) {
    const in_addr a = to_in_addr();
    inet_ntop(AF_INET, &a, buffer, sizeof buffer);
  } else {
    const in6_addr a = to_in6_addr();
    inet_ntop(AF_INET6, &a, buffer, sizeof buffer);
  }
  return buffer;
}

in_addr IpAddress::to_in_addr() const noexcept {
  in_addr a;
  std::memcpy(&a, bytes.data(), 4);
  return a;
}

in6_addr IpAddress::to_in6_addr() const noexcept {
  in6_addr a;
  auto* raw = reinterpret_cast<std::uint8_t*>(&a);
  if (family == Family::v6) {
    std::memcpy(raw, bytes.data(), 16);
  } else {
    std::memcpy(raw, kMappedPrefix.data(), 12);
    std::memcpy(raw + 12, bytes.data(), 4);
  }
  return a;
}

PrefixParse parse_prefix(std::string_view text) {
  PrefixParse result;
  const auto slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);

  // Parsed here rather than with IpAddress::parse: a mapped prefix shorter than
  // /96 also covers non-mapped addresses and must stay IPv6.
  Prefix prefix;
  bool mapped = false;
  if (address_text.find(':') != std::string_view::npos) {
    in6_addr a6;
    if (!pton(AF_INET6, address_text, &a6)) {
      result.error = PrefixError::bad_address;
      return result;
    }
    prefix.address.family = Family::v6;
    std::memcpy(prefix.address.bytes.data(), &a6, 16);
    mapped = is_mapped(prefix.address.bytes.data());
  } else {
    in_addr a4;
    if (!pton(AF_INET, address_text, &a4)) {
      result.error = PrefixError::bad_address;
      return result;
    }
    prefix.address = IpAddress::v4(a4);
  }

  unsigned length = max_length(prefix.address.family);
  if (slash != std::string_view::npos) {
    const auto parsed = parse_length(text.substr(slash + 1));
    if (!parsed) {
      result.error = PrefixError::bad_length;
      return result;
    }
    length = *parsed;
  }
  if (length > max_length(prefix.address.family)) {
    result.error = PrefixError::length_out_of_range;
    return result;
  }
  if (mapped && length >= 96) {   // ::ffff:a.b.c.d/len is the IPv4 prefix /len-96
    in6_addr a6;
    std::memcpy(&a6, prefix.address.bytes.data(), 16);
    prefix.address = IpAddress::v6(a6);
    length -= 96;
  }
  prefix.length = static_cast<std::uint8_t>(length);

  const IpAddress network = masked(prefix.address, length);
  if (network != prefix.address) {
    result.error = PrefixError::host_bits_set;
    result.network = Prefix{network, prefix.length};
    return result;
  }
  result.prefix = prefix;
  return result;
}

std::optional<Prefix> Prefix::parse(std::string_view text) { return parse_prefix(text).prefix; }

bool Prefix::contains(const IpAddress& a) const noexcept {
  return a.family == address.family && masked(a, length) == address;
}

std::string Prefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

sockaddr_storage to_sockaddr(const IpAddress& address, std::uint16_t port, socklen_t& length) noexcept {
  sockaddr_storage storage{};
  if (address.family == Family::v4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = address.to_in_addr();
    length = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = address.to_in6_addr();
    length = sizeof(sockaddr_in6);
  }
  return storage;
}

bool Endpoint::from_sockaddr(const sockaddr* sa, socklen_t len, Endpoint& out) noexcept {
  if (sa == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return false;
  sa_family_t family;
  std::memcpy(&family, sa, sizeof family);   // the caller's sockaddr may be unaligned
  if (family == AF_INET) {
    if (len < static_cast<socklen_t>(sizeof(sockaddr_in))) return false;
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof in);
    // Written in place, field by field: a temporary IpAddress copied in was
    // read back whole right after its parts were stored, which stalls the
    // load (store forwarding) on every call the library hooks (bench/README.md).
    out.address.family = Family::v4;
    out.address.bytes = {};
    std::memcpy(out.address.bytes.data(), &in.sin_addr, 4);
    out.port = ntohs(in.sin_port);
    out.mapped = false;
    out.scope_id = 0;
    return true;
  }
  if (family == AF_INET6) {
    // The kernel accepts the 24-byte RFC 2133 form without sin6_scope_id.
    constexpr socklen_t kShortest = offsetof(sockaddr_in6, sin6_scope_id);
    if (len < kShortest) return false;
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, std::min<std::size_t>(len, sizeof in6));
    out.address = IpAddress::v6(in6.sin6_addr);
    out.port = ntohs(in6.sin6_port);
    out.mapped = out.address.family == Family::v4;
    out.scope_id = in6.sin6_scope_id;
    return true;
  }
  return false;
}

}  // namespace srcbind
