// Reporter: turns a message into a Diagnostic at a given FILE:LINE.
#pragma once

#include "srcbind/diagnostic.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace srcbind::detail {

// Where the messages about one line go.
struct Reporter {
  std::vector<Diagnostic>* out;
  std::string_view file;
  unsigned line = 0;
  unsigned* error_count = nullptr;   // optional: counts the errors reported

  void error(std::string message) const;
  void host_error(std::string message) const;   // see Diagnostic::host_state
  void warning(std::string message) const;
};

}  // namespace srcbind::detail
