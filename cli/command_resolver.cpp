#include "command_resolver.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace srcbind::cli {
namespace {

// Linux reads at most this much of a `#!` line (BINPRM_BUF_SIZE).
constexpr std::size_t kShebangLimit = 256;
// Linux allows a few levels of interpreters; stop long before a loop hurts.
constexpr int kMaxInterpreterDepth = 5;

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string_view basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::optional<std::string> find_in_path(std::string_view name, std::string_view path_list) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) return std::string(name);
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = path_list.find(':', start);
    const std::string_view dir =
        path_list.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    std::string candidate = dir.empty() ? std::string(name) : std::string(dir) + "/" + std::string(name);
    if (is_executable_file(candidate)) return dir.empty() ? "./" + candidate : candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    start = colon + 1;
  }
}

std::optional<Shebang> read_shebang(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[kShebangLimit];
  ssize_t n;
  do n = read(fd, buffer, sizeof buffer);
  while (n < 0 && errno == EINTR);
  close(fd);
  if (n < 2 || buffer[0] != '#' || buffer[1] != '!') return std::nullopt;
  std::string_view line(buffer + 2, static_cast<std::size_t>(n) - 2);
  line = line.substr(0, line.find('\n'));
  line = trim(line);
  const std::size_t space = line.find_first_of(" \t");
  Shebang shebang;
  shebang.interpreter = std::string(line.substr(0, space));
  if (space != std::string_view::npos) shebang.argument = std::string(trim(line.substr(space)));
  if (shebang.interpreter.empty()) return std::nullopt;
  return shebang;
}

std::optional<std::string> env_program(std::string_view argument) {
  const std::vector<std::string_view> w = words(argument);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string_view word = w[i];
    if (word == "-u" || word == "-C" || word == "--unset" || word == "--chdir") {
      ++i;  // the option's own argument
      continue;
    }
    if (word.starts_with("-")) continue;  // -S, -i, -, --split-string=...
    if (word.find('=') != std::string_view::npos) continue;  // NAME=VALUE
    return std::string(word);
  }
  return std::nullopt;
}

ExecChain resolve_exec_chain(std::string_view command, std::string_view path_list) {
  ExecChain chain;
  std::optional<std::string> file = find_in_path(command, path_list);
  if (!file || !is_executable_file(*file)) return chain;
  chain.files.push_back(*file);
  for (int depth = 0; depth < kMaxInterpreterDepth; ++depth) {
    const std::optional<Shebang> shebang = read_shebang(chain.files.back());
    if (!shebang) break;
    chain.files.push_back(shebang->interpreter);
    if (basename_of(shebang->interpreter) != "env") continue;
    const std::optional<std::string> program = env_program(shebang->argument);
    if (!program) break;
    const std::optional<std::string> found = find_in_path(*program, path_list);
    if (!found) break;
    chain.files.push_back(*found);
  }
  return chain;
}

}  // namespace srcbind::cli
