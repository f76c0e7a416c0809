#include "process_names.hpp"

#include "real_functions.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

namespace srcbind::preload {
namespace {

std::string basename_of(std::string path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string argv0() {
  char buf[PATH_MAX];
  int fd = ::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  real::close(fd);
  if (n <= 0) return {};
  buf[n] = '\0';
  return buf;   // up to the first NUL: argv[0]
}

std::string executable() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return {buf, static_cast<std::size_t>(n)};
}

}  // namespace

std::vector<std::string> current_process_names() {
  std::vector<std::string> names;
  for (std::string name : {basename_of(argv0()), basename_of(executable())}) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (names.empty()) names.emplace_back("?");
  return names;
}

}  // namespace srcbind::preload
