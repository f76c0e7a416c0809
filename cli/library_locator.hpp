// Finds libsrcbind.so relative to the `srcbind` executable, in the install tree
// (BINDIR → LIBDIR, computed by CMake) and in the build tree (BUILD/bin → BUILD/lib).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace srcbind::cli {

inline constexpr const char* kLibraryFileName = "libsrcbind.so";

struct LibraryLookup {
  std::optional<std::string> path;  // absolute, normalised; nullopt when not found
  std::vector<std::string> tried;  // every candidate, in order, for the error message
};

// Candidates next to `executable_dir`: <dir>/<BINDIR→LIBDIR>/libsrcbind.so, then
// <dir>/../lib/libsrcbind.so.
LibraryLookup locate_library_from(const std::filesystem::path& executable_dir);

// Same, for the running executable (/proc/self/exe).
LibraryLookup locate_library();

// "srcbind: cannot find libsrcbind.so (looked for A, B)".
std::string library_not_found_message(const LibraryLookup& lookup);

}  // namespace srcbind::cli
