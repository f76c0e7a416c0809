// Log lines of the form SPEC fixes: `srcbind[PID] PROG: ...`.
//
// Async-signal-safe: a LineBuffer and write(2). No file descriptor is kept
// between lines (docs/linux-facts.md Q11: ssh closes every fd, and a kept fd can end up
// writing into the program's own TCP stream). A log file is opened, written and
// closed per line. stderr is written only while fd 2 is still the file it was
// when the process started; a daemon that closed it or put something else there
// gets nothing from us.
//
// A log file never costs the program time: it is opened non-blocking, so a FIFO
// without a reader or a full pipe loses the line. Symbolic links are not followed
// (a log_file in a shared directory must not become a way to append to another
// file), except the names of the standard streams: /dev/stderr, /dev/fd/2,
// /proc/self/fd/2 (and the same for 1) mean that stream itself.
#pragma once

#include "line_buffer.hpp"
#include "srcbind/rule.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>

namespace srcbind::preload {

// Which files stdout and stderr are, taken at start.
struct StandardStreams {
  struct Identity {
    bool open = false;
    dev_t device = 0;
    ino_t inode = 0;
  };
  Identity out;   // fd 1
  Identity err;   // fd 2
  static StandardStreams current() noexcept;
};

class Logger {
 public:
  void configure(LogLevel level, std::string file, std::string program, const StandardStreams& streams);
  bool enabled(LogLevel level) const noexcept { return level != LogLevel::off && level <= level_; }
  // A line that already holds "srcbind[PID] PROG: ".
  LineBuffer start() const noexcept;
  void write(LineBuffer& line) const noexcept;
  // Why the configured log file is not used (then lines go to stderr), or empty.
  const std::string& file_problem() const noexcept { return file_problem_; }

 private:
  LogLevel level_ = LogLevel::warn;
  std::string file_;          // empty: a standard stream
  std::string program_;
  std::string file_problem_;
  int stream_fd_ = 2;         // the standard stream used when file_ is empty
  StandardStreams::Identity stream_;   // what it was at start
};

}  // namespace srcbind::preload
