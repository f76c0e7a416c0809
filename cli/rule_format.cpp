#include "rule_format.hpp"

namespace srcbind::cli {
namespace {

template <class Range, class Format>
std::string join(const Range& items, Format format) {
  std::string out;
  for (const auto& item : items) {
    const std::string text = format(item);
    if (text.empty()) continue;
    if (!out.empty()) out += ',';
    out += text;
  }
  return out;
}

}  // namespace

std::string rule_location(const Rule& rule) {
  if (rule.line == 0) return rule.file.str();
  return rule.file.str() + ":" + std::to_string(rule.line);
}

std::string rule_name(const Rule& rule) { return rule.label(); }

std::string format_destinations(const Rule& rule) {
  bool wildcard_written = false;
  const std::string out = join(rule.destinations, [&](const DestinationPattern& d) -> std::string {
    if (!d.wildcard) {
      const unsigned full = d.prefix.address.family == Family::v4 ? 32 : 128;
      return d.prefix.length == full ? d.prefix.address.to_string() : d.prefix.to_string();
    }
    if (wildcard_written) return {};  // `*` is stored once per family
    wildcard_written = true;
    return "*";
  });
  return out.empty() ? "-" : out;
}

std::string format_ports(const Rule& rule) {
  if (rule.ports.empty()) return "any";
  return join(rule.ports, [](const PortRange& p) {
    return p.first == p.last ? std::to_string(p.first) : std::to_string(p.first) + "-" + std::to_string(p.last);
  });
}

std::string format_programs(const Rule& rule) {
  if (rule.programs.empty()) return "any";
  return join(rule.programs, [](const std::string& p) { return p; });
}

std::string format_sources(const Rule& rule) {
  std::string out;
  if (rule.source_v4) out += rule.source_v4->to_string();
  if (rule.source_v6) out += (out.empty() ? "" : ",") + rule.source_v6->to_string();
  return out.empty() ? "-" : out;
}

std::string format_rule_fields(const Rule& rule) {
  return "destination=" + format_destinations(rule) + " port=" + format_ports(rule) +
         " protocol=" + std::string(to_string(rule.protocol)) + " program=" + format_programs(rule) +
         " source=" + format_sources(rule) + " interface=" + (rule.interface.empty() ? "-" : rule.interface) +
         " on_error=" + std::string(to_string(rule.on_error));
}

std::string rule_title(const Rule& rule) {
  if (rule.line == 0) return rule.label() + " (quick mode)";
  return rule.label() + " (" + rule_location(rule) + ")";
}

std::string rule_reference(const Rule& rule) { return rule.reference(); }

}  // namespace srcbind::cli
