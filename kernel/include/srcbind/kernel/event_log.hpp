// The decision log of the kernel backend, in the library's format
// (preload/steering.cpp), e.g.
//   srcbind[4242] ftp: tcp 203.0.113.10:21 -> 198.51.100.12 (rule client-ftp)
#pragma once

#include "srcbind/rule.hpp"

#include <span>
#include <string>

struct sb_event;

namespace srcbind::kernel {

// "client-ftp", "at line 12" or "SRCBIND_SOURCE", as the library names a rule.
std::string rule_reference(const Rule& rule);

// One line (with its '\n') for one event of the BPF programs.
std::string format_event(const sb_event& event, std::span<const Rule> rules);

}  // namespace srcbind::kernel
