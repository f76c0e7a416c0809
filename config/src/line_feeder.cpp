// The inih reader/handler pair behind parse_config_text (see line_feeder.hpp).
//
// inih splits each `key = value` line at its "=", trims both sides and calls
// on_pair(). The reader hands it one physical line per call and keeps only what
// Debian's libinih (ini.h's defaults, as Debian builds it) leaves to the caller for
// the format of docs/contract.md ("The INI file"):
//
//  - Line length. inih's line buffer is 200 bytes (INI_MAX_LINE) and a longer
//    line comes back as several "lines", which shifts every later line number.
//    Debian's ini.h makes the buffer a setting (ini_use_stack, ini_allow_realloc,
//    ini_max_line): InihSettings lets it grow to kMaxLineLength, and longer lines
//    are reported here and never handed over.
//  - Comments. inih takes ";" as a comment only after a blank and "#" only at the
//    start of a line; srcbind takes either anywhere on a line, right after a
//    value too (values never contain them). Cut here.
//  - Section headers. inih calls the handler for keys only: a section without
//    keys, or the second of two `[rule]` in a row, would go unseen; it also cuts
//    names at 50 bytes and ignores text after "]". Headers are read here and not
//    handed over (so a UTF-8 BOM, which inih would skip itself, is skipped here,
//    before the first header).
//  - Lines it would split elsewhere or reject. inih also splits at ":", and for a
//    line it rejects it returns only the number of the first such line, without
//    a message. Every such line is reported here; inih gets only `key = value`.
//  - Continuation lines. inih continues a value on an indented line that follows
//    it (INI_ALLOW_MULTILINE); in the contract every line stands alone, indented
//    or not. InihSettings turns that off.
//  - NUL bytes. inih reads C strings: a NUL would end a line early. A text with
//    one is refused whole, before inih starts.
//
// Line numbers are the reader's own: inih calls on_pair() for the line the
// reader handed it last, before asking for the next one.
#include "line_feeder.hpp"

#include "text.hpp"

#include <ini.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace srcbind::detail {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Cuts at the first `;` or `#`: values never contain either. (A plain loop:
// string_view::find_first_of calls memchr once per byte of the line.)
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ';' || line[i] == '#') return line.substr(0, i);
  }
  return line;
}

// Where inih would split the line: at its first "=" or ":". (A plain loop, as above.)
std::size_t first_separator(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '=' || line[i] == ':') return i;
  }
  return std::string_view::npos;
}

// Debian's libinih reads its options from variables at each ini_parse_stream();
// they are set for one parse and put back, because with a shared libinih they
// belong to the whole program (the library is linked statically where its
// archive is installed, see the root CMakeLists.txt). Parses are not concurrent:
// the library loads its configuration once, the command and the tests parse on
// one thread.
class InihSettings {
 public:
  InihSettings()
      : use_stack_(ini_use_stack),
        allow_realloc_(ini_allow_realloc),
        max_line_(ini_max_line),
        allow_multiline_(ini_allow_multiline) {
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = static_cast<int>(kMaxLineLength) + 3;   // with "\r", "\n" and "\0" (ini.h)
    ini_allow_multiline = false;
  }
  ~InihSettings() {
    ini_use_stack = use_stack_;
    ini_allow_realloc = allow_realloc_;
    ini_max_line = max_line_;
    ini_allow_multiline = allow_multiline_;
  }
  InihSettings(const InihSettings&) = delete;
  InihSettings& operator=(const InihSettings&) = delete;

 private:
  bool use_stack_;
  bool allow_realloc_;
  int max_line_;
  bool allow_multiline_;
};

class LineFeeder {
 public:
  LineFeeder(std::string_view text, LineEvents& events) : rest_(text), events_(events) {
    if (rest_.substr(0, kUtf8Bom.size()) == kUtf8Bom) rest_.remove_prefix(kUtf8Bom.size());
  }

  void run() {
    if (const auto nul = rest_.find('\0'); nul != std::string_view::npos) {
      const auto line = 1 + std::count(rest_.begin(), rest_.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
      events_.syntax_error("line contains a NUL byte: this is not a text file", static_cast<unsigned>(line));
      return;
    }
    const InihSettings settings;
    const int result = ini_parse_stream(&LineFeeder::read, this, &LineFeeder::on_pair, this);
    if (result != 0) {   // -2: out of memory; it is given only well-formed lines
      events_.syntax_error("the INI parser (inih) failed with code " + std::to_string(result), 0);
    }
  }

 private:
  static char* read(char* buffer, int size, void* self) {
    return static_cast<LineFeeder*>(self)->next(buffer, static_cast<std::size_t>(size));
  }

  // The 4-argument handler of the installed ini.h. (Debian's libinih is built with
  // INI_HANDLER_LINENO and passes a fifth argument, the same line number as line_.)
  static int on_pair(void* self, const char* /*section*/, const char* name, const char* value) {
    auto& feeder = *static_cast<LineFeeder*>(self);
    feeder.events_.pair(name, value, feeder.line_);
    return 1;   // problems are collected, never "stop"
  }

  // fgets() for inih: the next line to hand over, or what is left of it when it
  // did not fit (inih then grows its buffer and asks again).
  char* next(char* buffer, std::size_t size) {
    if (!handing_) handing_ = next_pair_line();
    if (!handing_ || size < 2) return nullptr;
    const std::size_t take = std::min(handing_->size(), size - 1);
    std::memcpy(buffer, handing_->data(), take);
    handing_->remove_prefix(take);
    std::size_t end = take;
    if (handing_->empty() && end < size - 1) {
      buffer[end++] = '\n';
      handing_.reset();
    }
    buffer[end] = '\0';
    return buffer;
  }

  // Reads lines, reporting and skipping all but `key = value` ones; returns that
  // line without comment and surrounding blanks, or nothing at the end.
  std::optional<std::string_view> next_pair_line() {
    while (!rest_.empty() && !events_.stopped()) {
      const auto newline = rest_.find('\n');
      const std::string_view raw = rest_.substr(0, newline);
      rest_.remove_prefix(newline == std::string_view::npos ? rest_.size() : newline + 1);
      ++line_;
      if (raw.size() > kMaxLineLength) {
        events_.syntax_error("line is longer than " + std::to_string(kMaxLineLength) + " bytes", line_);
        continue;
      }
      const std::string_view content = trim(strip_comment(raw));
      if (content.empty()) continue;
      if (content.front() == '[') {
        announce_section(content);
        continue;
      }
      const auto separator = first_separator(content);
      if (separator == std::string_view::npos || content[separator] == ':') {
        // A ':' after the '=' is part of the value (IPv6); one before it would be
        // inih's separator.
        const auto equals = content.find('=');
        if (equals == std::string_view::npos) {
          events_.syntax_error("expected KEY = VALUE or [SECTION], found " + quoted(content), line_);
        } else {
          events_.syntax_error(quoted(trim(content.substr(0, equals))) + " is not a valid key name", line_);
        }
        continue;
      }
      if (trim(content.substr(0, separator)).empty()) {
        events_.syntax_error("missing key before \"=\"", line_);
        continue;
      }
      return content;
    }
    return std::nullopt;
  }

  void announce_section(std::string_view content) {
    if (content.back() == ']') {
      events_.section(trim(content.substr(1, content.size() - 2)), line_);
    } else if (content.find(']') != std::string_view::npos) {
      events_.malformed_section("unexpected text after \"]\" in section header " + quoted(content), line_);
    } else {
      events_.malformed_section("section header " + quoted(content) + " is missing \"]\"", line_);
    }
  }

  std::string_view rest_;                     // text not read yet
  LineEvents& events_;
  unsigned line_ = 0;                         // the physical line handed over last
  std::optional<std::string_view> handing_;   // what inih has not taken of it yet
};

}  // namespace

void feed_ini_text(std::string_view text, LineEvents& events) { LineFeeder(text, events).run(); }

}  // namespace srcbind::detail
