// INI text → RuleTable, with every problem reported as FILE:LINE: message in one pass.
// Uses inih (ini_parse_stream), fed one physical line at a time so that each of its
// key=value callbacks has an exact line number (config/src/line_feeder.cpp says what
// is checked around Debian's inih build, and why).
#pragma once

#include "srcbind/host_interfaces.hpp"
#include "srcbind/rule_table.hpp"

#include <string_view>

namespace srcbind {

// `file_name` is used only in diagnostics. Accepts CRLF line endings and a UTF-8
// BOM. On errors, `rules` keeps what could be parsed (for --check) and the caller
// decides (load_effective_config drops them all).
RuleTable parse_config_text(std::string_view text, std::string_view file_name,
                            const HostInterfaces& host);

}  // namespace srcbind
