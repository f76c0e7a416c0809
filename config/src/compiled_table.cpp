// The compiled table's sections, written by compile_to_file and read back by
// load_rules, which falls back to the configuration file itself
// (docs/compiled-table.md).
#include "srcbind/compiled_table.hpp"

#include "srcbind/matcher.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace srcbind {
namespace {

// The [srcbind] section as the table stores it; the log file's path follows.
struct SettingsRecord {
  std::uint8_t on_error = 0;
  std::uint8_t log_level = 0;
  std::uint8_t reserved[2] = {};
  std::uint32_t log_file_size = 0;
};

template <class T>
std::span<const std::byte> bytes_of(std::span<const T> items) {
  return std::as_bytes(items);
}

// A section as an array of T, or nullopt when its size is not a whole number of them.
template <class T>
std::optional<std::span<const T>> array_of(std::span<const std::byte> bytes) {
  if (bytes.size() % sizeof(T) != 0) return std::nullopt;
  return std::span<const T>(reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T));
}

std::string_view chars_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<std::byte> settings_section(const Settings& settings) {
  SettingsRecord record;
  record.on_error = static_cast<std::uint8_t>(settings.on_error);
  record.log_level = static_cast<std::uint8_t>(settings.log_level);
  record.log_file_size = static_cast<std::uint32_t>(settings.log_file.size());
  std::vector<std::byte> out(sizeof record + settings.log_file.size());
  std::memcpy(out.data(), &record, sizeof record);
  std::memcpy(out.data() + sizeof record, settings.log_file.data(), settings.log_file.size());
  return out;
}

std::optional<Settings> read_settings(std::span<const std::byte> bytes) {
  SettingsRecord record;
  if (bytes.size() < sizeof record) return std::nullopt;
  std::memcpy(&record, bytes.data(), sizeof record);
  if (record.log_file_size != bytes.size() - sizeof record || record.on_error > 1 ||
      record.log_level > static_cast<std::uint8_t>(LogLevel::debug))
    return std::nullopt;
  Settings settings;
  settings.on_error = static_cast<OnError>(record.on_error);
  settings.log_level = static_cast<LogLevel>(record.log_level);
  settings.log_file.assign(reinterpret_cast<const char*>(bytes.data()) + sizeof record, record.log_file_size);
  return settings;
}

bool is_quick_mode(const Rule& rule) { return rule.line == 0; }

// Reads the sections of a table that CompiledTableFile accepted. False when one
// is missing or malformed (a table written by a broken writer: not used).
bool read_sections(const CompiledTableFile& file, LoadedRules& out, Settings& settings) {
  const auto section = [&](SectionTag tag) { return file.section(tag); };
  const auto s = section(SectionTag::settings);
  const auto rules = section(SectionTag::rules);
  const auto actions = section(SectionTag::actions);
  const auto text = section(SectionTag::text);
  const auto programs = section(SectionTag::programs);
  const auto image = section(SectionTag::matcher);
  const auto label_blocks = section(SectionTag::label_blocks);
  const auto labels = section(SectionTag::labels);
  if (!s || !rules || !actions || !text || !programs || !image || !label_blocks || !labels) return false;
  const auto parsed = read_settings(*s);
  const auto rule_array = array_of<RuleRecord>(*rules);
  const auto action_array = array_of<ActionRecord>(*actions);
  const auto program_array = array_of<TextRef>(*programs);
  const auto block_array = array_of<std::uint32_t>(*label_blocks);
  if (!parsed || !rule_array || !action_array || !program_array || !block_array) return false;
  const auto records = RuleRecords::view(*rule_array, *action_array, chars_of(*text), *program_array, *block_array,
                                         chars_of(*labels));
  if (!records) return false;
  settings = *parsed;
  out.records = *records;
  out.matcher_image = *image;
  return true;
}

// The matcher for this process, over out.matcher_image; false when the image is
// refused (a damaged table: the file is parsed instead of losing its rules).
bool open_matcher(LoadedRules& out, const ProgramNames& names) {
  out.program_names = names(out.records.has_program_filter());
  out.applies = out.records.rules_for_programs(out.program_names);
  out.matcher = Matcher::open(out.matcher_image, out.applies, out.records.rules().size());
  return out.matcher.has_value();
}

// The table, when it is there, fresh, trusted as the file is, and whole.
bool load_table(LoadedRules& out, CapturedConfiguration& captured, const HostInterfaces& host,
                const ProgramNames& names) {
  ConfigFile& file = captured.file;
  // A file that cannot be used says so through the file's own load.
  if (file.path().empty() || !file.error().empty() || !file.trust_problem().empty()) return false;
  const std::optional<SourceIdentity> identity = identity_of(file.path());
  if (!identity) return false;
  out.table = CompiledTableFile::read(compiled_table_path(file.path()), file.trust(), *identity);
  out.table_status = out.table.status();
  out.table_problem = out.table.problem();
  if (out.table_status != CompiledTableFile::Status::used) return false;
  RuleTable environment;   // what the variables add: the quick rule, log overrides
  if (!read_sections(out.table, out, environment.settings) || !open_matcher(out, names)) {
    out.table_status = CompiledTableFile::Status::not_a_table;
    out.table_problem = compiled_table_path(file.path()) + ": a section is missing or malformed";
    out.records = {};
    out.matcher_image = {};
    out.matcher.reset();
    return false;
  }
  environment.config_path = file.path();
  if (!captured.env.secure) apply_environment(captured.env, host, environment);
  out.settings = std::move(environment.settings);
  out.diagnostics = std::move(environment.diagnostics);
  out.config_path = file.path();
  if (!environment.rules.empty()) {
    out.quick = compile_rules(environment.rules, out.quick.rules.get_allocator().resource());
    out.quick_destinations = environment.rules.front().destinations;
  }
  file.release();   // the text is not needed: give back its mapping
  return true;
}

void load_text(LoadedRules& out, CapturedConfiguration& captured, const HostInterfaces& host,
               const ProgramNames& names) {
  RuleTable table = load_configuration(captured, host, LoadPurpose::library);
  std::pmr::memory_resource* memory = out.built.rules.get_allocator().resource();
  if (!table.rules.empty() && is_quick_mode(table.rules.back())) {
    out.quick = compile_rules(std::span<const Rule>(&table.rules.back(), 1), memory);
    out.quick_destinations = table.rules.back().destinations;
    table.rules.pop_back();
  }
  out.built = compile_rules(table.rules, memory);
  const std::vector<std::byte> image = Matcher::build_image(table.rules);
  out.built_image.assign((image.size() + sizeof(LoadedRules::ImageLine) - 1) / sizeof(LoadedRules::ImageLine),
                         LoadedRules::ImageLine{});
  std::memcpy(out.built_image.data(), image.data(), image.size());
  out.records = out.built.view();
  out.matcher_image =
      std::as_bytes(std::span<const LoadedRules::ImageLine>(out.built_image)).first(image.size());
  out.settings = std::move(table.settings);
  out.diagnostics = std::move(table.diagnostics);
  out.config_path = std::move(table.config_path);
  open_matcher(out, names);   // built here: it opens
}

}  // namespace

std::optional<SourceIdentity> identity_of(const std::string& path) noexcept {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return SourceIdentity::of(st);
}

std::string why_not_compilable(const RuleTable& table) {
  if (!table.ok()) return "the file has errors (srcbind --check says which)";
  for (const Rule& rule : table.rules) {
    if (is_quick_mode(rule)) continue;
    // Host state is read when the file is: a table would keep a stale answer.
    if (!rule.interface.empty() || rule.named_source)
      return table.config_path + ":" + std::to_string(rule.line) + ": " + rule.reference() +
             " depends on this host's interfaces (source = @NAME or interface =), which are read when the file is";
  }
  return {};
}

std::string compile_to_file(const RuleTable& table, const SourceIdentity& source) {
  if (std::string why = why_not_compilable(table); !why.empty()) return why;
  std::vector<Rule> rules;
  std::copy_if(table.rules.begin(), table.rules.end(), std::back_inserter(rules),
               [](const Rule& rule) { return !is_quick_mode(rule); });
  const CompiledRules records = compile_rules(rules);
  const std::vector<std::byte> image = Matcher::build_image(rules);
  const std::vector<std::byte> settings = settings_section(table.settings);
  const SectionView sections[] = {
      {SectionTag::settings, settings},
      {SectionTag::rules, bytes_of(std::span<const RuleRecord>(records.rules))},
      {SectionTag::actions, bytes_of(std::span<const ActionRecord>(records.actions))},
      {SectionTag::text, std::as_bytes(std::span<const char>(records.text.data(), records.text.size()))},
      {SectionTag::programs, bytes_of(std::span<const TextRef>(records.programs))},
      {SectionTag::matcher, image},
      {SectionTag::label_blocks, bytes_of(std::span<const std::uint32_t>(records.labels.blocks))},
      {SectionTag::labels, std::as_bytes(std::span<const char>(records.labels.bytes.data(), records.labels.bytes.size()))},
  };
  return write_compiled_table(compiled_table_path(table.config_path), source, sections);
}

void load_rules(LoadedRules& out, CapturedConfiguration& captured, const HostInterfaces& host,
                const ProgramNames& names) noexcept {
  try {
    if (!load_table(out, captured, host, names)) load_text(out, captured, host, names);
  } catch (...) {
    // Out of memory: no rules, and the one error line says why.
    out.records = {};
    out.matcher_image = {};
    out.matcher.reset();
    out.quick_destinations.clear();
    try {
      out.diagnostics.assign(1, {"srcbind", 0, Diagnostic::Severity::error, "out of memory while loading the configuration"});
    } catch (...) {
    }
  }
}

}  // namespace srcbind
