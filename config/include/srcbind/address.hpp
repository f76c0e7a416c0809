// IP addresses, prefixes and socket endpoints, as the rule table sees them.
//
// IPv4 and IPv6 are kept apart (a v6 rule never matches a v4 destination), and an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is normalised to IPv4 wherever it is
// decoded: SPEC says mapped destinations match IPv4 rules.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace srcbind {

enum class Family : std::uint8_t { v4, v6 };

struct IpAddress {
  Family family = Family::v4;
  // Network byte order. IPv4 uses bytes[0..3]; the rest are zero.
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress v4(const in_addr& a) noexcept;
  // Normalises ::ffff:a.b.c.d to IPv4.
  static IpAddress v6(const in6_addr& a) noexcept;
  // inet_pton for either family ("198.51.100.12", "2001:db8::1", "::ffff:1.2.3.4").
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_loopback() const noexcept;   // 127.0.0.0/8 or ::1
  bool is_wildcard() const noexcept;   // 0.0.0.0 or ::
  std::string to_string() const;       // inet_ntop form
  in_addr to_in_addr() const noexcept;         // family must be v4
  in6_addr to_in6_addr() const noexcept;       // v6 as is; v4 as ::ffff:a.b.c.d
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Prefix {
  IpAddress address;      // host bits are zero
  std::uint8_t length = 0;  // 0..32 (v4) or 0..128 (v6)

  // "203.0.113.0/24", "2001:db8::/32", or a bare address (full length).
  // Host bits set ("203.0.113.7/24") is an error: nullopt.
  static std::optional<Prefix> parse(std::string_view text);
  bool contains(const IpAddress& a) const noexcept;
  std::string to_string() const;
  friend bool operator==(const Prefix&, const Prefix&) = default;
};

// Why a prefix did not parse, for diagnostics that say what is wrong.
enum class PrefixError : std::uint8_t { none, bad_address, bad_length, length_out_of_range, host_bits_set };

struct PrefixParse {
  std::optional<Prefix> prefix;      // set when the text is valid
  PrefixError error = PrefixError::none;
  Prefix network;                    // host_bits_set: the prefix with the host bits cleared
};

// Prefix::parse that says why it failed ("did you mean 203.0.113.0/24?").
PrefixParse parse_prefix(std::string_view text);

// A socket call's destination, decoded from a sockaddr without allocating.
// `address` and `port` (host order) as a sockaddr_in or sockaddr_in6; `length`
// is set to its size.
sockaddr_storage to_sockaddr(const IpAddress& address, std::uint16_t port, socklen_t& length) noexcept;

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;   // host byte order
  bool mapped = false;      // arrived as ::ffff:a.b.c.d on an AF_INET6 sockaddr
  std::uint32_t scope_id = 0;  // sin6_scope_id: the link of a link-local address

  // False for NULL, short, or non-AF_INET/AF_INET6 addresses.
  static bool from_sockaddr(const sockaddr* sa, socklen_t len, Endpoint& out) noexcept;
};

}  // namespace srcbind
