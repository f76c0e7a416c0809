// Any path the command opens may be a FIFO, a device or a symlink: nothing
// blocks. A configuration must be a regular file; /dev/null is an empty one.
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>

namespace srcbind::cli::test {
namespace {

using namespace std::chrono_literals;

class SpecialFiles : public SharedSrcbindTree {
 protected:
  // A FIFO that nobody writes to: opening it for reading would wait forever.
  std::string fifo() {
    const std::string path = files_ / "config.ini";
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    return path;
  }
  ChildResult run(std::vector<std::string> args) {
    args.insert(args.begin(), tree().exe());
    return run_child(args, command_options({}, 10s));
  }

  TempDir files_;
};

TEST_F(SpecialFiles, FifoAsConfigurationIsRefusedAtOnceInRunMode) {
  const std::string path = fifo();
  const ChildResult r = run({"-c", path, "--", "true"});
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_NE(r.err.find(path + ": cannot read: not a regular file (a FIFO)"), std::string::npos) << r.err;
}

TEST_F(SpecialFiles, FifoAsConfigurationIsAnErrorForCheck) {
  const std::string path = fifo();
  const ChildResult r = run({"--check", "-c", path});
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("not a regular file (a FIFO)") + r.err.find("not a regular file (a FIFO)"),
            2 * std::string::npos)
      << describe(r);
}

TEST_F(SpecialFiles, DevNullIsAnEmptyConfigurationSoQuickModeRunsAlone) {
  const ChildResult r = run({"-c", "/dev/null", "-s", "127.0.0.2", "--", "sh", "-c", "echo ran"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "ran\n");
}

TEST_F(SpecialFiles, CharacterDeviceOtherThanDevNullIsRefused) {
  const ChildResult r = run({"--check", "-c", "/dev/zero"});
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
}

TEST_F(SpecialFiles, FifoAsCommandFailsWithoutBlocking) {
  const std::string path = files_ / "command";
  ASSERT_EQ(::mkfifo(path.c_str(), 0700), 0);
  const ChildResult r = run({"-s", "127.0.0.2", "--", path});
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 126) << describe(r);
}

}  // namespace
}  // namespace srcbind::cli::test
