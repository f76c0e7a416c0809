// Paths the library opens inside other people's programs may be FIFOs, devices
// or symlinks: the program never waits for srcbind, and a log line that cannot
// be written at once is lost, never the program's time.
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace srcbind::test {
namespace {

const std::string kRule = "[rule lo]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n";

class SpecialFiles : public ::testing::Test {
 protected:
  // A FIFO that nobody opens from the other side.
  std::string fifo(const char* name) {
    std::string path = std::string(dir_) + "/" + name;
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    return path;
  }
  ~SpecialFiles() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ChildOptions quick(std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    ChildOptions o;
    o.env["LD_PRELOAD"] = preload_list();
    o.deadline = deadline;
    return o;
  }
  // The test client to `peer` under kRule, logging its decisions to `log_file`.
  ChildResult run_logging_to(const std::string& log_file, const Peer& peer) {
    TempFile config(kRule);
    ChildOptions o = quick();
    o.env["SRCBIND_CONFIG"] = config.path();
    o.env["SRCBIND_LOG"] = "info";
    o.env["SRCBIND_LOG_FILE"] = log_file;
    return run_child(tcp_client(peer), o);
  }

 private:
  char dir_[32] = "/tmp/srcbind-special-XXXXXX";
  bool made_ = ::mkdtemp(dir_) != nullptr;
};

TEST_F(SpecialFiles, FifoAsConfigurationDoesNotBlockTheProgram) {
  ChildOptions o = quick();
  o.env["SRCBIND_CONFIG"] = fifo("config.ini");
  ChildResult r = run_child({"/bin/true"}, o);
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  // The error comes with the first network call: a program that makes none is not told.
  EXPECT_EQ(r.err, "");
  r = run_child({test_client(), "udp", "127.0.0.1", "9"}, o);
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("cannot read: not a regular file (a FIFO); no rules applied"));
}

TEST_F(SpecialFiles, FifoAsLogFileDoesNotBlockTheProgramsDecisions) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_logging_to(fifo("log"), peer);
  EXPECT_FALSE(r.timed_out) << describe(r);
  expect_sources(peer, r, {"127.0.0.2"});
}

TEST_F(SpecialFiles, FifoAsLogFileDoesNotBlockTheStartWithABrokenConfiguration) {
  TempFile config("[rule broken]\ndestination = 127.0.0.1/33\nsource = 127.0.0.2\n");
  ChildOptions o = quick();
  o.env["SRCBIND_CONFIG"] = config.path();
  o.env["SRCBIND_LOG_FILE"] = fifo("log");
  ChildResult r = run_child({"/bin/true"}, o);
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(SpecialFiles, DevStderrAsLogFileMeansStandardError) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_logging_to("/dev/stderr", peer);
  ASSERT_TRUE(peer.wait_for(1)) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("-> 127.0.0.2 (rule lo)"));
}

TEST_F(SpecialFiles, SymlinkedLogFileIsNotFollowedAndSaysSoOnStderr) {
  Peer peer{Peer::Kind::tcp};
  TempFile target("", ".log");
  const std::string link = target.path() + ".link";
  ASSERT_EQ(::symlink(target.path().c_str(), link.c_str()), 0);
  ChildResult r = run_logging_to(link, peer);
  ::unlink(link.c_str());
  ASSERT_TRUE(peer.wait_for(1)) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("is a symbolic link, which srcbind does not follow; logging to stderr"));
  EXPECT_THAT(r.err, HasSubstr("-> 127.0.0.2 (rule lo)"));
}

TEST_F(SpecialFiles, DevNullAsConfigurationIsEmpty) {
  ChildOptions o = quick();
  o.env["SRCBIND_CONFIG"] = "/dev/null";
  ChildResult r = run_child({"/bin/true"}, o);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.err, Not(HasSubstr("error")));
}

}  // namespace
}  // namespace srcbind::test
