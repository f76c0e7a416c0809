#include "ld_preload.hpp"

#include <sys/stat.h>

namespace srcbind::cli {

std::vector<std::string> split_preload_list(std::string_view value) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t end = value.find_first_of(" :", start);
    const std::size_t stop = end == std::string_view::npos ? value.size() : end;
    if (stop > start) entries.emplace_back(value.substr(start, stop - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return entries;
}

bool same_file(const std::string& a, const std::string& b) {
  if (a == b) return true;
  struct stat sa {
  }, sb{};
  if (stat(a.c_str(), &sa) != 0 || stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string prepend_preload(std::string_view current, const std::string& library) {
  const std::vector<std::string> entries = split_preload_list(current);
  bool mentioned = false;
  for (const std::string& e : entries) mentioned = mentioned || same_file(e, library);

  if (!mentioned) {
    if (entries.empty()) return library;
    return library + ":" + std::string(current);
  }
  std::string out = library;
  for (const std::string& e : entries) {
    if (same_file(e, library)) continue;
    out += ':';
    out += e;
  }
  return out;
}

}  // namespace srcbind::cli
