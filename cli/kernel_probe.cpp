#include "kernel_probe.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace srcbind::cli {
namespace {

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

KernelChoice failure(const char* step) {
  KernelChoice c;
  c.error = errno;
  c.step = step;
  return c;
}

}  // namespace

KernelChoice kernel_source_for(const IpAddress& destination, std::uint16_t port, const std::string& device) {
  const bool v4 = destination.family == Family::v4;
  const Socket s(socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (s.get() < 0) return failure("socket");
  if (!device.empty() &&
      setsockopt(s.get(), SOL_SOCKET, SO_BINDTODEVICE, device.c_str(), static_cast<socklen_t>(device.size())) != 0)
    return failure("SO_BINDTODEVICE");

  socklen_t length = 0;
  const sockaddr_storage storage = to_sockaddr(destination, port, length);
  // The raw system call: srcbind itself may run with libsrcbind.so preloaded (after
  // `eval "$(srcbind --print-env)"`), and the hook must not answer for the kernel.
  if (::syscall(SYS_connect, s.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0)
    return failure("connect");

  sockaddr_storage local{};
  socklen_t local_length = sizeof local;
  if (getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &local_length) != 0) return failure("getsockname");
  Endpoint ep;
  if (!Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&local), local_length, ep)) {
    errno = EAFNOSUPPORT;
    return failure("getsockname");
  }
  KernelChoice choice;
  choice.source = ep.address;
  return choice;
}

std::string describe(const KernelChoice& choice) {
  if (choice.source) return choice.source->to_string();
  const char* name = strerrorname_np(choice.error);
  const std::string error = std::string(name != nullptr ? name : "error") + ": " + std::strerror(choice.error);
  if (choice.step == "connect" &&
      (choice.error == ENETUNREACH || choice.error == EHOSTUNREACH || choice.error == EADDRNOTAVAIL))
    return "no route (" + error + ")";
  return "unknown (" + choice.step + ": " + error + ")";
}

}  // namespace srcbind::cli
