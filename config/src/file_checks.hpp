// What config/ checks on a file before it reads it, shared by the INI file
// (config_file.cpp) and its compiled table (compiled_table_file.cpp): who may
// have written it, what it is, and a descriptor closed without the library's hook.
#pragma once

#include "srcbind/config_file.hpp"

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

namespace srcbind::detail {

// Closed with the system call, not close(): this code also runs inside
// libsrcbind.so, which interposes close(), and config/ calls none of the
// library's hooks (docs/architecture.md, "Boundaries"; checked on the built
// library by preload.boundary).
class RawFileDescriptor {
 public:
  explicit RawFileDescriptor(int fd) noexcept : fd_(fd) {}
  ~RawFileDescriptor() { close(); }
  RawFileDescriptor(const RawFileDescriptor&) = delete;
  RawFileDescriptor& operator=(const RawFileDescriptor&) = delete;
  int get() const noexcept { return fd_; }
  // 0, or -1 with errno (a file just written may report its write error here).
  int close() noexcept;

 private:
  int fd_;
};

// Empty when `trust` accepts the owner and mode in `st`; otherwise why not, with
// the command that fixes it: "writable by group (mode 0664); run chmod go-w PATH".
// `user`: the real user the owner is weighed against (getuid() when not given).
std::string untrusted_because(const struct stat& st, FileTrust trust, const std::string& path, uid_t user);
std::string untrusted_because(const struct stat& st, FileTrust trust, const std::string& path);

// What a path names that is not a regular file: "a FIFO", "a directory"...
std::string file_kind(mode_t mode);

}  // namespace srcbind::detail
