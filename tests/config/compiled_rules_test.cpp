// The records the library keeps of rules (compiled_rules.hpp) and the compiled
// table they travel in (compiled_table.hpp): labels, shared actions, program
// filters, references checked, decide() on a record as on its rule, and a table
// written and read back deciding as the file does.
#include "srcbind/compiled_rules.hpp"
#include "srcbind/compiled_table.hpp"
#include "srcbind/decision.hpp"
#include "srcbind/matcher.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>

namespace srcbind::test {
namespace {

// A process called "test".
std::vector<std::string> names(bool) { return {"test"}; }

TEST(CompiledRules, LabelsAreTheRulesOwn) {
  RuleTable table = parse("[rule far]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
                          "[rule]\ndestination = 198.51.100.0/24\nsource = 198.51.100.12\n");
  table.rules.push_back(*quick_mode_rule("198.51.100.12", "", fake_host(), table.diagnostics));
  const CompiledRules compiled = compile_rules(table.rules);
  const RuleRecords records = compiled.view();
  ASSERT_EQ(records.rules().size(), 3u);
  LabelBuffer buffer;
  EXPECT_EQ(records.label(0, buffer), "far");
  EXPECT_EQ(records.label(1, buffer), "");   // unnamed: "at line N"
  EXPECT_EQ(records.rules()[1].line, table.rules[1].line);
  EXPECT_EQ(records.label(2, buffer), "SRCBIND_SOURCE");
  EXPECT_EQ(records.label(3, buffer), "") << "past the rules";
  EXPECT_EQ(records.rules()[2].line, 0u);
}

// The library keeps a CompiledRules for the quick-mode rule whether or not
// there is one: never compiled, it is a view of nothing.
TEST(CompiledRules, RecordsNeverCompiledAreAnEmptyView) {
  const CompiledRules none;
  const RuleRecords records = none.view();
  EXPECT_TRUE(records.rules().empty());
  EXPECT_TRUE(records.actions().empty());
  LabelBuffer buffer;
  EXPECT_EQ(records.label(0, buffer), "");
  const CompiledRules compiled_from_nothing = compile_rules({});
  EXPECT_TRUE(compiled_from_nothing.view().rules().empty());
}

TEST(CompiledRules, RulesThatDoTheSameShareOneAction) {
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "[rule r" + std::to_string(i) + "]\ndestination = 203.0.113." + std::to_string(i) +
            "\nsource = " + (i % 2 ? "198.51.100.12" : "2001:db8:2::12") + "\n";
  }
  const CompiledRules compiled = compile_rules(parse(text).rules);
  EXPECT_EQ(compiled.rules.size(), 100u);
  EXPECT_EQ(compiled.actions.size(), 2u);
}

TEST(CompiledRules, ProgramFiltersAreAnsweredPerProcess) {
  const RuleTable table = parse(
      "[rule a]\ndestination = 203.0.113.1\nsource = 198.51.100.12\nprogram = curl, wget\n"
      "[rule b]\ndestination = 203.0.113.2\nsource = 198.51.100.12\n"
      "[rule c]\ndestination = 203.0.113.3\nsource = 198.51.100.12\nprogram = ftp\n");
  const CompiledRules compiled = compile_rules(table.rules);
  const RuleRecords records = compiled.view();
  EXPECT_TRUE(records.has_program_filter());
  const std::vector<std::string> wget{"wget"};
  EXPECT_EQ(records.rules_for_programs(wget), std::vector<std::uint64_t>{0b001});
  const std::vector<std::string> ftp{"bash", "ftp"};
  EXPECT_EQ(records.rules_for_programs(ftp), std::vector<std::uint64_t>{0b100});
}

TEST(CompiledRules, AViewRefusesReferencesOutsideItsPools) {
  const CompiledRules compiled = compile_rules(
      parse("[rule a]\ndestination = 203.0.113.1\nsource = 198.51.100.12\nprogram = curl\n").rules);
  std::vector<RuleRecord> rules(compiled.rules.begin(), compiled.rules.end());
  std::vector<ActionRecord> actions(compiled.actions.begin(), compiled.actions.end());
  std::vector<TextRef> programs(compiled.programs.begin(), compiled.programs.end());
  const std::string text(compiled.text);
  const std::vector<std::uint32_t> blocks(compiled.labels.blocks.begin(), compiled.labels.blocks.end());
  const std::string labels(compiled.labels.bytes);
  ASSERT_TRUE(RuleRecords::view(rules, actions, text, programs, blocks, labels));

  auto bad = rules;
  bad[0].action = 1;
  EXPECT_FALSE(RuleRecords::view(bad, actions, text, programs, blocks, labels));
  auto bad_blocks = blocks;
  bad_blocks.back() += 1;
  EXPECT_FALSE(RuleRecords::view(rules, actions, text, programs, bad_blocks, labels));
  bad_blocks.push_back(bad_blocks.back());
  EXPECT_FALSE(RuleRecords::view(rules, actions, text, programs, bad_blocks, labels)) << "a block too many";
  EXPECT_FALSE(RuleRecords::view(rules, actions, text, programs, blocks, labels + "x"));
  auto bad_actions = actions;
  bad_actions[0].programs_count = 2;
  EXPECT_FALSE(RuleRecords::view(rules, bad_actions, text, programs, blocks, labels));
  bad_actions = actions;
  std::memset(bad_actions[0].interface.text, 'x', sizeof bad_actions[0].interface.text);   // no NUL
  EXPECT_FALSE(RuleRecords::view(rules, bad_actions, text, programs, blocks, labels));
  auto bad_programs = programs;
  bad_programs[0].offset = static_cast<std::uint32_t>(text.size());
  EXPECT_FALSE(RuleRecords::view(rules, actions, text, bad_programs, blocks, labels));
}

// decide() on a record, as on the rule it was made from: every kind of rule,
// call, family and socket state.
TEST(CompiledRules, ARecordDecidesAsItsRule) {
  const RuleTable table = parse(
      "[rule v4]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule both]\ndestination = *\nsource = 198.51.100.12, 2001:db8:2::12\ninterface = eth1\n"
      "[rule device]\ndestination = *\ninterface = wg0\n"
      "[rule missing]\ndestination = *\nsource = @nothere\non_error = continue\n");
  ASSERT_EQ(table.rules.size(), 4u);
  const CompiledRules compiled = compile_rules(table.rules);
  const RuleRecords records = compiled.view();
  int compared = 0;
  for (std::size_t i = 0; i < table.rules.size(); ++i) {
    const ActionRecord& action = records.action(records.rules()[i]);
    EXPECT_EQ(action.on_error, table.rules[i].on_error);
    for (const char* address : {"203.0.113.10", "2001:db8::10"}) {
      Endpoint destination;
      destination.address = *IpAddress::parse(address);
      for (SocketCall call : {SocketCall::connect, SocketCall::datagram_send}) {
        for (int bits = 0; bits < 128; ++bits) {
          SocketState s;
          s.datagram = bits & 1;
          s.local_wildcard = !(bits & 2);
          s.has_port = bits & 4;
          s.port_chosen_by_kernel = bits & 8;
          s.bound_by_program = bits & 16;
          s.device_pinned = bits & 32;
          s.repeated_connect = bits & 64;
          const Decision a = decide(table.rules[i], destination, call, s);
          const Decision b = decide(action, destination, call, s);
          ASSERT_EQ(a.verdict, b.verdict) << table.rules[i].label() << " " << address << " state " << bits;
          EXPECT_EQ(a.reason == nullptr, b.reason == nullptr);
          if (a.reason && b.reason) {
            EXPECT_STREQ(a.reason, b.reason);
          }
          EXPECT_EQ(a.error, b.error);
          ASSERT_EQ(a.source == nullptr, b.source == nullptr);
          if (a.source) {
            EXPECT_EQ(*a.source, *b.source);
          }
          EXPECT_EQ(a.set_device, b.set_device);
          EXPECT_EQ(a.bind_no_port, b.bind_no_port);
          EXPECT_EQ(a.rebind_kernel_port, b.rebind_kernel_port);
          EXPECT_EQ(a.packet_info, b.packet_info);
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 4 * 2 * 2 * 128);
}

// ------------------------------------------------------------ the table on disk

class CompiledTableFiles : public ::testing::Test {
 protected:
  TempDir dir;

  CapturedConfiguration capture(const std::string& path) {
    Environment env;
    env.config = path;
    return capture_configuration(env, ConfigFile::Capture::map, nullptr);
  }
  std::string compile(const std::string& path) {
    const auto before = identity_of(path);
    RuleTable table = load_config_file(path, fake_host());
    return before ? compile_to_file(table, *before) : "no such file";
  }
};

TEST_F(CompiledTableFiles, ATableWrittenAndReadDecidesAsTheFile) {
  std::mt19937 random(7);
  std::string text = "[srcbind]\non_error = continue\nlog = info\n";
  for (int i = 0; i < 2000; ++i) {
    const std::string address = "10." + std::to_string(i % 7) + "." + std::to_string(i % 251) + "." +
                                std::to_string(i % 13 * 16);
    const PrefixParse prefix = parse_prefix(address + "/" + std::to_string(16 + i % 17));
    text += "[rule r" + std::to_string(i) + "]\ndestination = " +
            (prefix.prefix ? *prefix.prefix : prefix.network).to_string() + "\n";
    if (i % 5 == 0) text += "port = " + std::to_string(20 + i % 4) + "\n";
    if (i % 7 == 0) text += "protocol = udp\n";
    if (i % 11 == 0) text += "program = curl\n";
    text += "source = 198.51.100." + std::to_string(i % 3 + 10) + "\n";
  }
  text += "[rule rest]\ndestination = *\nsource = 198.51.100.12\n";
  const std::string path = dir.write("rules.ini", text);
  ASSERT_EQ(compile(path), "");

  CapturedConfiguration from_table = capture(path);
  LoadedRules table;
  load_rules(table, from_table, fake_host(), names);
  ASSERT_EQ(table.table_status, CompiledTableFile::Status::used) << table.table_problem;
  EXPECT_EQ(table.settings.log_level, LogLevel::info);

  // The same file without its table: parsed.
  ASSERT_EQ(::unlink(compiled_table_path(path).c_str()), 0);
  CapturedConfiguration from_text = capture(path);
  LoadedRules parsed;
  load_rules(parsed, from_text, fake_host(), names);
  ASSERT_EQ(parsed.table_status, CompiledTableFile::Status::absent);
  ASSERT_EQ(table.records.rules().size(), parsed.records.rules().size());

  const std::vector<std::string> names{"curl"};
  const auto bits_table = table.records.rules_for_programs(names);
  const auto bits_parsed = parsed.records.rules_for_programs(names);
  EXPECT_EQ(bits_table, bits_parsed);
  const auto a = Matcher::open(table.matcher_image, bits_table, table.records.rules().size());
  const auto b = Matcher::open(parsed.matcher_image, bits_parsed, parsed.records.rules().size());
  ASSERT_TRUE(a && b);
  for (int i = 0; i < 20000; ++i) {
    Endpoint e;
    e.address.bytes = {10, static_cast<std::uint8_t>(random() % 8), static_cast<std::uint8_t>(random() % 256),
                       static_cast<std::uint8_t>(random() % 256)};
    if (i % 10 == 0) e.address.bytes[0] = 127;
    e.port = static_cast<std::uint16_t>(19 + random() % 6);
    const Protocol p = i % 3 == 0 ? Protocol::any : i % 3 == 1 ? Protocol::tcp : Protocol::udp;
    const std::uint32_t x = a->find_index(e, p), y = b->find_index(e, p);
    ASSERT_EQ(x, y) << e.address.to_string() << ":" << e.port;
    if (x == Matcher::kNoRule) continue;
    const RuleRecord& rx = table.records.rules()[x];
    const RuleRecord& ry = parsed.records.rules()[y];
    LabelBuffer bx, by;
    EXPECT_EQ(table.records.label(x, bx), parsed.records.label(y, by));
    EXPECT_EQ(table.records.action(rx), parsed.records.action(ry));
  }
}

TEST_F(CompiledTableFiles, AStaleTableIsNotUsed) {
  const std::string path = dir.write("rules.ini", "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n");
  ASSERT_EQ(compile(path), "");
  dir.write("rules.ini", "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.11\n");
  CapturedConfiguration captured = capture(path);
  LoadedRules loaded;
  load_rules(loaded, captured, fake_host(), names);
  EXPECT_EQ(loaded.table_status, CompiledTableFile::Status::stale);
  ASSERT_EQ(loaded.records.rules().size(), 1u);
  EXPECT_EQ(*loaded.records.action(loaded.records.rules()[0]).source_for(Family::v4), ip("198.51.100.11"));
}

// The container checks its header; what a section holds is checked by its
// reader: a table whose image was damaged is not used, and the file is parsed.
TEST_F(CompiledTableFiles, ADamagedSectionMeansTheFileIsParsed) {
  const std::string path = dir.write("rules.ini", "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n");
  ASSERT_EQ(compile(path), "");
  const std::string table = compiled_table_path(path);
  struct stat st {};
  ASSERT_EQ(::stat(table.c_str(), &st), 0);
  int used = 0, parsed = 0;
  // Every 8-byte word after the header and directory, overwritten in turn.
  for (off_t at = 256; at + 8 <= st.st_size; at += 8) {
    ASSERT_EQ(compile(path), "");
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(at);
    f.write("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
    f.close();
    CapturedConfiguration captured = capture(path);
    LoadedRules loaded;
    load_rules(loaded, captured, fake_host(), names);
    ASSERT_EQ(loaded.records.rules().size(), 1u) << "word at " << at;
    const auto matcher = Matcher::open(loaded.matcher_image, {}, 1);
    ASSERT_TRUE(matcher) << "word at " << at;
    ++(loaded.table_status == CompiledTableFile::Status::used ? used : parsed);
  }
  EXPECT_GT(parsed, 0);
  RecordProperty("damaged_tables_used", used);
  RecordProperty("damaged_tables_parsed", parsed);
}

TEST_F(CompiledTableFiles, FilesWithHostStateOrErrorsAreNotCompiled) {
  const std::string named = dir.write("named.ini", "[rule a]\ndestination = *\nsource = @eth1\n");
  EXPECT_NE(compile(named), "");
  const std::string device = dir.write("device.ini", "[rule a]\ndestination = *\ninterface = eth1\n");
  EXPECT_NE(compile(device), "");
  const std::string broken = dir.write("broken.ini", "[rule a]\ndestination = nowhere\nsource = 198.51.100.12\n");
  EXPECT_NE(compile(broken), "");
  EXPECT_NE(::access(compiled_table_path(named).c_str(), F_OK), 0);
}

TEST_F(CompiledTableFiles, TheQuickRuleComesFromTheEnvironmentNotTheTable) {
  const std::string path = dir.write("rules.ini", "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n");
  ASSERT_EQ(compile(path), "");
  Environment env;
  env.config = path;
  env.source = "2001:db8:2::12";
  env.log = "debug";
  CapturedConfiguration captured = capture_configuration(env, ConfigFile::Capture::map, nullptr);
  LoadedRules loaded;
  load_rules(loaded, captured, fake_host(), names);
  ASSERT_EQ(loaded.table_status, CompiledTableFile::Status::used);
  EXPECT_EQ(loaded.settings.log_level, LogLevel::debug);
  const RuleRecords quick = loaded.quick.view();
  ASSERT_EQ(quick.rules().size(), 1u);
  LabelBuffer buffer;
  EXPECT_EQ(quick.label(0, buffer), "SRCBIND_SOURCE");
  EXPECT_EQ(loaded.quick_destinations.size(), 2u);
}

}  // namespace
}  // namespace srcbind::test
