#include "srcbind/kernel/cgroup.hpp"

#include <dirent.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace srcbind::kernel {
namespace {

// mountinfo escapes blanks and backslashes as \ooo.
std::string unescape(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string digits = field.substr(i + 1, 3);
      if (digits.size() == 3 && digits.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(digits, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<Cgroup2Mount> find_cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string w; fields >> w;) words.push_back(w);
    std::size_t dash = 0;
    while (dash < words.size() && words[dash] != "-") ++dash;
    if (dash + 1 >= words.size() || words[dash + 1] != "cgroup2" || words.size() < 5) continue;
    return Cgroup2Mount{unescape(words[4]), unescape(words[3])};
  }
  return std::nullopt;
}

std::string mount_cgroup2_fallback() {
  ::mkdir("/run/srcbind", 0755);
  if (::mkdir(kFallbackCgroup2Mount, 0755) != 0 && errno != EEXIST)
    return std::string("cannot create ") + kFallbackCgroup2Mount + ": " + std::strerror(errno);
  if (::mount("cgroup2", kFallbackCgroup2Mount, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return std::string("no cgroup v2 file system is mounted and mounting one failed: ") + std::strerror(errno);
  return {};
}

std::optional<std::string> own_cgroup_path() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return std::nullopt;
}

std::optional<std::string> own_cgroup_directory(std::string& error, bool mount_if_missing) {
  std::optional<Cgroup2Mount> mount = find_cgroup2_mount();
  if (!mount && mount_if_missing) {
    error = mount_cgroup2_fallback();
    if (!error.empty()) return std::nullopt;
    mount = find_cgroup2_mount();
  }
  if (!mount) {
    error = "no cgroup v2 file system is mounted (cgroup2 in /proc/self/mountinfo)";
    return std::nullopt;
  }
  const std::optional<std::string> own = own_cgroup_path();
  if (!own) {
    error = "this process is in no cgroup v2 (no 0:: line in /proc/self/cgroup)";
    return std::nullopt;
  }
  std::string relative = *own;
  // A mount of a sub-tree (root other than "/") shows only the cgroups below it.
  if (mount->root != "/") {
    if (relative.rfind(mount->root, 0) != 0) {
      error = "this process's cgroup " + *own + " is outside the cgroup2 mount at " + mount->mount_point;
      return std::nullopt;
    }
    relative = relative.substr(mount->root.size());
  }
  std::string directory = mount->mount_point;
  if (!relative.empty() && relative != "/") directory += relative;
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = "this process's cgroup directory " + directory + " does not exist";
    return std::nullopt;
  }
  return directory;
}

std::optional<bool> cgroup_populated(const std::string& directory) {
  const std::string text = read_small_file(directory + "/cgroup.events");
  const std::size_t at = text.find("populated ");
  if (at == std::string::npos || at + 10 >= text.size()) return std::nullopt;
  return text[at + 10] == '1';
}

int lock_run_cgroup(const std::string& directory, bool wait) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  while (::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EINTR) continue;
    ::close(fd);
    return -1;
  }
  return fd;
}

bool move_into(const std::string& cgroup_directory) {
  const int fd = ::open((cgroup_directory + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool moved = ::write(fd, "0", 1) == 1;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

int remove_leftover_cgroups(const std::string& parent) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return 0;
  int removed = 0;
  const std::string prefix = kRunCgroupPrefix;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string path = parent + "/" + name;
    // A run that is starting has its srcbind alive and its cgroup empty for a
    // moment; a run whose COMMAND has just exited has its watcher (holding the
    // lock) about to remove it. Only the others are leftovers.
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    const int lock = lock_run_cgroup(path, false);
    if (lock < 0) continue;
    const bool populated = cgroup_populated(path).value_or(true);
    if (populated) {
      ::close(lock);
      continue;
    }
    // Nested runs leave their own srcbind-PID children: those go first.
    removed += remove_leftover_cgroups(path);
    if (::rmdir(path.c_str()) == 0) ++removed;
    ::close(lock);
  }
  ::closedir(dir);
  return removed;
}

}  // namespace srcbind::kernel
