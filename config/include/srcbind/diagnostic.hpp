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
  // About this host's present state, not the file: an interface or label that
  // does not exist now (a VPN that is down). The command refuses the file; the
  // library keeps the rule, whose connections then fail by its on_error
  // instead of leaving from a source nobody chose.
  bool host_state = false;

  // "FILE:LINE: message", or "FILE: message" when line is 0; warnings read
  // "FILE:LINE: warning: message", as compilers print them.
  std::string to_string() const;
};

bool has_errors(const std::vector<Diagnostic>& diagnostics) noexcept;
// Errors in the file itself, host-state errors left out.
bool has_file_errors(const std::vector<Diagnostic>& diagnostics) noexcept;

}  // namespace srcbind
