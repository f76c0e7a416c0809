// Problems found while loading a configuration: values, never exceptions or prints.
// The library and the command each print them their own way.
#pragma once

#include <string>
#include <vector>

namespace srcbind {

struct Diagnostic {
  enum class Severity { error, warning };
  std::string file;
  unsigned line = 0;           // 0: about the whole file (unreadable, empty, ...)
  Severity severity = Severity::error;
  std::string message;

  // "FILE:LINE: message", or "FILE: message" when line is 0; warnings read
  // "FILE:LINE: warning: message", as compilers print them.
  std::string to_string() const;
};

bool has_errors(const std::vector<Diagnostic>& diagnostics) noexcept;

}  // namespace srcbind
