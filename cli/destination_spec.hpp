// DEST[:PORT] as --explain takes it: 203.0.113.10, 203.0.113.10:21, [2001:db8::1]:443,
// [2001:db8::1], 2001:db8::1 (a bare IPv6 address has no port), host, host:80,
// and a link-local address with its link: [fe80::b%eth0]:22, fe80::b%eth0.
#pragma once

#include "srcbind/address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind::cli {

struct DestinationSpec {
  std::string host;  // an address or a host name, without brackets
  std::optional<std::uint16_t> port;
  std::string zone;  // "eth0" of fe80::b%eth0 (an interface name), empty when none
};

struct ParsedDestination {
  std::optional<DestinationSpec> spec;
  std::string error;
};

ParsedDestination parse_destination(std::string_view text);

struct ResolvedDestination {
  std::vector<IpAddress> addresses;  // unique, in getaddrinfo order
  std::string error;  // gai_strerror when the name does not resolve
  bool from_name = false;  // host was a name, not an address
};

// An address literal as is; a name through getaddrinfo (both families).
ResolvedDestination resolve_destination(const std::string& host);

}  // namespace srcbind::cli
