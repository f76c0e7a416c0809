// Parsing and checking the values of a rule's keys.
#include "rule_values.hpp"

#include <net/if.h>

#include <charconv>

namespace srcbind::detail {
namespace {

std::string_view family_name(Family f) { return f == Family::v4 ? "IPv4" : "IPv6"; }

bool report_empty_item(std::string_view key, const Reporter& report) {
  report.error("empty entry in the " + std::string(key) + " list (two commas in a row, or one at an end?)");
  return false;
}

// 1-65535, digits only.
std::optional<std::uint16_t> parse_port_number(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

bool parse_port_item(std::string_view item, Rule& rule, const Reporter& report) {
  const auto dash = item.find('-');
  const std::string_view first_text = trim(item.substr(0, dash));
  const std::string_view last_text = dash == std::string_view::npos ? first_text : trim(item.substr(dash + 1));
  const auto first = parse_port_number(first_text);
  const auto last = parse_port_number(last_text);
  if (!first || !last) {
    for (std::string_view part : {first_text, last_text}) {
      if (is_all_digits(part) && !parse_port_number(part)) {
        report.error("port " + quoted(part) + " is out of range (1-65535)");
        return false;
      }
    }
    report.error("port " + quoted(item) + " is not a port or a range (expected e.g. 21 or 30000-30100)");
    return false;
  }
  if (*first > *last) {
    report.error("port range " + quoted(item) + " is reversed (the first port must not be above the last)");
    return false;
  }
  rule.ports.push_back({*first, *last});
  return true;
}

bool parse_destination_item(std::string_view item, Rule& rule, const Reporter& report) {
  if (item == "*") {
    add_wildcard_destinations(rule.destinations);
    return true;
  }
  const PrefixParse parsed = parse_prefix(item);
  switch (parsed.error) {
    case PrefixError::none:
      rule.destinations.push_back({*parsed.prefix, false});
      return true;
    case PrefixError::bad_address:
      report.error("destination " + quoted(item) + " is not an IPv4 or IPv6 address or prefix (or *)");
      return false;
    case PrefixError::bad_length:
      report.error("prefix length in " + quoted(item) + " is not a number");
      return false;
    case PrefixError::length_out_of_range: {
      const bool v6 = item.find(':') != std::string_view::npos;
      report.error("prefix length in " + quoted(item) + " is out of range (" +
                   (v6 ? "0-128 for IPv6" : "0-32 for IPv4") + ")");
      return false;
    }
    case PrefixError::host_bits_set:
      report.error("destination " + quoted(item) + " has host bits set (did you mean " +
                   parsed.network.to_string() + "?)");
      return false;
  }
  return false;
}

// Stores `address` as the rule's source of its family, refusing a second one.
// `from` is the `@NAME` it came from, if any.
bool set_source(Rule& rule, const IpAddress& address, std::string_view from, const Reporter& report) {
  auto& slot = address.family == Family::v4 ? rule.source_v4 : rule.source_v6;
  if (slot) {
    report.error("two " + std::string(family_name(address.family)) + " sources (" + slot->to_string() + " and " +
                 address.to_string() + (from.empty() ? "" : " from " + std::string(from)) +
                 "); a rule has at most one source per family");
    return false;
  }
  slot = address;
  return true;
}

bool parse_named_source(std::string_view item, Rule& rule, const HostInterfaces& host, const Reporter& report) {
  const std::string_view name = item.substr(1);
  rule.named_source = true;
  if (name.empty()) {
    report.error("source \"@\" needs an interface or alias label after the @ (e.g. @eth0 or @eth0:1)");
    return false;
  }
  // Host state, not a mistake in the file: the rule is kept and fails closed.
  if (!host.has_name(name)) {
    report.host_error("source " + quoted(item) + ": there is no interface or alias label " + quoted(name) +
                      " on this host");
    rule.source_missing = true;
    return true;
  }
  const auto v4 = host.first_address(name, Family::v4);
  const auto v6 = host.first_address(name, Family::v6);
  if (!v4 && !v6) {
    report.host_error("source " + quoted(item) + ": " + quoted(name) + " has no IPv4 or IPv6 address");
    rule.source_missing = true;
    return true;
  }
  bool ok = true;
  for (const auto& address : {v4, v6}) {
    if (address) ok = set_source(rule, *address, item, report) && ok;
  }
  return ok;
}

bool parse_address_source(std::string_view item, Rule& rule, const HostInterfaces& host, SourceWarnings& warnings,
                          const Reporter& report) {
  const auto address = IpAddress::parse(item);
  if (!address) {
    if (item.find('/') != std::string_view::npos && Prefix::parse(item)) {
      report.error("source " + quoted(item) + " is a prefix; a source is one address");
    } else {
      report.error("source " + quoted(item) + " is not an IPv4 or IPv6 address (or @INTERFACE)");
    }
    return false;
  }
  if (address->is_wildcard()) {
    report.error("source " + quoted(item) + " is the unspecified address; it would not choose a source");
    return false;
  }
  if (!set_source(rule, *address, {}, report)) return false;
  // Not an error: --check warns, and at run time on_error decides (EADDRNOTAVAIL).
  if (warnings.checked.insert(*address).second && !host.is_local(*address)) {
    report.warning("source " + address->to_string() +
                   " is not an address of this host (binding it will fail with EADDRNOTAVAIL)");
  }
  return true;
}

}  // namespace

void add_wildcard_destinations(std::vector<DestinationPattern>& out) {
  Prefix any_v4;
  Prefix any_v6;
  any_v6.address.family = Family::v6;
  out.push_back({any_v4, true});
  out.push_back({any_v6, true});
}

bool parse_destinations(std::string_view value, Rule& rule, const Reporter& report) {
  bool ok = true;
  for_each_item(value, [&](std::string_view item) {
    ok = (item.empty() ? report_empty_item("destination", report) : parse_destination_item(item, rule, report)) && ok;
  });
  return ok;
}

bool parse_ports(std::string_view value, Rule& rule, const Reporter& report) {
  bool ok = true;
  for_each_item(value, [&](std::string_view item) {
    ok = (item.empty() ? report_empty_item("port", report) : parse_port_item(item, rule, report)) && ok;
  });
  return ok;
}

bool parse_protocol(std::string_view value, Rule& rule, const Reporter& report) {
  if (value == "tcp") {
    rule.protocol = Protocol::tcp;
  } else if (value == "udp") {
    rule.protocol = Protocol::udp;
  } else if (value == "any") {
    rule.protocol = Protocol::any;
  } else {
    report.error("protocol " + quoted(value) + " is not known (expected tcp, udp or any)");
    return false;
  }
  return true;
}

bool parse_programs(std::string_view value, Rule& rule, const Reporter& report) {
  bool ok = true;
  for_each_item(value, [&](std::string_view item) {
    if (item.empty()) {
      ok = report_empty_item("program", report);
    } else if (item.find('/') != std::string_view::npos) {
      const std::string_view base = item.substr(item.rfind('/') + 1);
      report.error("program " + quoted(item) + " is a path; give the executable's name" +
                   (base.empty() ? std::string() : " (" + std::string(base) + ")"));
      ok = false;
    } else {
      rule.programs.emplace_back(item);
    }
  });
  return ok;
}

bool parse_sources(std::string_view value, Rule& rule, const HostInterfaces& host, SourceWarnings& warnings,
                   const Reporter& report) {
  bool ok = true;
  for_each_item(value, [&](std::string_view item) {
    if (item.empty()) {
      ok = report_empty_item("source", report);
    } else if (item.front() == '@') {
      ok = parse_named_source(item, rule, host, report) && ok;
    } else {
      ok = parse_address_source(item, rule, host, warnings, report) && ok;
    }
  });
  return ok;
}

bool parse_interface(std::string_view value, Rule& rule, const HostInterfaces& host, const Reporter& report) {
  if (value.find(',') != std::string_view::npos) {
    report.error("interface " + quoted(value) + " names more than one interface (a rule has one)");
    return false;
  }
  if (value.size() >= IFNAMSIZ) {
    report.error("interface " + quoted(value) + " is longer than " + std::to_string(IFNAMSIZ - 1) +
                 " bytes, the longest interface name");
    return false;
  }
  if (!host.has_device(value)) {
    if (host.has_name(value)) {
      report.error("interface " + quoted(value) + " is an alias label, not a device (use interface = " +
                   std::string(value.substr(0, value.find(':'))) + ")");
      return false;
    }
    // Host state (a VPN that is down): kept, so that SO_BINDTODEVICE fails with
    // ENODEV and on_error decides, instead of traffic leaving another way.
    report.host_error("interface " + quoted(value) + " is not on this host (SO_BINDTODEVICE would fail with ENODEV)");
  }
  rule.interface = value;
  return true;
}

bool check_sources_on_interface(const Rule& rule, const HostInterfaces& host, const Reporter& report) {
  if (rule.interface.empty()) return true;
  bool ok = true;
  for (const auto* source : {&rule.source_v4, &rule.source_v6}) {
    if (!*source) continue;
    const auto device = host.device_of(**source);
    if (!device || *device == rule.interface) continue;
    report.error("source " + (*source)->to_string() + " is on interface " + *device + ", not on " + rule.interface +
                 ": packets would leave through " + rule.interface + " and replies arrive on " + *device +
                 " (a silent hang)");
    ok = false;
  }
  return ok;
}

std::optional<OnError> parse_on_error(std::string_view value, const Reporter& report) {
  if (value == "fail") return OnError::fail;
  if (value == "continue") return OnError::proceed;
  report.error("on_error " + quoted(value) + " is not known (expected fail or continue)");
  return std::nullopt;
}

std::optional<LogLevel> parse_log(std::string_view value, const Reporter& report) {
  if (const auto level = parse_log_level(value)) return level;
  report.error("log level " + quoted(value) + " is not known (expected off, error, warn, info or debug)");
  return std::nullopt;
}

std::optional<std::string> parse_log_file(std::string_view value, const Reporter& report) {
  // A relative path would land in whatever directory each program runs in.
  if (value.empty() || value.front() != '/') {
    report.error("log_file " + quoted(value) + " must be an absolute path");
    return std::nullopt;
  }
  return std::string(value);
}

}  // namespace srcbind::detail
