// The inih reader/handler pair behind parse_config_text (see line_feeder.hpp).
#include "line_feeder.hpp"

#include "text.hpp"

#include <ini.h>

#include <algorithm>
#include <cstring>

namespace srcbind::detail {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kMaxKeyLength = 32;   // longer than any known key; keeps room for the value
// Wraps each piece of a long value, so that inih's trimming cannot eat a blank at
// a cut; it is not blank to inih, and removed again in collect().
constexpr char kPieceMark = '\x01';

// Cuts at the first `;` or `#`: values never contain either. (A plain loop:
// string_view::find_first_of calls memchr once per byte of the line.)
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ';' || line[i] == '#') return line.substr(0, i);
  }
  return line;
}

bool is_valid_key(std::string_view key) {
  // inih splits at the first '=' or ':'; a ':' in a key would split it elsewhere.
  return !key.empty() && key.size() <= kMaxKeyLength && key.find(':') == std::string_view::npos;
}

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
    const int result = ini_parse_stream(&LineFeeder::read, this, &LineFeeder::on_pair, this);
    flush_pending();
    if (result != 0) {   // it is given only well-formed lines, so this is not expected
      events_.syntax_error("the INI parser (inih) failed with code " + std::to_string(result), 0);
    }
  }

 private:
  static char* read(char* buffer, int size, void* self) {
    return static_cast<LineFeeder*>(self)->next_piece(buffer, static_cast<std::size_t>(size));
  }

  // The 4-argument handler of the installed ini.h. (Debian's libinih is built with
  // INI_HANDLER_LINENO and passes a fifth argument, which is ignored: our line
  // numbers come from the feeder.) The section is ours too: see announce_section().
  static int on_pair(void* self, const char* /*section*/, const char* name, const char* value) {
    static_cast<LineFeeder*>(self)->collect(name, value);
    return 1;   // problems are collected, never "stop"
  }

  char* next_piece(char* buffer, std::size_t size) {
    if (value_left_.data() != nullptr) return write_piece(buffer, size);
    flush_pending();
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
      const auto equals = content.find('=');
      if (equals == std::string_view::npos) {
        events_.syntax_error("expected KEY = VALUE or [SECTION], found " + quoted(content), line_);
        continue;
      }
      key_ = trim(content.substr(0, equals));
      if (!is_valid_key(key_)) {
        events_.syntax_error(key_.empty() ? std::string("missing key before \"=\"")
                                          : quoted(key_) + " is not a valid key name",
                             line_);
        continue;
      }
      value_left_ = trim(content.substr(equals + 1));
      in_pieces_ = false;
      return write_piece(buffer, size);
    }
    return nullptr;
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

  // Writes "key=VALUE" into inih's buffer, or "key=<mark>PIECE<mark>" for each
  // piece of a value that does not fit.
  char* write_piece(char* buffer, std::size_t size) {
    // inih needs room for "\n" and "\0" (and asks for one more byte, for "\r").
    const std::size_t room = size > 3 + key_.size() + 1 ? size - 3 - key_.size() - 1 : 0;
    if (room < 8) {
      events_.syntax_error("the INI parser's line buffer is too small", line_);
      value_left_ = {};
      return next_piece(buffer, size);
    }
    if (value_left_.size() > room) in_pieces_ = true;
    const std::size_t take = in_pieces_ ? std::min(value_left_.size(), room - 2) : value_left_.size();
    char* out = buffer;
    out = std::copy(key_.begin(), key_.end(), out);
    *out++ = '=';
    if (in_pieces_) *out++ = kPieceMark;
    out = std::copy_n(value_left_.begin(), take, out);
    if (in_pieces_) *out++ = kPieceMark;
    *out++ = '\n';
    *out = '\0';
    value_left_.remove_prefix(take);
    if (value_left_.empty()) value_left_ = {};   // null: this key line is done
    return buffer;
  }

  void collect(const char* name, const char* value) {
    std::string_view piece = value;
    if (in_pieces_ && piece.size() >= 2) piece = piece.substr(1, piece.size() - 2);   // the marks
    if (!has_pending_) {
      pending_key_.assign(name);
      pending_value_.assign(piece);
      pending_line_ = line_;
      has_pending_ = true;
    } else {
      pending_value_.append(piece);   // the next piece of the same line
    }
  }

  void flush_pending() {
    if (!has_pending_) return;
    has_pending_ = false;
    events_.pair(pending_key_, pending_value_, pending_line_);
  }

  std::string_view rest_;          // text not read yet
  LineEvents& events_;
  unsigned line_ = 0;              // the physical line being handed over
  std::string_view key_;           // of that line
  std::string_view value_left_;    // its value not handed over yet; null: none
  bool in_pieces_ = false;         // that value is handed over in marked pieces
  std::string pending_key_;        // what inih returned for that line so far
  std::string pending_value_;
  unsigned pending_line_ = 0;
  bool has_pending_ = false;
};

}  // namespace

void feed_ini_text(std::string_view text, LineEvents& events) { LineFeeder(text, events).run(); }

}  // namespace srcbind::detail
