#include "temp_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace srcbind::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/srcbind-test.XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  // /proc/self/exe and realpath resolve symbolic links: compare like with like.
  path_ = std::filesystem::canonical(buffer.data()).string();
  if (chmod(path_.c_str(), 0755) != 0) throw std::runtime_error("chmod " + path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(std::string_view name, std::string_view content, mode_t mode) const {
  const std::string file = *this / name;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + file);
  }
  if (chmod(file.c_str(), mode) != 0) throw std::runtime_error("chmod " + file);
  return file;
}

TempFile::TempFile(const std::string& content, const std::string& suffix) {
  std::string pattern = "/tmp/srcbind-test-XXXXXX" + suffix;
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw std::runtime_error("mkstemps failed");
  (void)!write(fd, content.data(), content.size());
  fchmod(fd, 0644);
  close(fd);
  path_ = name.data();
}

TempFile::~TempFile() { unlink(path_.c_str()); }

}  // namespace srcbind::test
