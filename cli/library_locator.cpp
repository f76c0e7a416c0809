#include "library_locator.hpp"

#include <unistd.h>

#include <algorithm>
#include <system_error>

namespace srcbind::cli {

LibraryLookup locate_library_from(const std::filesystem::path& executable_dir) {
  namespace fs = std::filesystem;
  LibraryLookup lookup;
  // /proc/self/exe is already free of symbolic links, so ".." can be removed lexically.
  for (const char* relative : {SRCBIND_BINDIR_TO_LIBDIR, "../lib"}) {
    const std::string candidate = (executable_dir / relative / kLibraryFileName).lexically_normal().string();
    if (std::find(lookup.tried.begin(), lookup.tried.end(), candidate) != lookup.tried.end()) continue;
    lookup.tried.push_back(candidate);
    std::error_code ec;
    if (!lookup.path && fs::is_regular_file(candidate, ec) && access(candidate.c_str(), R_OK) == 0)
      lookup.path = candidate;
  }
  return lookup;
}

LibraryLookup locate_library() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return locate_library_from(exe.parent_path());
}

std::string library_not_found_message(const LibraryLookup& lookup) {
  std::string message = std::string("srcbind: cannot find ") + kLibraryFileName;
  if (lookup.tried.empty()) return message + " (cannot read /proc/self/exe)";
  message += " (looked for ";
  for (std::size_t i = 0; i < lookup.tried.size(); ++i) {
    if (i > 0) message += ", ";
    message += lookup.tried[i];
  }
  return message + "); is srcbind installed completely?";
}

}  // namespace srcbind::cli
