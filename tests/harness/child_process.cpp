#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace srcbind::test {
namespace {

std::vector<std::string> merged_environment(const ChildOptions& options) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  // A test decides which SRCBIND_* variables its child sees.
  for (auto it = env.begin(); it != env.end();) {
    it = it->first.rfind("SRCBIND_", 0) == 0 && it->first != "SRCBIND_TEST_LIBRARY" ? env.erase(it) : std::next(it);
  }
  for (const auto& name : options.unset_env) env.erase(name);
#ifdef SRCBIND_SANITIZER_RUNTIME
  // The programs under test (curl, python3 ...) are not ours: their leaks and
  // the sanitizer's link-order check would fail every run. Our code still halts
  // on any error report.
  env["ASAN_OPTIONS"] = "detect_leaks=0:verify_asan_link_order=0:abort_on_error=1";
  env["TSAN_OPTIONS"] = "halt_on_error=1:report_signal_unsafe=0";
#endif
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC) || pipe2(in_pipe, O_CLOEXEC)) {
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);   // a timeout kills the whole group

  std::vector<std::string> env_strings = merged_environment(options);
  std::vector<char*> env_ptrs, argv_ptrs;
  for (auto& s : env_strings) env_ptrs.push_back(s.data());
  env_ptrs.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) argv_ptrs.push_back(s.data());
  argv_ptrs.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv_ptrs[0], &actions, &attr, argv_ptrs.data(), env_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  ChildResult result;
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(in_pipe[1]);
    result.exit_code = 127;
    result.err = std::string("spawn failed: ") + std::strerror(rc);
    return result;
  }
  if (!options.stdin_text.empty()) {
    signal(SIGPIPE, SIG_IGN);
    (void)!write(in_pipe[1], options.stdin_text.data(), options.stdin_text.size());
  }
  close(in_pipe[1]);

  const auto deadline = std::chrono::steady_clock::now() + options.deadline;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string preload_library() {
  if (const char* lib = std::getenv("SRCBIND_TEST_LIBRARY"); lib && *lib) return lib;
  return SRCBIND_PRELOAD_PATH;
}

std::string preload_list() {
#ifdef SRCBIND_SANITIZER_RUNTIME
  return std::string(SRCBIND_SANITIZER_RUNTIME) + " " + preload_library();
#else
  return preload_library();
#endif
}

std::map<std::string, std::string> preload_env(const std::string& config_path) {
  return {{"LD_PRELOAD", preload_list()}, {"SRCBIND_CONFIG", config_path}};
}

TempFile::TempFile(const std::string& content, const std::string& suffix) {
  std::string pattern = "/tmp/srcbind-test-XXXXXX" + suffix;
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("mkstemps failed");
  (void)!write(fd, content.data(), content.size());
  fchmod(fd, 0644);
  close(fd);
  path_ = name.data();
}

TempFile::~TempFile() { unlink(path_.c_str()); }

bool is_root() { return geteuid() == 0; }

}  // namespace srcbind::test
