// One validated rule of the configuration, and the global settings.
#pragma once

#include "srcbind/address.hpp"

#include <cstdint>
#include <ostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind {

enum class Protocol : std::uint8_t { any, tcp, udp };
enum class OnError : std::uint8_t { fail, proceed };   // INI: fail | continue
enum class LogLevel : std::uint8_t { off, error, warn, info, debug };

std::string_view to_string(Protocol) noexcept;   // "any" "tcp" "udp"
std::string_view to_string(OnError) noexcept;    // "fail" "continue"
std::string_view to_string(LogLevel) noexcept;   // "off" "error" ...
std::optional<LogLevel> parse_log_level(std::string_view) noexcept;

// Text that many rules share (the file they were read from): one copy per file,
// not one heap string per rule — megabytes with 100,000 rules.
class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string text) : text_(std::make_shared<const std::string>(std::move(text))) {}
  SharedText(const char* text) : SharedText(std::string(text)) {}
  const std::string& str() const noexcept;
  operator const std::string&() const noexcept { return str(); }
  operator std::string_view() const noexcept { return str(); }
  friend bool operator==(const SharedText& a, std::string_view b) noexcept { return std::string_view(a.str()) == b; }
  // Inline, so that only code that prints one (the command, the tests) links
  // iostreams: in libsrcbind.so they would bring the locale machinery and its
  // start-up constructors into every process (bench/README.md, "Start-up").
  friend std::ostream& operator<<(std::ostream& out, const SharedText& t) { return out << t.str(); }

 private:
  std::shared_ptr<const std::string> text_;
};

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct DestinationPattern {
  Prefix prefix;
  // From `*`: stored as 0.0.0.0/0 and ::/0, but never matches loopback.
  bool wildcard = false;
};

struct Rule {
  std::string name;            // empty for an unnamed `[rule]`
  SharedText file;             // where the rule was written ("SRCBIND_SOURCE" for quick mode)
  unsigned line = 0;           // line of its section header
  std::vector<DestinationPattern> destinations;
  std::vector<PortRange> ports;          // empty: any port
  Protocol protocol = Protocol::any;
  std::vector<std::string> programs;     // empty: any program
  std::optional<IpAddress> source_v4;    // `@NAME` already resolved
  std::optional<IpAddress> source_v6;
  std::string interface;                 // empty: no SO_BINDTODEVICE
  // `source = @NAME` named nothing on this host when the file was loaded: the
  // rule still matches, and its connections fail with EADDRNOTAVAIL (on_error).
  bool source_missing = false;
  // Some source was given as `@NAME`: resolved from this host's interfaces when
  // the file was loaded (a compiled table does not keep such rules).
  bool named_source = false;
  OnError on_error = OnError::fail;      // effective: the rule's own, else [srcbind]'s

  // How every output names the rule (the log line, --check, --explain):
  // "client-ftp", "at line 12" for an unnamed one, "SRCBIND_SOURCE" for quick mode.
  // The library writes the same text without allocating (LineBuffer::rule).
  std::string label() const;
  // In sentences and log lines: "rule client-ftp", "rule at line 12", "rule SRCBIND_SOURCE".
  std::string reference() const { return "rule " + label(); }
  // SPEC: a rule applies to a family for which it has a source or an interface.
  bool applies_to(Family f) const noexcept;
  const std::optional<IpAddress>& source_for(Family f) const noexcept;
  bool matches_port(std::uint16_t port) const noexcept;
  // Protocol::any as the query means "not known yet": every rule passes.
  bool matches_protocol(Protocol p) const noexcept;
  // True when `programs` is empty or contains one of `names`.
  bool matches_program(std::span<const std::string> names) const noexcept;
};

struct Settings {
  OnError on_error = OnError::fail;
  LogLevel log_level = LogLevel::warn;
  std::string log_file;        // empty: stderr
};

}  // namespace srcbind
