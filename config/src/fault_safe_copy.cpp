#include "fault_safe_copy.hpp"

#include "file_checks.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace srcbind::detail {
namespace {

// A pipe holds 64 KiB unless asked for more; 1 MiB is the most an unprivileged
// process may ask for by default (/proc/sys/fs/pipe-max-size). Fewer rounds, same bytes.
constexpr int kWantedPipeBytes = 1 << 20;

// Both ends closed, and the pipe sized, by system calls: close() and fcntl()
// are the library's own hooks inside libsrcbind.so (file_checks.hpp).
class Pipe {
 public:
  Pipe() noexcept : Pipe(made()) {}

  bool ok() const noexcept { return write_end_.get() >= 0; }
  int read_end() const noexcept { return read_end_.get(); }
  int write_end() const noexcept { return write_end_.get(); }
  // What one write can put in the empty pipe.
  std::size_t capacity() const noexcept {
    const long grown = ::syscall(SYS_fcntl, write_end(), F_SETPIPE_SZ, kWantedPipeBytes);
    const long size = grown > 0 ? grown : ::syscall(SYS_fcntl, write_end(), F_GETPIPE_SZ);
    return size > 0 ? static_cast<std::size_t>(size) : 4096;
  }

 private:
  struct Ends {
    int fds[2] = {-1, -1};
  };
  static Ends made() noexcept {
    Ends ends;
    if (::pipe2(ends.fds, O_CLOEXEC | O_NONBLOCK) != 0) ends = {};
    return ends;
  }
  explicit Pipe(Ends ends) noexcept : read_end_(ends.fds[0]), write_end_(ends.fds[1]) {}

  RawFileDescriptor read_end_;
  RawFileDescriptor write_end_;
};

// One system call that may be interrupted, retried: the result, or -1 with errno.
template <typename Call>
ssize_t retrying(Call call) noexcept {
  ssize_t n;
  do {
    n = call();
  } while (n < 0 && errno == EINTR);
  return n;
}

// Moves what is in the (otherwise empty) pipe to `to`: exactly `bytes`.
bool drain(int read_end, char* to, std::size_t bytes) noexcept {
  while (bytes > 0) {
    const ssize_t n = retrying([&] { return ::read(read_end, to, bytes); });
    if (n <= 0) return false;   // cannot happen: the bytes are in the pipe
    to += n;
    bytes -= static_cast<std::size_t>(n);
  }
  return true;
}

int copy(const Pipe& pipe, const char* from, std::size_t bytes, char* to) noexcept {
  const std::size_t round = pipe.capacity();
  while (bytes > 0) {
    const std::size_t want = bytes < round ? bytes : round;
    // The pipe is empty: a non-blocking write puts at least a page in it, or
    // fails (EFAULT: the first page of `from` is gone).
    const ssize_t put = retrying([&] { return ::write(pipe.write_end(), from, want); });
    if (put < 0) return errno;
    if (put == 0 || !drain(pipe.read_end(), to, static_cast<std::size_t>(put))) return EIO;
    from += put;
    to += put;
    bytes -= static_cast<std::size_t>(put);
  }
  return 0;
}

}  // namespace

int copy_through_kernel(const void* from, std::size_t bytes, void* to) noexcept {
  const int saved = errno;
  int result = 0;
  if (bytes > 0) {
    const Pipe pipe;
    result = pipe.ok() ? copy(pipe, static_cast<const char*>(from), bytes, static_cast<char*>(to)) : errno;
  }
  errno = saved;
  return result;
}

}  // namespace srcbind::detail
