// The per-user file: where it is (XDG_CONFIG_HOME, HOME, the password database),
// and its place between SRCBIND_CONFIG and /etc/srcbind.ini.
#include "srcbind/config_search.hpp"
#include "srcbind/rule_table.hpp"

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(UserConfigPath, XdgConfigHomeComesFirst) {
  EXPECT_EQ(user_config_path("/x/cfg", "/home/ann"), "/x/cfg/srcbind/srcbind.ini");
}

TEST(UserConfigPath, WithoutXdgConfigHomeItIsUnderHome) {
  EXPECT_EQ(user_config_path(nullptr, "/home/ann"), "/home/ann/.config/srcbind/srcbind.ini");
  EXPECT_EQ(user_config_path("", "/home/ann"), "/home/ann/.config/srcbind/srcbind.ini");
}

TEST(UserConfigPath, ARelativeXdgConfigHomeIsIgnored) {
  EXPECT_EQ(user_config_path("cfg", "/home/ann"), "/home/ann/.config/srcbind/srcbind.ini");
}

TEST(UserConfigPath, NoAbsoluteDirectoryIsNoFile) {
  EXPECT_EQ(user_config_path(nullptr, nullptr), std::nullopt);
  EXPECT_EQ(user_config_path("", ""), std::nullopt);
  EXPECT_EQ(user_config_path("cfg", "home/ann"), std::nullopt);
}

// Saves and restores the variables a test changes.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value != nullptr ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedVariable() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(UserConfigPath, TheProcessUsesXdgConfigHomeThenHome) {
  {
    ScopedVariable xdg("XDG_CONFIG_HOME", "/x/cfg");
    ScopedVariable home("HOME", "/home/ann");
    EXPECT_EQ(user_config_path_of_process(), "/x/cfg/srcbind/srcbind.ini");
    EXPECT_EQ(Environment::from_process().user_config, "/x/cfg/srcbind/srcbind.ini");
  }
  {
    ScopedVariable xdg("XDG_CONFIG_HOME", nullptr);
    ScopedVariable home("HOME", "/home/ann");
    EXPECT_EQ(user_config_path_of_process(), "/home/ann/.config/srcbind/srcbind.ini");
  }
}

TEST(UserConfigPath, WithoutHomeThePasswordDatabaseSays) {
  const std::optional<std::string> home_dir = home_of_user(::getuid());
  if (!home_dir) GTEST_SKIP() << "uid " << ::getuid() << " has no absolute home directory in the password database";
  ScopedVariable xdg("XDG_CONFIG_HOME", nullptr);
  ScopedVariable home("HOME", nullptr);
  EXPECT_EQ(user_config_path_of_process(), *home_dir + "/.config/srcbind/srcbind.ini");
}

constexpr std::string_view kSystemRules = "[rule system]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n";
constexpr std::string_view kUserRules = "[rule user]\ndestination = 203.0.113.0/24\nsource = 198.51.100.110\n";
constexpr std::string_view kVariableRules = "[rule variable]\ndestination = 203.0.113.0/24\nsource = 198.51.100.111\n";

class PerUserFile : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::getuid() != 0) GTEST_SKIP() << "needs root: the stand-in for /etc/srcbind.ini must be owned by root";
    std::filesystem::create_directories(dir.path() + "/cfg/srcbind");
  }
  RuleTable load(const Environment& env) { return load_effective_config(env, fake_host(), system_path.c_str()); }
  Environment user_env() const {
    Environment env;
    env.user_config = user_path;
    return env;
  }

  TempDir dir;
  std::string system_path = dir.write("system.ini", kSystemRules, 0644);
  std::string user_path = dir.path() + "/cfg/srcbind/srcbind.ini";
};

TEST_F(PerUserFile, IsReadInsteadOfTheSystemFile) {
  dir.write("cfg/srcbind/srcbind.ini", kUserRules, 0644);
  const RuleTable table = load(user_env());
  EXPECT_THAT(messages(table), ElementsAre());
  EXPECT_EQ(table.config_path, user_path);
  EXPECT_THAT(rule_names(table), ElementsAre("user"));
}

TEST_F(PerUserFile, WhenAbsentTheSystemFileIsRead) {
  const RuleTable table = load(user_env());
  EXPECT_EQ(table.config_path, system_path);
  EXPECT_THAT(rule_names(table), ElementsAre("system"));
}

TEST_F(PerUserFile, WhenBothAreAbsentThereIsNoFileAndNoComplaint) {
  system_path = dir.path() + "/absent.ini";
  const RuleTable table = load(user_env());
  EXPECT_EQ(table.config_path, "");
  EXPECT_TRUE(table.rules.empty());
  EXPECT_TRUE(table.diagnostics.empty());
}

TEST_F(PerUserFile, SrcbindConfigWinsOverIt) {
  dir.write("cfg/srcbind/srcbind.ini", kUserRules, 0644);
  Environment env = user_env();
  env.config = dir.write("variable.ini", kVariableRules, 0644);
  const RuleTable table = load(env);
  EXPECT_THAT(rule_names(table), ElementsAre("variable"));
}

TEST_F(PerUserFile, WritableByOthersIsRefusedAndTheSystemFileIsNotReadInstead) {
  dir.write("cfg/srcbind/srcbind.ini", kUserRules, 0646);
  const RuleTable table = load(user_env());
  EXPECT_EQ(table.config_path, user_path);
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
  EXPECT_THAT(messages(table), ElementsAre(HasSubstr("not trusted: writable by others")));
}

TEST_F(PerUserFile, OwnedByAnotherUserIsRefused) {
  dir.write("cfg/srcbind/srcbind.ini", kUserRules, 0644);
  ASSERT_EQ(::chown(user_path.c_str(), 65534, 65534), 0);
  const RuleTable table = load(user_env());
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
  EXPECT_THAT(messages(table), ElementsAre(HasSubstr("not trusted: owned by uid 65534")));
}

TEST_F(PerUserFile, IsIgnoredInSecureExecutionMode) {
  dir.write("cfg/srcbind/srcbind.ini", kUserRules, 0644);
  Environment env = user_env();
  env.secure = true;
  const RuleTable table = load(env);
  EXPECT_EQ(table.config_path, system_path);
  EXPECT_THAT(rule_names(table), ElementsAre("system"));
}

TEST_F(PerUserFile, ADirectoryInItsPlaceIsAnErrorNotAFallBack) {
  std::filesystem::create_directories(user_path);
  const RuleTable table = load(user_env());
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
}

}  // namespace
}  // namespace srcbind::test
