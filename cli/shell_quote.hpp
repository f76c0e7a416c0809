// POSIX shell quoting for `srcbind --print-env`.
#pragma once

#include <string>
#include <string_view>

namespace srcbind::cli {

// 'text' with every ' written as '\'' : safe for any POSIX shell, any bytes.
std::string shell_quote(std::string_view text);

}  // namespace srcbind::cli
