#include "test_support.hpp"

#include <gtest/gtest.h>

namespace srcbind::test {

HostInterfaces fake_host() {
  return HostInterfaces(
      {
          {"lo", "lo", ip("127.0.0.1")},
          {"eth0", "eth0", ip("198.51.100.110")},
          {"eth0:1", "eth0", ip("198.51.100.111")},
          {"eth1", "eth1", ip("198.51.100.12")},
          {"lo", "lo", ip("::1")},
          {"eth0", "eth0", ip("fe80::10")},
          {"eth0", "eth0", ip("2001:db8::10")},
          {"eth1", "eth1", ip("2001:db8:2::12")},
      },
      {"lo", "eth0", "eth1", "wg0"});
}

IpAddress ip(std::string_view text) {
  const auto address = IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

Endpoint endpoint(std::string_view address, std::uint16_t port) {
  Endpoint e;
  e.address = ip(address);
  e.port = port;
  return e;
}

RuleTable parse(std::string_view text) { return parse_config_text(text, "rules.ini", fake_host()); }

std::vector<std::string> messages(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) out.push_back(d.to_string());
  return out;
}

std::vector<std::string> messages(const RuleTable& table) { return messages(table.diagnostics); }

std::vector<std::string> errors(const RuleTable& table) {
  std::vector<std::string> out;
  for (const auto& d : table.diagnostics) {
    if (d.severity == Diagnostic::Severity::error) out.push_back(d.to_string());
  }
  return out;
}

std::vector<std::string> rule_names(const RuleTable& table) {
  std::vector<std::string> names;
  for (const Rule& rule : table.rules) names.push_back(rule.name);
  return names;
}

}  // namespace srcbind::test
