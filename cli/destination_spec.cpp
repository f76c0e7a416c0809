#include "destination_spec.hpp"

#include <net/if.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>

namespace srcbind::cli {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// Splits "fe80::b%eth0" into the address and its zone (RFC 4007).
std::string take_zone(std::string& host) {
  const std::size_t percent = host.find('%');
  if (percent == std::string::npos) return {};
  std::string zone = host.substr(percent + 1);
  host.resize(percent);
  return zone;
}

}  // namespace

ParsedDestination parse_destination(std::string_view text) {
  ParsedDestination result;
  DestinationSpec spec;
  std::string_view port_text;
  bool has_port = false;

  if (text.empty()) {
    result.error = "empty destination";
    return result;
  }
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      result.error = "missing ']' in '" + std::string(text) + "'";
      return result;
    }
    spec.host = std::string(text.substr(1, close - 1));
    spec.zone = take_zone(spec.host);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        result.error = "expected ':PORT' after ']' in '" + std::string(text) + "'";
        return result;
      }
      port_text = rest.substr(1);
      has_port = true;
    }
    if (spec.host.find(':') == std::string::npos || !IpAddress::parse(spec.host)) {
      result.error = "'" + spec.host + "' in brackets is not an IPv6 address";
      return result;
    }
  } else if (std::count(text.begin(), text.end(), ':') >= 2) {
    spec.host = std::string(text);  // a bare IPv6 address: no port (write [addr]:port)
    spec.zone = take_zone(spec.host);
    if (!IpAddress::parse(spec.host)) {
      result.error = "'" + spec.host + "' is not an IPv6 address (write [IPv6]:PORT for a port)";
      return result;
    }
  } else {
    const std::size_t colon = text.find(':');
    spec.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      has_port = true;
    }
  }
  if (spec.host.empty()) {
    result.error = "no address in '" + std::string(text) + "'";
    return result;
  }
  if (!spec.zone.empty() && if_nametoindex(spec.zone.c_str()) == 0) {
    result.error = "'" + spec.zone + "' in '" + std::string(text) + "' is not an interface of this host";
    return result;
  }
  if (has_port) {
    spec.port = parse_port(port_text);
    if (!spec.port) {
      result.error = "bad port '" + std::string(port_text) + "' (a number from 0 to 65535)";
      return result;
    }
  }
  result.spec = std::move(spec);
  return result;
}

ResolvedDestination resolve_destination(const std::string& host) {
  ResolvedDestination out;
  if (const std::optional<IpAddress> literal = IpAddress::parse(host)) {
    out.addresses.push_back(*literal);
    return out;
  }
  out.from_name = true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    out.error = gai_strerror(rc);
    return out;
  }
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    Endpoint ep;
    if (!Endpoint::from_sockaddr(ai->ai_addr, ai->ai_addrlen, ep)) continue;
    if (std::find(out.addresses.begin(), out.addresses.end(), ep.address) == out.addresses.end())
      out.addresses.push_back(ep.address);
  }
  freeaddrinfo(list);
  if (out.addresses.empty()) out.error = "no IPv4 or IPv6 address";
  return out;
}

}  // namespace srcbind::cli
