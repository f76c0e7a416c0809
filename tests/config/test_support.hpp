// Helpers shared by the config/ tests: a fake host, parsing shortcuts (temporary
// files: temp_dir.hpp of tests/harness).
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/ini_parser.hpp"
#include "srcbind/rule_table.hpp"
#include "temp_dir.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace srcbind::test {

// lo: 127.0.0.1, ::1
// eth0: 198.51.100.110, alias eth0:1 198.51.100.111, 2001:db8::10 (after fe80::10)
// eth1: 198.51.100.12, 2001:db8:2::12
// wg0: a device with no address
HostInterfaces fake_host();

IpAddress ip(std::string_view text);          // must parse
Endpoint endpoint(std::string_view address, std::uint16_t port = 80);

// Parses `text` as "rules.ini" on fake_host().
RuleTable parse(std::string_view text);
// Every diagnostic as to_string() ("rules.ini:7: ...").
std::vector<std::string> messages(const RuleTable& table);
std::vector<std::string> messages(const std::vector<Diagnostic>& diagnostics);
std::vector<std::string> errors(const RuleTable& table);
// The names of the table's rules, in order.
std::vector<std::string> rule_names(const RuleTable& table);

}  // namespace srcbind::test
