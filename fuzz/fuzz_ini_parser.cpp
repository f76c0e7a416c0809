// fuzz_ini_parser: arbitrary bytes as an INI file. The parser must not crash, and
// what it returns must make sense: diagnostics on lines that exist, in line order;
// only complete, valid rules kept; a Matcher over them agreeing with SPEC; the same
// result with CRLF line endings. A slice of the input also goes to the quick mode.
#include "fuzz_input.hpp"
#include "reference_matcher.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/ini_parser.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace srcbind;
using namespace srcbind::fuzz;

namespace {

constexpr std::string_view kFile = "fuzz.ini";
constexpr std::size_t kMaxLineLength = 64 * 1024;   // config/src/line_feeder.hpp

// A fixed host: loopback, two NICs (one with an alias label and a link-local
// address), and a device without addresses. Documentation addresses only.
const HostInterfaces& fake_host() {
  static const HostInterfaces host = [] {
    const auto at = [](const char* label, const char* address) {
      return InterfaceAddress{label, "", *IpAddress::parse(address)};
    };
    return HostInterfaces({at("lo", "127.0.0.1"), at("lo", "::1"), at("eth0", "198.51.100.10"),
                           at("eth0", "fe80::10"), at("eth0", "2001:db8::10"), at("eth0:1", "198.51.100.11"),
                           at("eth1", "203.0.113.5"), at("eth1", "2001:db8:1::5")},
                          {"wlan0"});
  }();
  return host;
}

[[noreturn]] void fail(const std::string& what, std::string_view text) {
  fuzz::fail(what + "\ninput (" + std::to_string(text.size()) + " bytes): " + std::string(text.substr(0, 2000)));
}

void check(bool ok, const char* what, std::string_view text) {
  if (!ok) fail(what, text);
}

// The input's lines: how many, and the longest (without its "\n").
struct Lines {
  std::size_t count = 0;
  std::size_t longest = 0;
};

Lines lines_of(std::string_view text) {
  Lines lines;
  for (std::size_t start = 0; start <= text.size(); ++lines.count) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.longest = std::max(lines.longest, end - start);
    start = end + 1;
  }
  return lines;
}

bool host_bits_clear(const Prefix& p) {
  const unsigned max = p.address.family == Family::v4 ? 32 : 128;
  if (p.length > max) return false;
  for (unsigned bit = p.length; bit < 128; ++bit) {
    if (p.address.bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

bool has_host_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.host_state && d.severity == Diagnostic::Severity::error;
  });
}

// A source `@NAME` or an interface that is not on the host: the rule is kept, to
// fail closed (see Diagnostic::host_state).
bool fails_closed(const Rule& rule) {
  return rule.source_missing || (!rule.interface.empty() && !fake_host().has_device(rule.interface));
}

void check_rule(const Rule& rule, std::size_t lines, std::string_view text,
                const std::vector<Diagnostic>& diagnostics) {
  const auto expect = [&](bool ok, const char* what) {
    if (!ok) fail("rule " + describe(rule) + ": " + what, text);
  };
  expect(rule.file == kFile && rule.line >= 1 && rule.line <= lines, "bad file:line");
  expect(!fails_closed(rule) || has_host_errors(diagnostics), "kept to fail closed, but no host-state error");
  expect(!rule.destinations.empty(), "no destination");
  expect(rule.source_v4 || rule.source_v6 || !rule.interface.empty() || rule.source_missing,
         "neither source nor interface");
  expect(!rule.source_v4 || (rule.source_v4->family == Family::v4 && !rule.source_v4->is_wildcard()),
         "bad IPv4 source");
  expect(!rule.source_v6 || (rule.source_v6->family == Family::v6 && !rule.source_v6->is_wildcard()),
         "bad IPv6 source");
  for (const auto& range : rule.ports) expect(range.first >= 1 && range.first <= range.last, "bad port range");
  for (const auto& pattern : rule.destinations) {
    expect(host_bits_clear(pattern.prefix), "prefix with host bits set or a bad length");
    expect(!pattern.wildcard || pattern.prefix.length == 0, "`*` that is not /0");
  }
  for (const auto& program : rule.programs) {
    expect(!program.empty() && program.find('/') == std::string::npos, "bad program");
  }
  if (!rule.interface.empty()) {
    const bool alias_label = fake_host().has_name(rule.interface) && !fake_host().has_device(rule.interface);
    expect(!alias_label, "an alias label as the interface");
    for (const auto* source : {&rule.source_v4, &rule.source_v6}) {
      if (!*source) continue;
      const auto device = fake_host().device_of(**source);
      expect(!device || *device == rule.interface, "source on another interface");
    }
  }
}

void check_table(const RuleTable& table, std::string_view text) {
  const std::size_t lines = lines_of(text).count;
  unsigned previous_line = 0;
  for (const Diagnostic& d : table.diagnostics) {
    const auto expect = [&](bool ok, const char* what) {
      if (!ok) fail(std::string(what) + " (" + std::to_string(lines) + " lines): " + d.to_string(), text);
    };
    expect(d.file == kFile, "diagnostic for another file");
    expect(d.line <= lines, "diagnostic past the last line");
    expect(d.line >= previous_line, "diagnostics out of line order");
    expect(!d.message.empty(), "empty diagnostic message");
    expect(!d.host_state || d.severity == Diagnostic::Severity::error, "a host-state warning");
    previous_line = d.line;
  }
  std::set<std::string> names;
  unsigned previous_rule_line = 0;
  for (const Rule& rule : table.rules) {
    check_rule(rule, lines, text, table.diagnostics);
    if (rule.line <= previous_rule_line) fail("rules out of order: " + describe(rule), text);
    previous_rule_line = rule.line;
    if (!rule.name.empty() && !names.insert(rule.name).second) fail("duplicate rule name " + rule.name, text);
  }
  // Host-state errors and no mistake in the file: the rules they are about were kept.
  if (has_host_errors(table.diagnostics) && !has_file_errors(table.diagnostics)) {
    check(std::any_of(table.rules.begin(), table.rules.end(), fails_closed),
          "a host-state error, and no rule kept to fail closed", text);
  }
  if (table.ok() && table.rules.empty()) {
    check(std::any_of(table.diagnostics.begin(), table.diagnostics.end(),
                      [](const Diagnostic& d) { return d.line == 0 && d.message == "no rules"; }),
          "a valid file without rules and without a \"no rules\" warning", text);
  }
}

// A Matcher over the parsed rules must agree with SPEC on destinations around them.
void check_matcher(const RuleTable& table) {
  static const std::vector<std::string> kNames{"curl", "ftp"};
  const Matcher matcher(table.rules, kNames);
  std::vector<RawDestination> destinations{
      v4_destination(203, 0, 113, 10, 21), v4_destination(198, 51, 100, 12, 443), v4_destination(127, 0, 0, 1, 22),
      v4_destination(0, 0, 0, 0, 0),       v4_destination(10, 1, 2, 3, 65535),
      mapped_destination(v4_destination(203, 0, 113, 70, 80)),
      v6_destination({0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, 443),
      v6_destination({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 53)};
  for (std::size_t i = 0; i < table.rules.size() && i < 16; ++i) {
    const Rule& rule = table.rules[i];
    for (const auto& pattern : rule.destinations) {
      RawDestination d;
      d.v6 = pattern.prefix.address.family == Family::v6;
      d.bytes = pattern.prefix.address.bytes;
      d.port = rule.ports.empty() ? 80 : rule.ports.back().last;
      destinations.push_back(d);
      break;
    }
  }
  for (const auto& d : destinations) {
    for (Protocol p : {Protocol::any, Protocol::tcp, Protocol::udp}) check_find(matcher, table.rules, kNames, d, p);
  }
}

// CRLF line endings change nothing (except at the line length limit, where the
// CR counts).
void check_crlf(const RuleTable& table, std::string_view text) {
  if (lines_of(text).longest + 1 >= kMaxLineLength || text.find('\0') != std::string_view::npos) return;
  std::string crlf;
  crlf.reserve(text.size() * 2);
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    crlf.append(text.substr(start, end - start));
    if (end < text.size()) crlf += "\r\n";
    start = end + 1;
  }
  const RuleTable other = parse_config_text(crlf, kFile, fake_host());
  check(other.diagnostics.size() == table.diagnostics.size(), "CRLF: different number of diagnostics", text);
  for (std::size_t i = 0; i < table.diagnostics.size(); ++i) {
    const std::string expected = table.diagnostics[i].to_string();
    const std::string actual = other.diagnostics[i].to_string();
    if (actual != expected) fail("CRLF: " + actual + " instead of " + expected, text);
  }
  check(other.rules.size() == table.rules.size(), "CRLF: different number of rules", text);
  for (std::size_t i = 0; i < table.rules.size(); ++i) {
    const std::string expected = describe(table.rules[i]);
    const std::string actual = describe(other.rules[i]);
    if (actual != expected) fail("CRLF: " + actual + " instead of " + expected, text);
  }
}

// SRCBIND_SOURCE = the first line (at most 256 bytes), SRCBIND_INTERFACE = the second.
void check_quick_mode(std::string_view text) {
  const std::string_view sources = text.substr(0, std::min<std::size_t>(text.find('\n'), 256));
  const std::string_view rest = text.substr(std::min(text.size(), sources.size() + 1));
  const std::string_view interface = rest.substr(0, std::min<std::size_t>(rest.find('\n'), 32));
  std::vector<Diagnostic> diagnostics;
  const auto rule = quick_mode_rule(sources, interface, fake_host(), diagnostics);
  if (rule) {
    // A rule comes with no errors, or only with host-state ones (a missing
    // interface or label: the rule stays and fails closed).
    check(!has_file_errors(diagnostics), "quick mode: a rule and errors", text);
    check(!rule->destinations.empty(), "quick mode: no destination", text);
    check(rule->source_v4 || rule->source_v6 || !rule->interface.empty() || rule->source_missing,
          "quick mode: nothing to apply", text);
    for (const auto& pattern : rule->destinations) {
      const bool loopback_only = !pattern.wildcard && pattern.prefix.address.is_loopback();
      if (!(pattern.wildcard && pattern.prefix.length == 0) && !loopback_only) {
        fail("quick mode: destination " + pattern.prefix.to_string(), text);
      }
    }
  } else {
    const auto blank = [](std::string_view s) { return s.find_first_not_of(" \t\r\v\f") == std::string_view::npos; };
    if (blank(sources) && blank(interface)) {
      check(diagnostics.empty(), "quick mode: diagnostics without any variable set", text);
    } else {
      check(has_errors(diagnostics), "quick mode: no rule and no error", text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const RuleTable table = parse_config_text(text, kFile, fake_host());
  for (const Diagnostic& d : table.diagnostics) (void)d.to_string();
  check_table(table, text);
  check_matcher(table);
  check_crlf(table, text);
  check_quick_mode(text);
  return 0;
}
