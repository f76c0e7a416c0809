// --print-env: `export` lines for eval "$(srcbind --print-env ...)".
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli::test {
namespace {

TEST(PrintEnv, PrintsExportLinesWithTheLibraryPrepended) {
  const SrcbindTree tree;
  TempDir dir;
  const std::string file = write_loopback_config(dir);
  const ChildResult r =
      tree.run({"--print-env", "-c", file, "-s", "127.0.0.1", "-q"}, {{"LD_PRELOAD", SRCBIND_TEST_OTHER_PRELOAD}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, "export LD_PRELOAD='" + tree.library() + ":" + SRCBIND_TEST_OTHER_PRELOAD +
                       "'\n"
                       "export SRCBIND_CONFIG='" +
                       file +
                       "'\n"
                       "export SRCBIND_SOURCE='127.0.0.1'\n"
                       "export SRCBIND_LOG='error'\n");
}

TEST(PrintEnv, OutputSurvivesEvalWithSpacesAndQuotesInThePath) {
  const SrcbindTree tree;
  TempDir dir;
  const std::string file = write_loopback_config(dir, "it's a \"dir\" $HOME/srcbind.ini");
  const ChildResult r = run_child(
      {"/bin/sh", "-c", "eval \"$(\"$0\" --print-env -c \"$1\")\" && echo \"$SRCBIND_CONFIG\" && echo \"$LD_PRELOAD\"",
       tree.exe(), file},
      command_options());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, file + "\n" + tree.library() + "\n");
}

TEST(PrintEnv, PrintsNothingAndExits1ForABadConfiguration) {
  const SrcbindTree tree;
  TempDir dir;
  const std::string bad = dir.write("bad.ini", "[rule x]\ndestination = nowhere\nsource = 127.0.0.1\n");
  const ChildResult r = tree.run({"--print-env", "-c", bad});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(bad + ":2: "), std::string::npos) << r.err;
}

TEST(PrintEnv, Exits1WhenTheLibraryIsMissing) {
  const SrcbindTree tree(nullptr);
  TempDir dir;
  const ChildResult r = tree.run({"--print-env", "-c", write_loopback_config(dir)});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace srcbind::cli::test
