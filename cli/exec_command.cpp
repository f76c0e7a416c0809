#include "exec_command.hpp"

#include "exit_codes.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

namespace srcbind::cli {

int exec_command(const Options& options, const std::string& command) {
  std::vector<char*> argv;
  for (const std::string& word : options.operands) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  execvp(argv[0], argv.data());
  const int error = errno;
  std::cerr << "srcbind: " << command << ": " << std::strerror(error) << '\n';
  return error == ENOENT ? kExitNotFound : kExitCannotExecute;
}

}  // namespace srcbind::cli
