// Temporary files for the tests, removed with everything in them when the
// object goes.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace srcbind::test {

// A directory under $TMPDIR (or /tmp), mode 0755, named by its canonical path.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `content` to path()/name (creating parent directories) with `mode`;
  // returns its path.
  std::string write(std::string_view name, std::string_view content, mode_t mode = 0644) const;

 private:
  std::string path_;
};

// A file /tmp/srcbind-test-XXXXXX<suffix>, mode 0644.
class TempFile {
 public:
  explicit TempFile(const std::string& content, const std::string& suffix = ".ini");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace srcbind::test
