// load_config_file: reading a file, and refusing one that someone else could have
// written (SPEC: secure mode reads only /etc/srcbind.ini).
#include "srcbind/rule_table.hpp"

#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kRule = "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n";

TEST(ConfigFile, ReadsAFileAndRemembersItsPath) {
  const TempDir dir;
  const std::string path = dir.write("rules.ini", kRule);
  const RuleTable table = load_config_file(path, fake_host());
  EXPECT_THAT(messages(table), ElementsAre());
  EXPECT_EQ(table.config_path, path);
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].file, path);
}

TEST(ConfigFile, ErrorsNameTheFileAndLine) {
  const TempDir dir;
  const std::string path = dir.write("rules.ini", "[rule a]\ndestination = *\nsource = 198.51.100.12\nport = 0\n");
  EXPECT_THAT(messages(load_config_file(path, fake_host())),
              ElementsAre(path + ":4: port \"0\" is out of range (1-65535)"));
}

TEST(ConfigFile, MissingFileIsAnErrorWithTheReason) {
  const TempDir dir;
  const RuleTable table = load_config_file(dir.path() + "/absent.ini", fake_host());
  EXPECT_THAT(messages(table), ElementsAre(dir.path() + "/absent.ini: cannot read: No such file or directory"));
  EXPECT_EQ(table.diagnostics[0].line, 0u);
  EXPECT_TRUE(table.rules.empty());
}

TEST(ConfigFile, DirectoryIsNotAConfiguration) {
  const TempDir dir;
  EXPECT_THAT(messages(load_config_file(dir.path(), fake_host())),
              ElementsAre(dir.path() + ": cannot read: not a regular file (a directory)"));
}

TEST(ConfigFile, EmptyFileIsValidWithANoRulesWarning) {
  const TempDir dir;
  const std::string path = dir.write("empty.ini", "");
  const RuleTable table = load_config_file(path, fake_host(), FileTrust::owner_or_root);
  EXPECT_TRUE(table.ok());
  EXPECT_THAT(messages(table), ElementsAre(path + ": warning: no rules"));
}

TEST(ConfigFile, SymlinkedConfigurationIsFollowed) {
  const TempDir dir;
  const std::string target = dir.write("real.ini", kRule);
  const std::string link = dir.path() + "/link.ini";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  EXPECT_EQ(load_config_file(link, fake_host(), FileTrust::owner_or_root).rules.size(), 1u);
}

TEST(ConfigFile, TrustAnyIgnoresTheMode) {
  const TempDir dir;
  EXPECT_TRUE(load_config_file(dir.write("rules.ini", kRule, 0666), fake_host(), FileTrust::any).ok());
}

TEST(ConfigFile, FileWritableByGroupOrOthersIsRefused) {
  const TempDir dir;
  struct Case {
    unsigned mode;
    const char* who;
  };
  for (const auto& [mode, who] : {Case{0666, "group and others"}, Case{0664, "group"}, Case{0646, "others"}}) {
    for (FileTrust trust : {FileTrust::owner_or_root, FileTrust::root_only}) {
      if (trust == FileTrust::root_only && ::getuid() != 0) continue;   // would fail on the owner first
      const std::string path = dir.write("rules.ini", kRule, mode);
      const RuleTable table = load_config_file(path, fake_host(), trust);
      char mode_text[8];
      std::snprintf(mode_text, sizeof mode_text, "%04o", mode);
      EXPECT_THAT(messages(table), ElementsAre(path + ": not trusted: writable by " + who + " (mode " + mode_text +
                                               "); run chmod go-w " + path));
      EXPECT_TRUE(table.rules.empty());
    }
  }
}

TEST(ConfigFile, ReadOnlyAndOwnerWritableFilesAreTrusted) {
  const TempDir dir;
  for (unsigned mode : {0644u, 0600u, 0400u, 0444u}) {
    const std::string path = dir.write("rules-" + std::to_string(mode) + ".ini", kRule, mode);
    EXPECT_TRUE(load_config_file(path, fake_host(), FileTrust::root_only).ok() || ::getuid() != 0) << mode;
    EXPECT_TRUE(load_config_file(path, fake_host(), FileTrust::owner_or_root).ok()) << mode;
  }
}

TEST(ConfigFile, FileOwnedBySomeoneElseIsRefused) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to chown a file to uid 65534";
  const TempDir dir;
  const std::string path = dir.write("rules.ini", kRule, 0644);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  EXPECT_THAT(messages(load_config_file(path, fake_host(), FileTrust::root_only)),
              ElementsAre(path + ": not trusted: owned by uid 65534, not by root; run chown root " + path));
  EXPECT_THAT(messages(load_config_file(path, fake_host(), FileTrust::owner_or_root)),
              ElementsAre(path + ": not trusted: owned by uid 65534, neither by you (uid 0) nor by root"));
  EXPECT_TRUE(load_config_file(path, fake_host(), FileTrust::any).ok());
}

TEST(ConfigFile, FileOwnedByTheUserIsTrustedForSrcbindConfigOnly) {
  if (::getuid() == 0) GTEST_SKIP() << "runs as root: every file created here is owned by root";
  const TempDir dir;
  const std::string path = dir.write("rules.ini", kRule, 0644);
  EXPECT_TRUE(load_config_file(path, fake_host(), FileTrust::owner_or_root).ok());
  EXPECT_FALSE(load_config_file(path, fake_host(), FileTrust::root_only).ok());
}

}  // namespace
}  // namespace srcbind::test
