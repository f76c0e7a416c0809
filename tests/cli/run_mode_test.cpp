// Run mode (SPEC "The srcbind command"): validate, prepend the library to
// LD_PRELOAD, set SRCBIND_*, exec COMMAND; exit statuses like env(1).
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli::test {
namespace {

class RunMode : public SharedSrcbindTree {
 protected:
  ChildResult run(std::vector<std::string> args, const EnvChanges& env = {}) { return tree().run(args, env); }
  std::string config() { return write_loopback_config(files_); }

  TempDir files_;
};

TEST_F(RunMode, ExitStatusIsTheCommandsOwn) {
  const ChildResult r = run({"-c", config(), "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7) << describe(r);
  EXPECT_EQ(r.err, "");
}

TEST_F(RunMode, LeavesTheCommandsOwnOptionsAlone) {
  const ChildResult r = run({"-c", config(), "sh", "-c", "echo \"$@\"", "sh", "-v", "-c", "x", "--check"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "-v -c x --check\n");
}

TEST_F(RunMode, RefusesABadConfigurationWith125WithoutStartingTheCommand) {
  const std::string bad = files_.write("bad.ini", "[rule x]\ndestination = 203.0.113.0/33\nsource = 127.0.0.1\n");
  const std::string marker = files_ / "started";
  const ChildResult r = run({"-c", bad, "--", "touch", marker});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_NE(r.err.find(bad + ":2: "), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(marker)) << "COMMAND must not run";
}

TEST_F(RunMode, RefusesAMissingConfigurationFileWith125) {
  const ChildResult r = run({"-c", files_ / "missing.ini", "--", "true"});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_NE(r.err.find("missing.ini"), std::string::npos) << r.err;
}

TEST_F(RunMode, RefusesABadQuickModeSourceWith125) {
  const ChildResult r = run({"-s", "not-an-address", "--", "true"});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_NE(r.err.find("SRCBIND_SOURCE"), std::string::npos) << r.err;
}

TEST_F(RunMode, SaysWhatIsWrongWithABadOptionAndExits125) {
  const ChildResult r = run({"--frobnicate", "true"});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_EQ(r.err, "srcbind: unknown option '--frobnicate'\nTry 'srcbind --help' for more information.\n");
  EXPECT_EQ(run({}).exit_code, 125);
}

TEST_F(RunMode, Exits126WhenTheCommandCannotBeExecuted) {
  const std::string file = files_.write("not-executable", "#!/bin/sh\n", 0644);
  const ChildResult r = run({"-c", config(), "--", file});
  EXPECT_EQ(r.exit_code, 126) << describe(r);
  EXPECT_EQ(r.err, "srcbind: " + file + ": Permission denied\n");
}

TEST_F(RunMode, Exits127WhenTheCommandIsNotFound) {
  const ChildResult r = run({"-c", config(), "--", "srcbind-test-no-such-command"});
  EXPECT_EQ(r.exit_code, 127) << describe(r);
  EXPECT_EQ(r.err, "srcbind: srcbind-test-no-such-command: No such file or directory\n");
}

TEST_F(RunMode, Exits125WhenTheLibraryIsMissing) {
  const SrcbindTree without_library(nullptr);
  const ChildResult r = without_library.run({"-c", config(), "--", "true"});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_NE(r.err.find("cannot find libsrcbind.so"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(without_library.dir() / "lib/libsrcbind.so"), std::string::npos) << r.err;
}

TEST_F(RunMode, PrependsTheLibraryToLdPreloadAndKeepsWhatWasThere) {
  const std::string other = SRCBIND_TEST_OTHER_PRELOAD;
  const ChildResult r = run({"-c", config(), "--", "sh", "-c", "echo \"$LD_PRELOAD\""}, {{"LD_PRELOAD", other}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, tree().library() + ":" + other + "\n");
}

TEST_F(RunMode, DoesNotAddTheLibraryTwice) {
  const std::string other = SRCBIND_TEST_OTHER_PRELOAD;
  const ChildResult r =
      run({"-c", config(), "--", "sh", "-c", "echo \"$LD_PRELOAD\""}, {{"LD_PRELOAD", other + " " + tree().library()}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, tree().library() + ":" + other + "\n");
}

TEST_F(RunMode, WorksThroughNestedSrcbind) {
  const ChildResult r =
      run({"-c", config(), "--", tree().exe(), "-c", config(), "--", "sh", "-c", "echo \"$LD_PRELOAD\""});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, tree().library() + "\n");
}

TEST_F(RunMode, SetsTheVariablesTheLibraryReads) {
  files_.write("sub/srcbind.ini", "[rule loop]\ndestination = 127.0.0.1\nsource = 127.0.0.1\n");
  const std::string script = "echo \"$SRCBIND_CONFIG|$SRCBIND_SOURCE|$SRCBIND_INTERFACE|$SRCBIND_LOG\"";
  // A relative -c becomes absolute against srcbind's working directory, so that
  // COMMAND may change directory.
  const ChildResult r = run_child({"/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", files_.path(),
                                   tree().exe(), "-c", "sub/../sub/srcbind.ini", "-s", "127.0.0.1", "-s", "::1", "-i",
                                   "lo", "-v", "--", "sh", "-c", "cd / && " + script},
                                  command_options());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, files_ / "sub/srcbind.ini" + "|127.0.0.1,::1|lo|info\n");
}

TEST_F(RunMode, QuietSetsTheLibraryLogToErrors) {
  const ChildResult r = run({"-q", "-c", config(), "--", "sh", "-c", "echo \"$SRCBIND_LOG\""});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "error\n");
}

TEST_F(RunMode, WarnsThatAStaticExecutableIsNotCovered) {
#ifdef SRCBIND_TEST_HELLO_STATIC
  const ChildResult r = run({"-c", config(), "--", SRCBIND_TEST_HELLO_STATIC});
  EXPECT_EQ(r.exit_code, 0) << "a warning, not a failure: " << describe(r);
  EXPECT_NE(r.err.find("srcbind: warning: " + std::string(SRCBIND_TEST_HELLO_STATIC) + ": it is statically linked"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("ip route"), std::string::npos) << "names what to use instead: " << r.err;
#else
  GTEST_SKIP() << "no -static toolchain";
#endif
}

TEST_F(RunMode, WarnsThatAStaticPieExecutableIsNotCovered) {
#ifdef SRCBIND_TEST_HELLO_STATIC_PIE
  const ChildResult r = run({"-c", config(), "--", SRCBIND_TEST_HELLO_STATIC_PIE});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("statically linked"), std::string::npos) << r.err;
#else
  GTEST_SKIP() << "no -static-pie toolchain";
#endif
}

TEST_F(RunMode, FollowsTheInterpreterLineOfAScriptToAStaticInterpreter) {
#ifdef SRCBIND_TEST_HELLO_STATIC
  const std::string script = files_.write("job", "#!" + std::string(SRCBIND_TEST_HELLO_STATIC) + "\n", 0755);
  const ChildResult r = run({"-c", config(), "--", script});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find(std::string(SRCBIND_TEST_HELLO_STATIC) + ": it is statically linked"), std::string::npos)
      << r.err;
#else
  GTEST_SKIP() << "no -static toolchain";
#endif
}

TEST_F(RunMode, DoesNotWarnAboutADynamicProgram) {
  const ChildResult r = run({"-c", config(), "--", SRCBIND_TEST_HELLO_DYNAMIC});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.err, "");
}

TEST_F(RunMode, QuietSuppressesTheWarnings) {
#ifdef SRCBIND_TEST_HELLO_STATIC
  const ChildResult r = run({"-q", "-c", config(), "--", SRCBIND_TEST_HELLO_STATIC});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.err, "");
#else
  GTEST_SKIP() << "no -static toolchain";
#endif
}

TEST_F(RunMode, WarnsWhenThereIsNoConfigurationAtAll) {
  const ChildResult r = run({"--", "true"}, {{"SRCBIND_CONFIG", std::nullopt}});
  if (std::filesystem::exists("/etc/srcbind.ini")) GTEST_SKIP() << "/etc/srcbind.ini exists on this host";
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("no configuration"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace srcbind::cli::test
