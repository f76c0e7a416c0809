// The compiled table: a configuration file's rules as `srcbind --compile` writes
// them next to it (FILE.compiled), and what the library loads: that table when
// it is fresh and trusted, else the file itself (docs/compiled-table.md).
//
// Either way the library ends with the same thing, LoadedRules: records
// (compiled_rules.hpp), the matcher's image (matcher.hpp), the settings, and
// the quick-mode rule, which comes from the environment and never from a table.
#pragma once

#include "srcbind/compiled_rules.hpp"
#include "srcbind/compiled_table_file.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace srcbind {

// Why `table` cannot be compiled, empty when it can: errors in the file, or
// rules that depend on this host's interfaces (`source = @NAME`, `interface`),
// which are resolved when the file is read and so are not kept in a table.
std::string why_not_compilable(const RuleTable& table);

// Writes the table for the file `table` was read from (table.config_path,
// whose identity when read is `source`), atomically. Returns what went wrong,
// empty on success.
std::string compile_to_file(const RuleTable& table, const SourceIdentity& source);

// The INI file's identity now (stat, following symlinks as open does).
std::optional<SourceIdentity> identity_of(const std::string& path) noexcept;

// Filled in place by load_rules: its views point into its own members, so it
// does not move.
struct LoadedRules {
  explicit LoadedRules(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
      : quick(memory), built(memory), built_image(memory) {}
  LoadedRules(const LoadedRules&) = delete;
  LoadedRules& operator=(const LoadedRules&) = delete;

  Settings settings;
  std::vector<Diagnostic> diagnostics;
  std::string config_path;                 // the INI file, empty when none
  RuleRecords records;                     // the file's rules
  std::span<const std::byte> matcher_image;
  std::vector<std::string> program_names;  // this process's, as the rules needed them
  std::vector<std::uint64_t> applies;      // rules whose program filter names this process
  std::optional<Matcher> matcher;          // over matcher_image, for this process

  // SRCBIND_SOURCE / SRCBIND_INTERFACE: at most one rule, after every file rule.
  CompiledRules quick;
  std::vector<DestinationPattern> quick_destinations;

  // Whether the table was used, and if not why (for the debug log and --check).
  CompiledTableFile::Status table_status = CompiledTableFile::Status::absent;
  std::string table_problem;

  // What the views above point into: the table read, or what was built here.
  CompiledTableFile table;
  CompiledRules built;
  // Whole cache lines, so that the image starts one: its header's lookup
  // fields, and each pair of tables, are then one line read each.
  struct alignas(64) ImageLine {
    std::uint64_t words[8];
  };
  std::pmr::vector<ImageLine> built_image;
};

// This process's names (basename of argv[0], of /proc/self/exe), given whether
// some rule has a program filter (the library then reads /proc: runtime.cpp).
using ProgramNames = std::function<std::vector<std::string>(bool some_rule_names_programs)>;

// The library's load into `out` (made with the memory to build in: the
// library's hot page for a small configuration): the compiled table of the
// captured file when it is fresh and trusted as the file is, else the file
// itself (load_configuration); then the matcher for this process, opened once.
// Never throws.
void load_rules(LoadedRules& out, CapturedConfiguration& captured, const HostInterfaces& host,
                const ProgramNames& names) noexcept;

}  // namespace srcbind
