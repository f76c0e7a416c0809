#include "logger.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace srcbind::preload {
namespace {

// Raw syscalls, not the C library's open/write/close: those are cancellation
// points, and a line logged for a program's call must not become one.
void write_all(int fd, std::string_view text) noexcept {
  while (!text.empty()) {
    auto n = static_cast<ssize_t>(::syscall(SYS_write, fd, text.data(), text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;   // EAGAIN included: a full pipe loses the rest of the line
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// 1 or 2 when `path` names a standard stream, else -1.
int standard_stream(std::string_view path) noexcept {
  for (int fd : {1, 2}) {
    const bool err = fd == 2;
    if (path == (err ? "/dev/stderr" : "/dev/stdout") || path == (err ? "/dev/fd/2" : "/dev/fd/1") ||
        path == (err ? "/proc/self/fd/2" : "/proc/self/fd/1")) {
      return fd;
    }
  }
  return -1;
}

StandardStreams::Identity identity_of(int fd) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {};
  return {true, st.st_dev, st.st_ino};
}

}  // namespace

StandardStreams StandardStreams::current() noexcept { return {identity_of(1), identity_of(2)}; }

void Logger::configure(LogLevel level, std::string file, std::string program, const StandardStreams& streams) {
  level_ = level;
  program_ = std::move(program);
  const int stream = standard_stream(file);
  if (stream >= 0) {
    stream_fd_ = stream;
    file.clear();
  }
  struct stat link {};
  if (!file.empty() && ::lstat(file.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    file_problem_ = "log file " + file + " is a symbolic link, which srcbind does not follow; logging to stderr";
    file.clear();
  }
  file_ = std::move(file);
  stream_ = stream_fd_ == 1 ? streams.out : streams.err;
}

LineBuffer Logger::start() const noexcept {
  LineBuffer line;
  // The raw syscall: correct in a fork child, whatever libc caches.
  line.text("srcbind[").number(static_cast<unsigned long>(::syscall(SYS_getpid))).text("] ");
  line.text(program_).text(": ");
  return line;
}

void Logger::write(LineBuffer& line) const noexcept {
  std::string_view text = line.finish();
  if (!file_.empty()) {
    const auto fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, file_.c_str(),
                                                O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK,
                                                0600));
    if (fd < 0) return;
    write_all(fd, text);
    ::syscall(SYS_close, fd);
    return;
  }
  struct stat st {};
  if (!stream_.open || ::fstat(stream_fd_, &st) != 0) return;
  if (st.st_dev != stream_.device || st.st_ino != stream_.inode) return;
  write_all(stream_fd_, text);
}

}  // namespace srcbind::preload
