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
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void Logger::configure(LogLevel level, std::string file, std::string program) {
  level_ = level;
  file_ = std::move(file);
  program_ = std::move(program);
  struct stat st {};
  stderr_known_ = ::fstat(STDERR_FILENO, &st) == 0;
  stderr_dev_ = st.st_dev;
  stderr_ino_ = st.st_ino;
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
                                                O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
    if (fd < 0) return;
    write_all(fd, text);
    ::syscall(SYS_close, fd);
    return;
  }
  struct stat st {};
  if (!stderr_known_ || ::fstat(STDERR_FILENO, &st) != 0) return;
  if (st.st_dev != stderr_dev_ || st.st_ino != stderr_ino_) return;
  write_all(STDERR_FILENO, text);
}

}  // namespace srcbind::preload
