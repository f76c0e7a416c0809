// Reads an INI text with inih (ini_parse_stream and a reader function), one
// physical line at a time, so that every key=value inih reports comes with its
// exact line number, and finds what inih does not report: every malformed line
// with a message, and every section header (line_feeder.cpp says why each check
// is ours and not inih's).
#pragma once

#include <string>
#include <string_view>

namespace srcbind::detail {

// Longest physical line accepted (a rule's destination list must fit on one line).
inline constexpr std::size_t kMaxLineLength = 64 * 1024;

// What the feeder finds, in line order.
class LineEvents {
 public:
  virtual void section(std::string_view header, unsigned line) = 0;   // between [ and ], trimmed
  virtual void malformed_section(std::string message, unsigned line) = 0;
  virtual void pair(std::string_view key, std::string_view value, unsigned line) = 0;
  virtual void syntax_error(std::string message, unsigned line) = 0;
  virtual bool stopped() const = 0;   // true: stop reading (too many errors)

 protected:
  ~LineEvents() = default;
};

void feed_ini_text(std::string_view text, LineEvents& events);

}  // namespace srcbind::detail
