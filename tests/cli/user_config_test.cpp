// The per-user file ($XDG_CONFIG_HOME/srcbind/srcbind.ini) as the command sees
// it: --check and --explain say which file they used; run mode validates it.
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace srcbind::cli::test {
namespace {

constexpr const char* kLoopbackRules = "[rule per-user]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n";

struct UserConfig {
  TempDir dir;
  std::string home = dir / "cfg";
  std::string file = dir / "cfg/srcbind/srcbind.ini";
  EnvChanges env() const { return {{"XDG_CONFIG_HOME", home}}; }
};

TEST(UserConfig, CheckReadsItAndSaysSo) {
  UserConfig user;
  user.dir.write("cfg/srcbind/srcbind.ini", kLoopbackRules);
  const ChildResult r = srcbind({"--check"}, user.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "configuration: " + user.file + " (per-user file)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, user.file + ":1: rule per-user: ")) << r.out;
}

TEST(UserConfig, ItsPlaceUnderHomeWithoutXdgConfigHome) {
  UserConfig user;
  user.dir.write(".config/srcbind/srcbind.ini", kLoopbackRules);
  const ChildResult r = srcbind({"--check"}, {{"XDG_CONFIG_HOME", std::nullopt}, {"HOME", user.dir.path()}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "configuration: " + user.dir.path() + "/.config/srcbind/srcbind.ini (per-user file)\n"))
      << r.out;
}

TEST(UserConfig, ExplainUsesItAndSaysSo) {
  UserConfig user;
  user.dir.write("cfg/srcbind/srcbind.ini", kLoopbackRules);
  const ChildResult r = srcbind({"--explain", "127.0.0.1:80"}, user.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "configuration: " + user.file + " (per-user file)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "rule:             per-user (")) << r.out;
  EXPECT_TRUE(contains(r.out, "source:           127.0.0.2\n")) << r.out;
}

TEST(UserConfig, AFileNamedWithDashCOrSrcbindConfigWins) {
  UserConfig user;
  user.dir.write("cfg/srcbind/srcbind.ini", kLoopbackRules);
  const std::string other = user.dir.write("other.ini", "[rule other]\ndestination = 127.0.0.1\nsource = 127.0.0.3\n");
  const ChildResult with_c = srcbind({"--check", "-c", other}, user.env());
  EXPECT_TRUE(contains(with_c.out, "configuration: " + other + " (-c)\n")) << with_c.out;
  EXPECT_FALSE(contains(with_c.out, "rule per-user")) << with_c.out;

  EnvChanges env = user.env();
  env["SRCBIND_CONFIG"] = other;
  const ChildResult with_variable = srcbind({"--explain", "127.0.0.1:80"}, env);
  EXPECT_TRUE(contains(with_variable.out, "configuration: " + other + " (SRCBIND_CONFIG)\n")) << with_variable.out;
  EXPECT_TRUE(contains(with_variable.out, "source:           127.0.0.3\n")) << with_variable.out;
}

TEST(UserConfig, NoFileIsSaid) {
  UserConfig user;
  const ChildResult r = srcbind({"--explain", "127.0.0.1:80"}, user.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  if (std::filesystem::exists("/etc/srcbind.ini"))
    EXPECT_TRUE(contains(r.out, "configuration: /etc/srcbind.ini (system file)\n")) << r.out;
  else
    EXPECT_TRUE(contains(r.out, "configuration: no file (SRCBIND_CONFIG is unset; neither " + user.file +
                                    " nor /etc/srcbind.ini exists)\n"))
        << r.out;
}

TEST(UserConfig, WritableByOthersIsRefusedByCheckAndRunMode) {
  UserConfig user;
  user.dir.write("cfg/srcbind/srcbind.ini", kLoopbackRules, 0666);
  const ChildResult check = srcbind({"--check"}, user.env());
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_TRUE(contains(check.err, user.file + ": not trusted: writable by ")) << check.err;

  const SrcbindTree tree;
  const ChildResult run = tree.run({"true"}, user.env());
  EXPECT_EQ(run.exit_code, 125) << describe(run);
  EXPECT_TRUE(contains(run.err, user.file + ": not trusted")) << run.err;
}

TEST(UserConfig, RunModeRefusesABrokenOneWithFileAndLine) {
  UserConfig user;
  user.dir.write("cfg/srcbind/srcbind.ini", "[rule x]\ndestination = 127.0.0.1\nsource = not-an-address\n");
  const SrcbindTree tree;
  const ChildResult r = tree.run({"true"}, user.env());
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_TRUE(contains(r.err, user.file + ":3: ")) << r.err;
}

}  // namespace
}  // namespace srcbind::cli::test
