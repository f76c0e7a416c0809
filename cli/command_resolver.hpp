// What the kernel will actually run for COMMAND: the PATH search of execvp(3),
// then `#!` interpreter lines, including `#!/usr/bin/env python3`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind::cli {

// glibc's execvp uses this when PATH is unset.
inline constexpr std::string_view kDefaultPath = "/bin:/usr/bin";

// Like execvp(3): a name containing '/' is taken as is; otherwise the first
// executable regular file in `path_list` (an empty entry is the current directory).
std::optional<std::string> find_in_path(std::string_view name, std::string_view path_list);

struct Shebang {
  std::string interpreter;  // the path after #!
  std::string argument;  // the rest of the line, trimmed (Linux passes it as one word)
};

// The `#!` line of `path`, if it has one.
std::optional<Shebang> read_shebang(const std::string& path);

// For `#!/usr/bin/env [-S] [-i] [-u NAME] [NAME=VALUE]... PROGRAM`: PROGRAM.
std::optional<std::string> env_program(std::string_view argument);

struct ExecChain {
  // The file named by COMMAND, then each interpreter in turn; the last one is the
  // program whose connections matter. Empty when COMMAND is not found.
  std::vector<std::string> files;
};

ExecChain resolve_exec_chain(std::string_view command, std::string_view path_list);

}  // namespace srcbind::cli
