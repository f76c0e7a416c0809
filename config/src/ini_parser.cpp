// parse_config_text: sections and keys -> Settings and Rules, every problem as a
// Diagnostic at its line. Line handling and inih live in line_feeder.cpp; the
// values of the keys in rule_values.cpp.
#include "srcbind/ini_parser.hpp"

#include "line_feeder.hpp"
#include "prefault.hpp"
#include "reporter.hpp"
#include "rule_names.hpp"
#include "rule_values.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>

namespace srcbind {
namespace {

using detail::quoted;
using detail::Reporter;

// After this many errors the rest of the file is not read: a binary file would
// otherwise give one error per "line".
constexpr unsigned kMaxErrors = 100;

enum class RuleKey { destination, port, protocol, program, source, interface, on_error, count };
constexpr std::array<std::string_view, static_cast<std::size_t>(RuleKey::count)> kRuleKeys{
    "destination", "port", "protocol", "program", "source", "interface", "on_error"};

enum class SettingsKey { on_error, log, log_file, count };
constexpr std::array<std::string_view, static_cast<std::size_t>(SettingsKey::count)> kSettingsKeys{
    "on_error", "log", "log_file"};

template <std::size_t N>
std::optional<std::size_t> key_index(const std::array<std::string_view, N>& keys, std::string_view key) {
  const auto it = std::find(keys.begin(), keys.end(), key);
  if (it == keys.end()) return std::nullopt;
  return static_cast<std::size_t>(it - keys.begin());
}

template <std::size_t N>
std::string key_list(const std::array<std::string_view, N>& keys) {
  std::string out;
  for (const auto key : keys) out += (out.empty() ? "" : ", ") + std::string(key);
  return out;
}

// A [rule] section being read.
struct RuleDraft {
  Rule rule;
  std::array<unsigned, static_cast<std::size_t>(RuleKey::count)> key_lines{};   // 0: key not given
  bool has_own_on_error = false;
  bool failed = false;

  unsigned line_of(RuleKey key) const { return key_lines[static_cast<std::size_t>(key)]; }
  std::string what() const { return rule.name.empty() ? "rule" : "rule " + quoted(rule.name); }
};

class ConfigBuilder final : public detail::LineEvents {
 public:
  ConfigBuilder(std::string_view file, const HostInterfaces& host, RuleTable& table, std::size_t expected_rules)
      : file_(file), shared_file_(std::string(file)), host_(host), table_(table) {
    table_.rules.reserve(expected_rules);
    detail::prefault(table_.rules.data(), table_.rules.capacity() * sizeof(Rule));
    has_own_on_error_.reserve(expected_rules);
  }

  void section(std::string_view header, unsigned line) override {
    finish_section();
    if (header == "srcbind") {
      kind_ = Kind::settings;
    } else if (header.substr(0, 4) == "rule" && (header.size() == 4 || detail::is_space(header[4]))) {
      begin_rule(detail::trim(header.substr(4)), line);
    } else {
      kind_ = Kind::ignored;
      error(line, "section [" + std::string(header.substr(0, 64)) +
                      "] is not known (expected [srcbind], [rule] or [rule NAME])");
    }
  }

  void malformed_section(std::string message, unsigned line) override {
    finish_section();
    kind_ = Kind::ignored;   // its keys would otherwise land in the previous section
    error(line, std::move(message));
  }

  void pair(std::string_view key, std::string_view value, unsigned line) override {
    switch (kind_) {
      case Kind::none:
        error(line, "key " + quoted(key) + " is outside any section (put it under [srcbind] or [rule NAME])");
        return;
      case Kind::ignored:
        return;   // the section header was already reported
      case Kind::settings:
        settings_pair(key, value, line);
        return;
      case Kind::rule:
        rule_pair(key, value, line);
        return;
    }
  }

  void syntax_error(std::string message, unsigned line) override { error(line, std::move(message)); }

  bool stopped() const override { return error_count_ >= kMaxErrors; }

  void finish() {
    finish_section();
    if (stopped()) {
      table_.diagnostics.push_back({std::string(file_), last_line_, Diagnostic::Severity::error,
                                    "too many errors; stopped reading after " + std::to_string(kMaxErrors)});
    }
    // [srcbind] on_error may come after the rules it is the default for.
    for (std::size_t i = 0; i < table_.rules.size(); ++i) {
      if (!has_own_on_error_[i]) table_.rules[i].on_error = table_.settings.on_error;
    }
    if (rule_sections_ == 0 && error_count_ == 0) {
      table_.diagnostics.push_back({std::string(file_), 0, Diagnostic::Severity::warning, "no rules"});
    }
    std::stable_sort(table_.diagnostics.begin(), table_.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  }

 private:
  enum class Kind { none, settings, rule, ignored };

  Reporter reporter(unsigned line) {
    last_line_ = std::max(last_line_, line);
    return Reporter{&table_.diagnostics, file_, line, &error_count_};
  }
  void error(unsigned line, std::string message) { reporter(line).error(std::move(message)); }

  void begin_rule(std::string_view name, unsigned line) {
    kind_ = Kind::rule;
    ++rule_sections_;
    draft_ = RuleDraft{};
    draft_.rule.file = shared_file_;   // one string for all of the file's rules
    draft_.rule.line = line;
    if (name.empty()) return;
    if (std::any_of(name.begin(), name.end(), [](char c) { return detail::is_space(c) || c == '[' || c == ']'; })) {
      error(line, "rule name " + quoted(name) + " must not contain blanks or brackets");
      draft_.failed = true;
      return;
    }
    // `name` points into the text, which outlives the builder.
    if (const unsigned previous = names_.first_use(name, line); previous != 0) {
      error(line, "rule name " + quoted(name) + " is already used on line " + std::to_string(previous));
      draft_.failed = true;
    }
    draft_.rule.name = std::string(name);
  }

  void settings_pair(std::string_view key, std::string_view value, unsigned line) {
    const auto index = key_index(kSettingsKeys, key);
    if (!index) {
      error(line, "key " + quoted(key) + " is not known in a [srcbind] section (expected " +
                      key_list(kSettingsKeys) + ")");
      return;
    }
    if (!first_use(settings_lines_[*index], key, line)) return;
    const Reporter report = reporter(line);
    if (value.empty()) return report.error("key " + quoted(key) + " has no value");
    switch (static_cast<SettingsKey>(*index)) {
      case SettingsKey::on_error:
        if (const auto on_error = detail::parse_on_error(value, report)) table_.settings.on_error = *on_error;
        break;
      case SettingsKey::log:
        if (const auto level = detail::parse_log(value, report)) table_.settings.log_level = *level;
        break;
      case SettingsKey::log_file:
        if (auto path = detail::parse_log_file(value, report)) table_.settings.log_file = std::move(*path);
        break;
      case SettingsKey::count:
        break;
    }
  }

  void rule_pair(std::string_view key, std::string_view value, unsigned line) {
    const auto index = key_index(kRuleKeys, key);
    if (!index) {
      error(line, "key " + quoted(key) + " is not known in a [rule] section (expected " + key_list(kRuleKeys) + ")");
      draft_.failed = true;
      return;
    }
    if (!first_use(draft_.key_lines[*index], key, line)) {
      draft_.failed = true;
      return;
    }
    const Reporter report = reporter(line);
    if (value.empty()) {
      report.error("key " + quoted(key) + " has no value");
      draft_.failed = true;
      return;
    }
    Rule& rule = draft_.rule;
    bool ok = true;
    switch (static_cast<RuleKey>(*index)) {
      case RuleKey::destination: ok = detail::parse_destinations(value, rule, report); break;
      case RuleKey::port: ok = detail::parse_ports(value, rule, report); break;
      case RuleKey::protocol: ok = detail::parse_protocol(value, rule, report); break;
      case RuleKey::program: ok = detail::parse_programs(value, rule, report); break;
      case RuleKey::source: ok = detail::parse_sources(value, rule, host_, source_warnings_, report); break;
      case RuleKey::interface: ok = detail::parse_interface(value, rule, host_, report); break;
      case RuleKey::on_error:
        if (const auto on_error = detail::parse_on_error(value, report)) {
          rule.on_error = *on_error;
          draft_.has_own_on_error = true;
        } else {
          ok = false;
        }
        break;
      case RuleKey::count: break;
    }
    if (!ok) draft_.failed = true;
  }

  // Records the line of a key's first use; a second use is an error.
  bool first_use(unsigned& seen_on, std::string_view key, unsigned line) {
    if (seen_on != 0) {
      error(line, "key " + quoted(key) + " is already set on line " + std::to_string(seen_on));
      return false;
    }
    seen_on = line;
    return true;
  }

  void finish_section() {
    if (kind_ == Kind::rule) finish_rule();
    kind_ = Kind::none;
  }

  // Checks what needs the whole section, then keeps the rule if nothing was wrong.
  void finish_rule() {
    const unsigned header = draft_.rule.line;
    if (draft_.line_of(RuleKey::destination) == 0) {
      error(header, draft_.what() + " has no destination (add destination = ADDRESS[/LENGTH], ... or *)");
      draft_.failed = true;
    }
    if (draft_.line_of(RuleKey::source) == 0 && draft_.line_of(RuleKey::interface) == 0) {
      error(header, draft_.what() + " has neither source nor interface (it needs one of them, or both)");
      draft_.failed = true;
    }
    if (draft_.line_of(RuleKey::source) != 0 &&
        !detail::check_sources_on_interface(draft_.rule, host_, reporter(draft_.line_of(RuleKey::source)))) {
      draft_.failed = true;
    }
    if (draft_.failed) return;
    table_.rules.push_back(std::move(draft_.rule));
    has_own_on_error_.push_back(draft_.has_own_on_error);
  }

  std::string_view file_;
  SharedText shared_file_;
  const HostInterfaces& host_;
  RuleTable& table_;
  Kind kind_ = Kind::none;
  RuleDraft draft_;
  std::array<unsigned, static_cast<std::size_t>(SettingsKey::count)> settings_lines_{};
  detail::RuleNames names_;
  std::vector<bool> has_own_on_error_;   // parallel to table_.rules
  detail::SourceWarnings source_warnings_;
  unsigned rule_sections_ = 0;
  unsigned error_count_ = 0;
  unsigned last_line_ = 0;
};

std::size_t section_lines(std::string_view text) {
  std::size_t count = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i < text.size() && text[i] == '[') ++count;
    const auto newline = text.find('\n', i);   // memchr: most bytes are skipped in bulk
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return count;
}

}  // namespace

RuleTable parse_config_text(std::string_view text, std::string_view file_name, const HostInterfaces& host) {
  RuleTable table;
  // An upper bound on the number of rules, so that 100,000 of them are not moved
  // around while the vector grows: lines that start a section (first non-blank
  // byte '['). The vector's pages are populated up front (prefault.hpp), so the
  // bound must not count brackets in comments. Capped: a rule takes at least 32
  // bytes, and a garbage file must not reserve much.
  const std::size_t expected_rules = std::min({section_lines(text), text.size() / 32, std::size_t{1} << 17});
  ConfigBuilder builder(file_name, host, table, expected_rules);
  detail::feed_ini_text(text, builder);
  builder.finish();
  return table;
}

}  // namespace srcbind
