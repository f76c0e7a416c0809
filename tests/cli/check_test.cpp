// --check: one line per rule, every error as FILE:LINE: message, warnings for
// sources not on this host and rules that can never win; exit 0 valid, 1 not.
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace srcbind::cli::test {
namespace {

// `srcbind --check -c FILE`, which must exit with `exit_code`.
ChildResult check(const std::string& file, int exit_code) {
  ChildResult r = srcbind({"--check", "-c", file});
  EXPECT_EQ(r.exit_code, exit_code) << describe(r);
  return r;
}

TEST(Check, PrintsEachRuleOnOneLineAndExits0ForAValidFile) {
  TempDir dir;
  const std::string file = dir.write("good.ini", R"(
[srcbind]
on_error = continue

[rule ftp]
destination = 127.0.0.1, ::1
port = 21, 30000-30100
protocol = tcp
program = wget, lftp
source = 127.0.0.1, ::1
on_error = fail

[rule]
destination = 127.0.0.0/8
source = 127.0.0.1
)");
  const ChildResult r = check(file, 0);
  expect_contains_all(r.out, {file + ":5: rule ftp: destination=127.0.0.1,::1 port=21,30000-30100 protocol=tcp "
                                     "program=wget,lftp source=127.0.0.1,::1 interface=- on_error=fail\n",
                              file + ":13: rule at line 13: destination=127.0.0.0/8 port=any protocol=any "
                                     "program=any source=127.0.0.1 interface=- on_error=continue\n",
                              file + ": valid: 2 rules\n"});
  EXPECT_EQ(r.err, "");
}

TEST(Check, ReportsEveryErrorAsFileLineMessageAndExits1) {
  TempDir dir;
  const std::string file = dir.write("bad.ini", R"([rule a]
destination = 203.0.113.0/33
source = 127.0.0.1
[rule b]
destination = 127.0.0.1
port = 70000
source = 127.0.0.1
[nonsense]
)");
  expect_contains_all(check(file, 1).err, {file + ":2: ", file + ":6: ", file + ":8: ", "invalid"});
}

TEST(Check, LinkLocalSourceWithoutAnInterfaceIsAnError) {
  TempDir dir;
  const std::string path = dir.write("ll.ini", "[rule ll]\ndestination = fe80::/10\nsource = fe80::a\n");
  const ChildResult r = check(path, 1);
  EXPECT_TRUE(contains(r.err, path + ":1: rule ll: link-local source fe80::a needs `interface =`")) << r.err;
}

TEST(Check, Exits1ForAMissingFile) {
  const ChildResult r = check("/nonexistent/srcbind.ini", 1);
  EXPECT_TRUE(contains(r.err, "/nonexistent/srcbind.ini")) << r.err;
}

TEST(Check, WarnsAboutASourceThatIsNotOnThisHost) {
  TempDir dir;
  // 198.51.100.254 is a documentation address: on no test host.
  const std::string file = dir.write("remote.ini", "[rule r]\ndestination = 203.0.113.10\nsource = 198.51.100.254\n");
  const ChildResult r = srcbind({"--check", "-c", file});
  EXPECT_EQ(r.exit_code, 0) << "a warning, not an error: " << describe(r);
  EXPECT_TRUE(contains(r.err, file + ":3: warning: source 198.51.100.254 is not an address of this host")) << r.err;
}

// Whether a source is on this host is asked of the kernel (a throwaway bind), not
// read from the interface list: with net.ipv4.ip_nonlocal_bind = 1 every address
// binds, and the warning would be wrong. In a private network namespace (the
// setting is per namespace; `unshare -n` drops it when the shell exits), with lo
// up: a namespace without any address accepts every bind.
TEST(Check, ASourceTheKernelLetsBindIsNotWarnedAbout) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a private network namespace (CI runs as root)";
  TempDir dir;
  const std::string file = dir.write("nonlocal.ini", "[rule r]\ndestination = 203.0.113.10\nsource = 198.51.100.254\n");
  const std::string check = std::string(SRCBIND_TEST_EXE) + " --check -c " + file;
  const ChildResult strict =
      run_child({"/usr/bin/unshare", "-n", "/bin/sh", "-c", "ip link set lo up && sysctl -qw net.ipv4.ip_nonlocal_bind=0 && " + check},
                command_options());
  EXPECT_TRUE(contains(strict.err, "198.51.100.254 is not an address of this host")) << describe(strict);
  const ChildResult nonlocal =
      run_child({"/usr/bin/unshare", "-n", "/bin/sh", "-c", "ip link set lo up && sysctl -qw net.ipv4.ip_nonlocal_bind=1 && " + check},
                command_options());
  EXPECT_EQ(nonlocal.exit_code, 0) << describe(nonlocal);
  EXPECT_TRUE(contains(nonlocal.out, ": valid: 1 rule")) << describe(nonlocal);
  EXPECT_FALSE(contains(nonlocal.err, "not an address of this host")) << describe(nonlocal);
}

TEST(Check, WarnsAboutARuleThatCanNeverWin) {
  TempDir dir;
  const std::string file =
      dir.write("shadow.ini", "[rule first]\ndestination = 127.0.0.0/8\nsource = 127.0.0.1\n"
                              "[rule second]\ndestination = 127.0.0.0/8\nport = 80\nsource = 127.0.0.1\n");
  const ChildResult r = check(file, 0);
  EXPECT_TRUE(contains(r.err, file + ":4: warning: rule second can never win: rule first (" + file + ":1)")) << r.err;
}

TEST(Check, ReadsSrcbindConfigWithoutDashC) {
  TempDir dir;
  const std::string file = write_loopback_config(dir);
  const ChildResult r = srcbind({"--check"}, {{"SRCBIND_CONFIG", file}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, file + ":1: rule loop:")) << r.out;
}

TEST(Check, ChecksTheQuickModeToo) {
  const ChildResult r = srcbind({"--check", "-s", "198.51.100.12"}, {{"SRCBIND_CONFIG", std::nullopt}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);   // not on this host: a warning, still valid
  expect_contains_all(r.out, {"destination=* ", "source=198.51.100.12 "});
  // A loopback source is confined to loopback destinations (README: deviations).
  const ChildResult loop = srcbind({"--check", "-s", "127.0.0.2"}, {{"SRCBIND_CONFIG", std::nullopt}});
  EXPECT_TRUE(contains(loop.out, "destination=127.0.0.0/8")) << loop.out;
  const ChildResult bad = srcbind({"--check", "-s", "127.0.0.1,127.0.0.2"});
  EXPECT_EQ(bad.exit_code, 1) << describe(bad);
}

TEST(Check, WarnsWhenTheLibraryWouldRefuseTheFileForItsPermissions) {
  TempDir dir;
  const std::string file =
      dir.write("writable.ini", "[rule loop]\ndestination = 127.0.0.1\nsource = 127.0.0.1\n", 0666);
  const ChildResult r = check(file, 0);
  EXPECT_TRUE(contains(r.err, "warning: libsrcbind.so would refuse this file as SRCBIND_CONFIG")) << r.err;
}

}  // namespace
}  // namespace srcbind::cli::test
