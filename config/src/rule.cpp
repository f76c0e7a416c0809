// Rule filters and the names of the enumerations.
#include "srcbind/rule.hpp"

#include <algorithm>

namespace srcbind {

const std::string& SharedText::str() const noexcept {
  static const std::string empty;
  return text_ ? *text_ : empty;
}

std::string_view to_string(Protocol p) noexcept {
  switch (p) {
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::any: break;
  }
  return "any";
}

std::string_view to_string(OnError e) noexcept { return e == OnError::proceed ? "continue" : "fail"; }

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::off: return "off";
    case LogLevel::error: return "error";
    case LogLevel::warn: return "warn";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "warn";
}

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
  for (LogLevel level : {LogLevel::off, LogLevel::error, LogLevel::warn, LogLevel::info, LogLevel::debug}) {
    if (text == to_string(level)) return level;
  }
  return std::nullopt;
}

std::string Rule::label() const {
  if (!name.empty()) return name;
  if (line == 0) return file;   // quick mode: "SRCBIND_SOURCE"
  return "at line " + std::to_string(line);
}

bool Rule::applies_to(Family f) const noexcept {
  return source_for(f).has_value() || !interface.empty() || source_missing;
}

const std::optional<IpAddress>& Rule::source_for(Family f) const noexcept {
  return f == Family::v4 ? source_v4 : source_v6;
}

bool Rule::matches_port(std::uint16_t port) const noexcept {
  if (ports.empty()) return true;
  return std::any_of(ports.begin(), ports.end(),
                     [port](const PortRange& r) { return r.first <= port && port <= r.last; });
}

bool Rule::matches_protocol(Protocol p) const noexcept {
  return p == Protocol::any || protocol == Protocol::any || protocol == p;
}

bool Rule::matches_program(std::span<const std::string> names) const noexcept {
  if (programs.empty()) return true;
  return std::any_of(programs.begin(), programs.end(), [names](const std::string& program) {
    return std::find(names.begin(), names.end(), program) != names.end();
  });
}

}  // namespace srcbind
