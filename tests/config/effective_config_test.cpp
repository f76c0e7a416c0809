// load_effective_config: which file is read, the quick-mode rule, the SRCBIND_LOG*
// overrides, secure-execution mode, and "a broken configuration applies no rules".
#include "srcbind/rule_table.hpp"

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kSystemRules =
    "[srcbind]\nlog = info\n[rule system]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n";
constexpr std::string_view kUserRules =
    "[srcbind]\non_error = continue\nlog = error\n[rule user]\ndestination = 203.0.113.0/24\nsource = 198.51.100.110\n";

class LoadEffectiveConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::getuid() != 0) GTEST_SKIP() << "needs root: the stand-in for /etc/srcbind.ini must be owned by root";
  }

  RuleTable load(const Environment& env) { return load_effective_config(env, fake_host(), system_path.c_str()); }

  TempDir dir;
  std::string system_path = dir.write("srcbind.ini", kSystemRules, 0644);
  std::string user_path = dir.write("user.ini", kUserRules, 0644);
  std::string absent_path = dir.path() + "/absent.ini";
};

TEST_F(LoadEffectiveConfig, NoVariableAndNoSystemFileIsNoRulesAndNoComplaint) {
  system_path = absent_path;
  const RuleTable table = load(Environment{});
  EXPECT_TRUE(table.rules.empty());
  EXPECT_TRUE(table.diagnostics.empty());
  EXPECT_EQ(table.config_path, "");
  EXPECT_EQ(table.settings.log_level, LogLevel::warn);
}

TEST_F(LoadEffectiveConfig, SystemFileIsReadWhenSrcbindConfigIsUnset) {
  const RuleTable table = load(Environment{});
  EXPECT_THAT(messages(table), ElementsAre());
  EXPECT_EQ(table.config_path, system_path);
  EXPECT_THAT(rule_names(table), ElementsAre("system"));
  EXPECT_EQ(table.settings.log_level, LogLevel::info);
}

TEST_F(LoadEffectiveConfig, SrcbindConfigReplacesTheSystemFile) {
  Environment env;
  env.config = user_path;
  const RuleTable table = load(env);
  EXPECT_EQ(table.config_path, user_path);
  EXPECT_THAT(rule_names(table), ElementsAre("user"));
}

TEST_F(LoadEffectiveConfig, EmptySrcbindConfigCountsAsUnset) {
  Environment env;
  env.config = "";
  EXPECT_EQ(load(env).config_path, system_path);
}

TEST_F(LoadEffectiveConfig, MissingSrcbindConfigIsAnErrorAndNoRules) {
  Environment env;
  env.config = absent_path;
  env.source = "198.51.100.12";
  const RuleTable table = load(env);
  EXPECT_THAT(messages(table), ElementsAre(absent_path + ": cannot read: No such file or directory"));
  EXPECT_TRUE(table.rules.empty());
}

TEST_F(LoadEffectiveConfig, SrcbindConfigWritableByOthersIsRefused) {
  Environment env;
  env.config = dir.write("open.ini", kUserRules, 0666);
  const RuleTable table = load(env);
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
}

TEST_F(LoadEffectiveConfig, QuickRuleComesLastAndTakesTheFilesOnError) {
  Environment env;
  env.config = user_path;
  env.source = "2001:db8:2::12";
  const RuleTable table = load(env);
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 2u);
  EXPECT_EQ(table.rules[0].name, "user");
  EXPECT_EQ(table.rules[1].file, "SRCBIND_SOURCE");
  EXPECT_EQ(table.rules[1].source_v6, ip("2001:db8:2::12"));
  EXPECT_EQ(table.rules[1].on_error, OnError::proceed);
}

TEST_F(LoadEffectiveConfig, QuickModeWithoutAnyFile) {
  system_path = absent_path;
  Environment env;
  env.interface = "eth0";
  const RuleTable table = load(env);
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].file, "SRCBIND_INTERFACE");
  EXPECT_EQ(table.rules[0].on_error, OnError::fail);
}

TEST_F(LoadEffectiveConfig, BadQuickModeDropsEveryRule) {
  Environment env;
  env.source = "198.51.100.12, 198.51.100.110";
  const RuleTable table = load(env);
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
}

TEST_F(LoadEffectiveConfig, ErrorInTheFileDropsEveryRuleButKeepsSettingsAndDiagnostics) {
  Environment env;
  env.config = dir.write("broken.ini",
                         "[srcbind]\nlog = debug\n[rule ok]\ndestination = *\nsource = 198.51.100.12\n"
                         "[rule broken]\ndestination = 10.0.0.1/8\nsource = 198.51.100.12\n");
  env.source = "198.51.100.12";
  const RuleTable table = load(env);
  EXPECT_THAT(messages(table), ElementsAre(*env.config + ":7: destination \"10.0.0.1/8\" has host bits set (did you "
                                                         "mean 10.0.0.0/8?)"));
  EXPECT_TRUE(table.rules.empty());
  EXPECT_EQ(table.settings.log_level, LogLevel::debug);
}

TEST_F(LoadEffectiveConfig, SrcbindLogAndLogFileOverrideTheFile) {
  Environment env;
  env.log = "debug";
  env.log_file = "/tmp/srcbind-test.log";
  const RuleTable table = load(env);
  EXPECT_EQ(table.settings.log_level, LogLevel::debug);
  EXPECT_EQ(table.settings.log_file, "/tmp/srcbind-test.log");
}

TEST_F(LoadEffectiveConfig, BadSrcbindLogIsAWarningAndKeepsTheFilesLevel) {
  Environment env;
  env.log = "loud";
  const RuleTable table = load(env);
  EXPECT_TRUE(table.ok());
  EXPECT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.settings.log_level, LogLevel::info);
  EXPECT_THAT(messages(table), ElementsAre("SRCBIND_LOG: warning: \"loud\" is not a log level (expected off, error, "
                                           "warn, info or debug); using info"));
}

TEST_F(LoadEffectiveConfig, SecureModeReadsOnlyTheSystemFileAndIgnoresEveryVariable) {
  Environment env;
  env.secure = true;
  env.config = user_path;
  env.source = "2001:db8:2::12";
  env.interface = "eth0";
  env.log = "off";
  env.log_file = "/tmp/evil.log";
  const RuleTable table = load(env);
  EXPECT_THAT(messages(table), ElementsAre());
  EXPECT_EQ(table.config_path, system_path);
  EXPECT_THAT(rule_names(table), ElementsAre("system"));
  EXPECT_EQ(table.settings.log_level, LogLevel::info);
  EXPECT_EQ(table.settings.log_file, "");
}

TEST_F(LoadEffectiveConfig, SecureModeRefusesASystemFileWritableByOthers) {
  system_path = dir.write("open-system.ini", kSystemRules, 0666);
  Environment env;
  env.secure = true;
  const RuleTable table = load(env);
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
}

TEST_F(LoadEffectiveConfig, SecureModeWithoutSystemFileIsNoRules) {
  system_path = absent_path;
  Environment env;
  env.secure = true;
  env.source = "198.51.100.12";
  const RuleTable table = load(env);
  EXPECT_TRUE(table.rules.empty());
  EXPECT_TRUE(table.diagnostics.empty());
}

TEST(Environment, FromProcessReadsTheSrcbindVariables) {
  ::setenv("SRCBIND_CONFIG", "/tmp/x.ini", 1);
  ::setenv("SRCBIND_SOURCE", "198.51.100.12", 1);
  ::unsetenv("SRCBIND_INTERFACE");
  ::setenv("SRCBIND_LOG", "info", 1);
  ::setenv("SRCBIND_LOG_FILE", "", 1);
  const Environment env = Environment::from_process();
  EXPECT_FALSE(env.secure);
  EXPECT_EQ(env.config, "/tmp/x.ini");
  EXPECT_EQ(env.source, "198.51.100.12");
  EXPECT_FALSE(env.interface);
  EXPECT_EQ(env.log, "info");
  EXPECT_EQ(env.log_file, "");
  for (const char* name : {"SRCBIND_CONFIG", "SRCBIND_SOURCE", "SRCBIND_LOG", "SRCBIND_LOG_FILE"}) ::unsetenv(name);
}

}  // namespace
}  // namespace srcbind::test

namespace srcbind::test {
namespace {

// A missing interface or @label is the host's state, not a broken file: the
// library keeps every rule, and those rules fail closed at connect time.
TEST(LoadEffectiveConfigHostState, MissingInterfaceOrLabelKeepsTheRules) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root: SRCBIND_CONFIG must be owned by the user or root";
  TempDir dir;
  const std::string path = dir.write("vpn.ini",
                                     "[rule vpn]\ndestination = 203.0.113.0/24\ninterface = tun9\n"
                                     "[rule alias]\ndestination = 198.51.100.0/24\nsource = @eth0:7\n"
                                     "[rule other]\ndestination = 203.0.113.7\nsource = 198.51.100.12\n",
                                     0644);
  Environment env;
  env.config = path;
  const RuleTable table = load_effective_config(env, fake_host(), "/nonexistent/srcbind.ini");
  ASSERT_EQ(table.rules.size(), 3u);
  EXPECT_EQ(table.rules[0].interface, "tun9");
  EXPECT_TRUE(table.rules[1].source_missing);
  EXPECT_TRUE(table.rules[1].applies_to(Family::v4));
  EXPECT_FALSE(table.ok());   // still errors: `srcbind --check` exits 1, run mode 125
  EXPECT_FALSE(has_file_errors(table.diagnostics));
}

TEST(LoadEffectiveConfigHostState, AFileErrorStillDropsEveryRule) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root: SRCBIND_CONFIG must be owned by the user or root";
  TempDir dir;
  const std::string path =
      dir.write("bad.ini", "[rule vpn]\ndestination = 203.0.113.0/24\ninterface = tun9\nbogus = 1\n", 0644);
  Environment env;
  env.config = path;
  EXPECT_TRUE(load_effective_config(env, fake_host(), "/nonexistent/srcbind.ini").rules.empty());
}

}  // namespace
}  // namespace srcbind::test
