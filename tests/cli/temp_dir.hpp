// A directory under $TMPDIR (or /tmp) that is removed with everything in it.
#pragma once

#include <sys/types.h>
#include <string>
#include <string_view>

namespace srcbind::cli::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `content` to path()/name (creating parent directories) with `mode`.
  std::string write(std::string_view name, std::string_view content, mode_t mode = 0644) const;

 private:
  std::string path_;
};

}  // namespace srcbind::cli::test
