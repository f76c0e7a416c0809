#include "srcbind/config_search.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace srcbind {
namespace {

bool absolute(const char* path) { return path != nullptr && path[0] == '/'; }

}  // namespace

std::optional<std::string> user_config_path(const char* xdg_config_home, const char* home) {
  if (absolute(xdg_config_home)) return std::string(xdg_config_home) + kUserConfigBelowXdg;
  if (absolute(home)) return std::string(home) + kUserConfigBelowHome;
  return std::nullopt;
}

std::optional<std::string> home_of_user(uid_t uid) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  if (size <= 0) size = 4096;
  std::vector<char> buffer(static_cast<std::size_t>(size));
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return std::nullopt;
  if (!absolute(found->pw_dir)) return std::nullopt;
  return std::string(found->pw_dir);
}

std::optional<std::string> user_config_path_of_process() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (auto path = user_config_path(xdg, std::getenv("HOME"))) return path;
  const std::optional<std::string> home = home_of_user(::getuid());
  return home ? user_config_path(nullptr, home->c_str()) : std::nullopt;
}

bool user_config_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace srcbind
