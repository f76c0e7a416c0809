// The compiled table (docs/compiled-table.md) as users get it: `srcbind --check
// --compile` writes FILE.compiled, and a real client under the library must
// leave from the rule's source whether the table is read or, when it is stale,
// broken, untrusted or not a file, the INI file is parsed instead.
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace srcbind::test {
namespace {

class TableUnderTheLibrary : public ::testing::Test {
 protected:
  TempDir dir;
  Peer peer{Peer::Kind::tcp};
  std::string config = dir.write("rules.ini", rules("127.0.0.2"));
  std::string table = config + ".compiled";

  static std::string rules(const std::string& source) {
    return "[rule far]\ndestination = 198.51.100.0/24\nsource = 127.0.0.5\n"
           "[rule local]\ndestination = 127.0.0.1\nsource = " +
           source + "\n";
  }

  ChildResult compile() {
    return run_child({srcbind_command(), "--check", "--compile", "-c", config});
  }

  // One connection under the library at debug level; the source the peer saw.
  std::string connect(ChildOptions options = {}) {
    for (const auto& [k, v] : preload_env(config)) options.env.emplace(k, v);
    options.env["SRCBIND_LOG"] = "debug";
    last = run_child(tcp_client(peer), options);
    if (!peer.wait_for(++connections)) return "nothing (" + describe(last) + ")";
    return peer.sources().back();
  }
  ChildResult last;
  std::size_t connections = 0;
};

TEST_F(TableUnderTheLibrary, CompileWritesTheTableAndTheLibraryReadsIt) {
  const ChildResult c = compile();
  ASSERT_EQ(c.exit_code, 0) << describe(c);
  EXPECT_THAT(c.out, HasSubstr("wrote " + table));
  EXPECT_EQ(connect(), "127.0.0.2");
  EXPECT_THAT(last.err, HasSubstr("rules read from " + table));
  EXPECT_THAT(last.err, HasSubstr("(rule local)"));
}

TEST_F(TableUnderTheLibrary, CheckSaysWhetherTheTableIsUpToDate) {
  ASSERT_EQ(compile().exit_code, 0);
  ChildResult c = run_child({srcbind_command(), "--check", "-c", config});
  EXPECT_THAT(c.out, HasSubstr(table + ": up to date"));
  dir.write("rules.ini", rules("127.0.0.3"));
  c = run_child({srcbind_command(), "--check", "-c", config});
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_THAT(c.out, HasSubstr("stale"));
}

TEST_F(TableUnderTheLibrary, AStaleTableIsNotUsedTheFileIsTheTruth) {
  ASSERT_EQ(compile().exit_code, 0);
  dir.write("rules.ini", rules("127.0.0.3"));   // changed after compiling
  EXPECT_EQ(connect(), "127.0.0.3");
  EXPECT_THAT(last.err, Not(HasSubstr("rules read from")));
  EXPECT_THAT(last.err, HasSubstr("stale"));
}

TEST_F(TableUnderTheLibrary, ABrokenTableIsNotUsedAndCrashesNothing) {
  ASSERT_EQ(compile().exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat(table.c_str(), &st), 0);
  // Truncated to every few bytes' length, then garbage of the table's size.
  for (off_t size : {off_t{0}, off_t{7}, st.st_size / 2, st.st_size - 1}) {
    ASSERT_EQ(::truncate(table.c_str(), size), 0);
    EXPECT_EQ(connect(), "127.0.0.2") << "table cut to " << size << " bytes";
    EXPECT_EQ(last.exit_code, 0) << describe(last);
    EXPECT_THAT(last.err, Not(HasSubstr("rules read from")));
  }
  std::ofstream(table, std::ios::trunc) << std::string(static_cast<std::size_t>(st.st_size), '\x5a');
  EXPECT_EQ(connect(), "127.0.0.2");
  EXPECT_EQ(last.exit_code, 0) << describe(last);
}

TEST_F(TableUnderTheLibrary, AFifoInPlaceOfTheTableDoesNotBlock) {
  ASSERT_EQ(::mkfifo(table.c_str(), 0644), 0);
  ChildOptions options;
  options.deadline = std::chrono::seconds(10);
  EXPECT_EQ(connect(options), "127.0.0.2");
  EXPECT_FALSE(last.timed_out);
}

TEST_F(TableUnderTheLibrary, ATableOthersMayWriteIsNotTrusted) {
  ASSERT_EQ(compile().exit_code, 0);
  ASSERT_EQ(::chmod(table.c_str(), 0666), 0);
  EXPECT_EQ(connect(), "127.0.0.2");
  EXPECT_THAT(last.err, Not(HasSubstr("rules read from")));
}

TEST_F(TableUnderTheLibrary, QuickModeStillComesFromTheEnvironment) {
  ASSERT_EQ(compile().exit_code, 0);
  // The table's rules say nothing about 127.0.0.9; SRCBIND_SOURCE (a loopback
  // source: loopback destinations) covers it, and loses to the file's rule.
  Peer other{Peer::Kind::tcp, "127.0.0.9"};
  ChildOptions options;
  for (const auto& [k, v] : preload_env(config)) options.env.emplace(k, v);
  options.env["SRCBIND_SOURCE"] = "127.0.0.4";
  options.env["SRCBIND_LOG"] = "debug";
  last = run_child(tcp_client(other, {}, "127.0.0.9"), options);
  ASSERT_NO_FATAL_FAILURE(expect_sources(other, last, {"127.0.0.4"}));
  EXPECT_THAT(last.err, HasSubstr("rules read from"));
  last = run_child(tcp_client(peer), options);
  expect_sources(peer, last, {"127.0.0.2"});
}

TEST_F(TableUnderTheLibrary, RulesThatDependOnTheHostAreNotCompiled) {
  dir.write("rules.ini", "[rule lo]\ndestination = 127.0.0.1\nsource = @lo\n");
  const ChildResult c = compile();
  EXPECT_NE(c.exit_code, 0);
  EXPECT_THAT(c.err, HasSubstr("depends on this host's interfaces"));
  EXPECT_NE(::access(table.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace srcbind::test
