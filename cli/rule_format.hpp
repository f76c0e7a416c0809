// One-line descriptions of rules, shared by --check and --explain.
#pragma once

#include "srcbind/rule.hpp"

#include <string>

namespace srcbind::cli {

// "FILE:LINE", or "FILE" for a rule without a line (quick mode: "SRCBIND_SOURCE").
std::string rule_location(const Rule& rule);

// Rule::label(): "client-ftp", "at line 12" for a `[rule]` without a name.
std::string rule_name(const Rule& rule);

// "*", or "203.0.113.10,203.0.113.64/26,2001:db8:1::/48".
std::string format_destinations(const Rule& rule);
// "any", or "21,30000-30100".
std::string format_ports(const Rule& rule);
// "any", or "ftp,lftp".
std::string format_programs(const Rule& rule);
// "198.51.100.12,2001:db8:2::12", or "-".
std::string format_sources(const Rule& rule);

// "destination=... port=... protocol=... program=... source=... interface=... on_error=..."
std::string format_rule_fields(const Rule& rule);

// "client-ftp (FILE:7)", "at line 12 (FILE:12)", or "SRCBIND_SOURCE (quick mode)".
std::string rule_title(const Rule& rule);

// For sentences: Rule::reference(), "rule client-ftp", "rule at line 12", "rule SRCBIND_SOURCE".
std::string rule_reference(const Rule& rule);

}  // namespace srcbind::cli
