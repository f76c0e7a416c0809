// Small text helpers shared by the parser and the quick mode.
#pragma once

#include <string>
#include <string_view>

namespace srcbind::detail {

bool is_space(char c) noexcept;
std::string_view trim(std::string_view text) noexcept;

// Calls fn(item) for each comma-separated item of "a, b ,c", trimmed. Empty items
// are passed too, so that the caller can report them. No allocation: a 100,000-rule
// file goes through here several times per rule.
template <class Fn>
void for_each_item(std::string_view text, Fn&& fn) {
  while (true) {
    const auto comma = text.find(',');
    fn(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    text.remove_prefix(comma + 1);
  }
}

// For messages: "\"text\"", control bytes as \xNN, cut after 64 bytes with "...".
std::string quoted(std::string_view text);

}  // namespace srcbind::detail
