// load_config_file: open, check who may have written the file, read, parse.
#include "srcbind/ini_parser.hpp"
#include "srcbind/rule_table.hpp"

#include "prefault.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace srcbind {
namespace {

// Far above any real configuration (100,000 rules are ~5 MB); stops /dev/zero or a
// runaway generated file from eating the host program's memory.
constexpr off_t kMaxFileSize = 64 * 1024 * 1024;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    // The system call, not close(): this code also runs inside libsrcbind.so,
    // which interposes close(), and config/ calls none of the library's hooks
    // (docs/architecture.md; checked on the built library by preload.boundary).
    if (fd_ >= 0) ::syscall(SYS_close, fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string mode_text(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

// Empty when `st` may be trusted; otherwise why not.
std::string trust_problem(const struct stat& st, FileTrust trust, const std::string& path) {
  if (trust == FileTrust::any) return {};
  const uid_t user = ::getuid();
  if (trust == FileTrust::root_only && st.st_uid != 0) {
    return "not trusted: owned by uid " + std::to_string(st.st_uid) + ", not by root; run chown root " + path;
  }
  if (trust == FileTrust::owner_or_root && st.st_uid != 0 && st.st_uid != user) {
    return "not trusted: owned by uid " + std::to_string(st.st_uid) + ", neither by you (uid " +
           std::to_string(user) + ") nor by root";
  }
  const bool group = (st.st_mode & S_IWGRP) != 0;
  const bool others = (st.st_mode & S_IWOTH) != 0;
  if (group || others) {
    return std::string("not trusted: writable by ") + (group && others ? "group and others" : group ? "group" : "others") +
           " (mode " + mode_text(st.st_mode) + "); run chmod go-w " + path;
  }
  return {};
}

RuleTable file_error(const std::string& path, std::string message) {
  RuleTable table;
  table.config_path = path;
  table.diagnostics.push_back({path, 0, Diagnostic::Severity::error, std::move(message)});
  return table;
}

// /dev/null is the conventional "no file": an empty configuration.
bool is_dev_null(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3); }

std::string file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a file";
}

std::string cannot_read(int error) { return std::string("cannot read: ") + std::strerror(error); }

}  // namespace

RuleTable load_config_file(const std::string& path, const HostInterfaces& host, FileTrust trust) {
  // Not O_NOFOLLOW: a symlinked configuration is fine; the checks are on what was
  // opened. O_NONBLOCK: opening a FIFO without a writer would otherwise wait
  // forever, in every program that loads the library (docs/linux-facts.md Q16).
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return file_error(path, cannot_read(errno));

  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return file_error(path, cannot_read(errno));
  if (is_dev_null(st)) {
    RuleTable empty = parse_config_text("", path, host);
    empty.config_path = path;
    return empty;
  }
  if (!S_ISREG(st.st_mode)) return file_error(path, "cannot read: not a regular file (" + file_kind(st.st_mode) + ")");
  if (auto problem = trust_problem(st, trust, path); !problem.empty()) return file_error(path, std::move(problem));
  if (st.st_size > kMaxFileSize) {
    return file_error(path, "is larger than " + std::to_string(kMaxFileSize / (1024 * 1024)) + " MiB");
  }

  // One byte more than the file, so that the read that sees its end needs no
  // larger buffer (growing would copy the whole text).
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size) + 1);
  detail::prefault(text.data(), text.capacity());
  text.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t filled = 0;
  while (true) {
    if (filled == text.size()) {
      // The file may grow between fstat and read; read on, up to the cap.
      if (text.size() >= static_cast<std::size_t>(kMaxFileSize)) {
        return file_error(path, "is larger than " + std::to_string(kMaxFileSize / (1024 * 1024)) + " MiB");
      }
      text.resize(text.size() + 4096);
    }
    const ssize_t n = ::read(fd.get(), text.data() + filled, text.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(path, cannot_read(errno));
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  text.resize(filled);

  RuleTable table = parse_config_text(text, path, host);
  table.config_path = path;
  return table;
}

}  // namespace srcbind
