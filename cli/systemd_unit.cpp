#include "systemd_unit.hpp"

#include "command_resolver.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <system_error>

extern char** environ;

namespace srcbind::cli {
namespace {

namespace fs = std::filesystem;

bool valid_unit_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
         c == '.' || c == '@' || c == '-';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// An executable as systemd would find it; specifiers (%i, %h...) cannot be
// expanded here, so such a path is reported rather than guessed.
std::optional<std::string> locate_executable(const std::string& name, std::string& error) {
  if (name.find('%') != std::string::npos) {
    error = "the executable '" + name + "' contains a systemd specifier (%...) that srcbind cannot expand";
    return std::nullopt;
  }
  if (name.find('/') != std::string::npos) return name;
  if (auto found = find_in_path(name, kSystemdExecPath)) return found;
  error = "the executable '" + name + "' is not found in " + std::string(kSystemdExecPath);
  return std::nullopt;
}

// Output of a command run without a shell, at most `limit` bytes; nullopt when
// it could not be run or did not exit 0.
std::optional<std::string> capture(const std::vector<std::string>& argv, std::size_t limit = 1 << 20) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  if (spawned == 0) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(fds[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (out.size() < limit) out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fds[0]);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

struct ExecLines {
  std::vector<std::string> values;  // the ExecStart= values in effect
  bool seen = false;
};

// Reads the [Service] ExecStart= lines of one file into `lines` (continuation
// lines joined; an empty assignment resets the list, as systemd does).
bool read_exec_start(const fs::path& file, ExecLines& lines) {
  std::ifstream in(file);
  if (!in) return false;
  std::string section;
  std::string line;
  std::string pending;
  while (std::getline(in, line)) {
    std::string_view view = trim(line);
    if (pending.empty() && (view.empty() || view.front() == '#' || view.front() == ';')) continue;
    if (!view.empty() && view.back() == '\\') {
      view.remove_suffix(1);
      pending.append(view).push_back(' ');
      continue;
    }
    std::string joined = pending + std::string(view);
    pending.clear();
    view = trim(joined);
    if (view.starts_with('[')) {
      section = std::string(view);
      continue;
    }
    if (section != "[Service]") continue;
    const std::size_t equals = view.find('=');
    if (equals == std::string_view::npos || trim(view.substr(0, equals)) != "ExecStart") continue;
    const std::string_view value = trim(view.substr(equals + 1));
    lines.seen = true;
    if (value.empty())
      lines.values.clear();
    else
      lines.values.emplace_back(value);
  }
  return true;
}

// "foo@bar.service" -> "foo@.service"; empty when not an instance.
std::string template_of(const std::string& unit) {
  const std::size_t at = unit.find('@');
  const std::size_t dot = unit.rfind('.');
  if (at == std::string::npos || dot == std::string::npos || at + 1 == dot) return {};
  return unit.substr(0, at + 1) + unit.substr(dot);
}

}  // namespace

UnitName normalise_unit_name(std::string_view given) {
  UnitName result;
  if (given.empty()) {
    result.error = "no unit given";
    return result;
  }
  for (char c : given) {
    if (!valid_unit_character(c)) {
      result.error = "'" + std::string(given) +
                     "' is not a unit name srcbind accepts (letters, digits and : _ . @ - only; escaped names "
                     "such as \\x2d are not supported)";
      return result;
    }
  }
  std::string name(given);
  const std::size_t dot = name.rfind('.');
  const std::string suffix = dot == std::string::npos ? std::string() : name.substr(dot + 1);
  static constexpr std::string_view kUnitTypes[] = {"service", "socket", "device", "mount",  "automount", "swap",
                                                    "target",  "path",   "timer",  "slice", "scope"};
  const bool has_type = std::find(std::begin(kUnitTypes), std::end(kUnitTypes), suffix) != std::end(kUnitTypes);
  if (!has_type) name += ".service";
  else if (suffix != "service") {
    result.error = "'" + name + "' is a ." + suffix + " unit; srcbind enable works on services (.service)";
    return result;
  }
  if (name.front() == '.' || name.front() == '-' || name.starts_with("@.") || name.size() > 255) {
    result.error = "'" + name + "' is not a valid unit name";
    return result;
  }
  if (name.ends_with("@.service")) {
    result.error = "'" + name + "' is a template; name an instance (e.g. " + name.substr(0, name.size() - 8) +
                   "NAME.service)";
    return result;
  }
  result.name = std::move(name);
  return result;
}

std::vector<fs::path> unit_directories(const fs::path& root) {
  std::vector<fs::path> dirs;
  for (const char* dir : {"etc/systemd/system", "run/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"})
    dirs.push_back(root / dir);
  return dirs;
}

std::optional<std::string> executable_of_exec_line(std::string_view value) {
  value = trim(value);
  while (!value.empty() && std::string_view("@-:+!").find(value.front()) != std::string_view::npos)
    value.remove_prefix(1);
  value = trim(value);
  if (value.empty()) return std::nullopt;
  std::string word;
  if (value.front() == '"' || value.front() == '\'') {
    const char quote = value.front();
    for (std::size_t i = 1; i < value.size() && value[i] != quote; ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      word.push_back(value[i]);
    }
  } else {
    for (char c : value) {
      if (c == ' ' || c == '\t') break;
      word.push_back(c);
    }
  }
  if (word.empty()) return std::nullopt;
  return word;
}

std::vector<std::string> parse_systemctl_exec_start(std::string_view text) {
  std::vector<std::string> paths;
  std::size_t at = 0;
  while ((at = text.find("path=", at)) != std::string_view::npos) {
    // Only the field that opens a group, not a "path=" inside argv[].
    const std::size_t open = text.rfind('{', at);
    if (open != std::string_view::npos && trim(text.substr(open + 1, at - open - 1)).empty()) {
      const std::size_t start = at + 5;
      const std::size_t end = text.find(" ;", start);
      paths.emplace_back(trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    }
    at += 5;
  }
  return paths;
}

ExecStartLookup exec_start_from_unit_files(const std::string& unit, const fs::path& root) {
  ExecStartLookup lookup;
  const std::string templ = template_of(unit);
  const std::vector<fs::path> dirs = unit_directories(root);

  // The unit file: the instance's own, else its template's, first directory first.
  fs::path main_file;
  for (const std::string& name : {unit, templ}) {
    if (name.empty()) continue;
    for (const fs::path& dir : dirs) {
      std::error_code ec;
      if (fs::exists(dir / name, ec)) {
        main_file = dir / name;
        break;
      }
    }
    if (!main_file.empty()) break;
  }
  if (main_file.empty()) {
    lookup.error = "no unit file for " + unit + " in " + dirs.front().string() + ", " + dirs[1].string() + ", " +
                   dirs[2].string() + " or " + dirs[3].string();
    return lookup;
  }
  std::error_code ec;
  if (fs::is_symlink(main_file, ec) && fs::read_symlink(main_file, ec) == "/dev/null") {
    lookup.error = unit + " is masked (" + main_file.string() + " -> /dev/null)";
    return lookup;
  }

  // Drop-ins: one name in a more important directory hides the same name in a
  // less important one; the rest apply in name order.
  std::map<std::string, fs::path> dropins;
  for (const std::string& name : {templ, unit}) {
    if (name.empty()) continue;
    for (auto dir = dirs.rbegin(); dir != dirs.rend(); ++dir) {
      for (const auto& entry : fs::directory_iterator(*dir / (name + ".d"), ec)) {
        if (entry.path().extension() == ".conf") dropins[entry.path().filename().string()] = entry.path();
      }
    }
  }

  ExecLines lines;
  if (!read_exec_start(main_file, lines)) {
    lookup.error = "cannot read " + main_file.string();
    return lookup;
  }
  lookup.source = main_file.string();
  for (const auto& [name, path] : dropins) {
    if (read_exec_start(path, lines)) lookup.source += ", " + path.string();
  }
  if (lines.values.empty()) {
    lookup.error = unit + " has no ExecStart= (" + lookup.source + ")";
    return lookup;
  }
  for (const std::string& value : lines.values) {
    const std::optional<std::string> word = executable_of_exec_line(value);
    if (!word) continue;
    std::string error;
    const std::optional<std::string> exe = locate_executable(*word, error);
    if (!exe) {
      lookup.error = error + " (" + lookup.source + ")";
      lookup.executables.clear();
      return lookup;
    }
    lookup.executables.push_back(*exe);
  }
  return lookup;
}

ExecStartLookup exec_start_of(const std::string& unit, const fs::path& root) {
  if (root == "/" && systemd_is_running()) {
    if (const std::optional<std::string> out = capture({"systemctl", "show", "-p", "ExecStart", "--value", "--", unit})) {
      ExecStartLookup lookup;
      lookup.source = "systemctl show -p ExecStart " + unit;
      lookup.executables = parse_systemctl_exec_start(*out);
      if (!lookup.executables.empty()) return lookup;
    }
  }
  return exec_start_from_unit_files(unit, root);
}

bool systemd_is_running() {
  struct stat st {};
  return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace srcbind::cli
