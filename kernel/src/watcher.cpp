#include "srcbind/kernel/watcher.hpp"

#include "srcbind/kernel/cgroup.hpp"
#include "srcbind/kernel/event_log.hpp"
#include "srcbind_events.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace srcbind::kernel {
namespace {

struct Printer {
  const WatchSettings* settings;
  int out_fd;
};

bool wanted(const sb_event& e, LogLevel level) {
  switch (e.kind) {
    case SB_EVENT_APPLIED:
    case SB_EVENT_LEFT_ALONE: return level >= LogLevel::info;
    case SB_EVENT_FAILED: return level >= LogLevel::error;
    default: return level >= LogLevel::warn;
  }
}

int print_event(void* context, void* data, std::size_t size) {
  const auto* printer = static_cast<const Printer*>(context);
  if (size < sizeof(sb_event)) return 0;
  sb_event event;
  std::memcpy(&event, data, sizeof event);
  if (!wanted(event, printer->settings->log_level)) return 0;
  const std::string line = format_event(event, printer->settings->rules);
  // One write per line, as the library does: lines of concurrent writers stay whole.
  (void)!::write(printer->out_fd, line.data(), line.size());
  return 0;
}

// cgroup.events is re-read from its start each time: that also re-arms poll().
bool populated(int events_file) {
  char text[256];
  const ssize_t n = ::pread(events_file, text, sizeof text - 1, 0);
  if (n <= 0) return false;
  text[n] = '\0';
  const char* at = std::strstr(text, "populated ");
  return at != nullptr && at[10] == '1';
}

// Where the log lines go, as the library decides it (preload/logger.hpp): the
// names of the standard streams mean those streams; any other symbolic link is
// not followed (the watcher runs as root: a log_file in a shared directory must
// not become a way to append to another file), and the lines go to stderr.
int open_log(const std::string& path) {
  if (path.empty() || path == "/dev/stderr" || path == "/dev/fd/2" || path == "/proc/self/fd/2") return STDERR_FILENO;
  if (path == "/dev/stdout" || path == "/dev/fd/1" || path == "/proc/self/fd/1") return STDOUT_FILENO;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0600);
  if (fd >= 0) return fd;
  const std::string line = "srcbind: warning: log file " + path +
                           (errno == ELOOP ? " is a symbolic link, which srcbind does not follow"
                                           : std::string(" cannot be opened: ") + std::strerror(errno)) +
                           "; logging to stderr\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  return STDERR_FILENO;
}

}  // namespace

void run_watcher(const WatchSettings& settings) {
  // Out of the run's cgroup first: while the watcher is in it, it never empties.
  if (!settings.leave_to.empty() && !move_into(settings.leave_to)) {
    const std::string line = "srcbind: --kernel: cannot leave the cgroup " + settings.cgroup_directory + ": " +
                             std::strerror(errno) + "; the next run removes it\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(1);
  }
  // Wait until srcbind has moved into the cgroup and exec'd COMMAND (or died):
  // before that the cgroup is empty for a reason that is not the end.
  char byte;
  while (::read(settings.started_fd, &byte, 1) != 0) {
    if (errno != EINTR && errno != EAGAIN) break;
  }
  ::close(settings.started_fd);

  const int out_fd = open_log(settings.log_file);
  Printer printer{&settings, out_fd};
  ring_buffer* events = nullptr;
  if (settings.events_fd >= 0 && settings.log_level > LogLevel::off)
    events = ring_buffer__new(settings.events_fd, print_event, &printer, nullptr);

  const std::string events_path = settings.cgroup_directory + "/cgroup.events";
  const int events_file = ::open(events_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (events_file >= 0) {
    while (populated(events_file)) {
      pollfd fds[2] = {{events_file, POLLPRI, 0}, {events ? ring_buffer__epoll_fd(events) : -1, POLLIN, 0}};
      // Woken by the kernel when cgroup.events changes; the timeout only notices a
      // cgroup that someone else removed (its file then never signals again).
      const int ready = ::poll(fds, events ? 2 : 1, 10'000);
      if (ready < 0 && errno != EINTR) break;
      if (ready == 0 && ::access(settings.cgroup_directory.c_str(), F_OK) != 0) break;
      if (events && (fds[1].revents & POLLIN)) ring_buffer__consume(events);
    }
    ::close(events_file);
  }
  if (events) {
    ring_buffer__consume(events);
    ring_buffer__free(events);
  }
  // Detaches the programs too: they belong to the cgroup.
  ::rmdir(settings.cgroup_directory.c_str());
  ::_exit(0);
}

}  // namespace srcbind::kernel
