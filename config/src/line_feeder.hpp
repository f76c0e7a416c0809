// Hands an INI text to inih one physical line at a time, so that every key=value
// inih reports comes with its exact line number, and finds what inih cannot
// report in one pass.
//
// Why not ini_parse_string() alone: the Debian/upstream build of inih has a
// 200-byte line buffer (longer lines are silently split into several "lines",
// which shifts every later line number), reports only the first syntax error,
// treats ';' as a comment only after whitespace, does not call the handler for an
// empty section, and cuts section names at 50 bytes. So this feeder:
//   - strips a UTF-8 BOM, CR before LF, and `;`/`#` comments (anywhere on a line);
//   - reports over-long lines, NUL bytes, malformed section headers and lines
//     without `=` itself (all of them, in line order), and announces sections;
//   - gives inih only `key=value` lines, a long one in several pieces, and joins
//     inih's pieces back into one value.
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
