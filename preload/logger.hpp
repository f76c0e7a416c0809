// Log lines of the form SPEC fixes: `srcbind[PID] PROG: ...`.
//
// Async-signal-safe: a LineBuffer and write(2). No file descriptor is kept
// between lines (LINUX-NOTES Q11: ssh closes every fd, and a kept fd can end up
// writing into the program's own TCP stream). A log file is opened, written and
// closed per line. stderr is written only while fd 2 is still the file it was
// when the library loaded; a daemon that closed it or put something else there
// gets nothing from us.
#pragma once

#include "line_buffer.hpp"
#include "srcbind/rule.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>

namespace srcbind::preload {

class Logger {
 public:
  void configure(LogLevel level, std::string file, std::string program);
  bool enabled(LogLevel level) const noexcept { return level != LogLevel::off && level <= level_; }
  // A line that already holds "srcbind[PID] PROG: ".
  LineBuffer start() const noexcept;
  void write(LineBuffer& line) const noexcept;

 private:
  LogLevel level_ = LogLevel::warn;
  std::string file_;          // empty: stderr
  std::string program_;
  bool stderr_known_ = false; // fd 2 was open when the library loaded
  dev_t stderr_dev_ = 0;
  ino_t stderr_ino_ = 0;
};

}  // namespace srcbind::preload
