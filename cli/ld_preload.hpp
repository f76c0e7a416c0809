// Editing LD_PRELOAD: ld.so splits it at spaces and colons (ld.so(8)).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace srcbind::cli {

// The entries of an LD_PRELOAD value, empty ones dropped.
std::vector<std::string> split_preload_list(std::string_view value);

// True when `a` and `b` name the same file: equal strings, or the same device
// and inode when both exist.
bool same_file(const std::string& a, const std::string& b);

// `library` first, then every entry of `current` that is not the same file as
// `library` (so the library is never loaded twice), joined with ':'. When
// `current` does not mention the library, it is kept verbatim after "library:".
std::string prepend_preload(std::string_view current, const std::string& library);

}  // namespace srcbind::cli
