#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace srcbind::test {
namespace {

std::map<std::string, std::string> child_environment(const ChildOptions& options) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    if (name == "LD_PRELOAD" || name.starts_with("SRCBIND_")) continue;
    env[name] = entry.substr(eq + 1);
  }
  env["XDG_CONFIG_HOME"] = "/nonexistent/srcbind-test-config";
  // srcbind, instrumented in an ASan build, is given LD_PRELOAD values by the
  // tests: let the runtime accept libraries loaded before it (no effect in a
  // normal build, where no runtime reads the variable).
  const auto asan = env.find("ASAN_OPTIONS");
  env["ASAN_OPTIONS"] =
      (asan != env.end() && !asan->second.empty() ? asan->second + ":" : "") + "verify_asan_link_order=0";
#ifdef SRCBIND_SANITIZER_RUNTIME
  if (options.sanitized == ChildOptions::Sanitized::host_program) {
    env["ASAN_OPTIONS"] = "detect_leaks=0:verify_asan_link_order=0:abort_on_error=1";
    env["TSAN_OPTIONS"] = "halt_on_error=1:report_signal_unsafe=0";
  }
#endif
  for (const auto& [name, value] : options.env) {
    if (value)
      env[name] = *value;
    else
      env.erase(name);
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options) {
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (options.stdin_text && pipe2(in_pipe, O_CLOEXEC) != 0))
    throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.stdin_text)
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);   // the deadline kills the whole group

  std::vector<std::string> env;
  for (const auto& [name, value] : child_environment(options)) env.push_back(name + "=" + value);
  std::vector<std::string> args = argv;
  std::vector<char*> argp = pointers(args), envp = pointers(env);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argp[0], &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (in_pipe[0] >= 0) close(in_pipe[0]);
  ChildResult result;
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    if (in_pipe[1] >= 0) close(in_pipe[1]);
    result.exit_code = 127;
    result.err = std::string("spawn failed: ") + std::strerror(rc);
    return result;
  }
  if (options.stdin_text) {
    // A child that exits without reading must not kill the test with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    (void)!write(in_pipe[1], options.stdin_text->data(), options.stdin_text->size());
    close(in_pipe[1]);
  }

  const auto deadline = std::chrono::steady_clock::now() + options.deadline;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    const int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& p : fds)
    if (p.fd >= 0) close(p.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string describe(const ChildResult& r) {
  std::string s = "exit " + std::to_string(r.exit_code);
  if (r.signal != 0) s += " signal " + std::to_string(r.signal);
  if (r.timed_out) s += " (timed out)";
  return s + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

}  // namespace srcbind::test
