// Finding what the kernel will run: execvp's PATH search and `#!` lines.
#include "command_resolver.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli {
namespace {

using srcbind::test::TempDir;

TEST(CommandResolver, SearchesPathLikeExecvp) {
  TempDir a, b;
  b.write("tool", "#!/bin/sh\n", 0755);
  a.write("tool", "not executable\n", 0644);  // skipped, as execvp skips it
  EXPECT_EQ(find_in_path("tool", a.path() + ":" + b.path()), b / "tool");
  EXPECT_EQ(find_in_path("missing-tool", a.path() + ":" + b.path()), std::nullopt);
}

TEST(CommandResolver, TakesANameWithASlashAsIs) {
  EXPECT_EQ(find_in_path("./x/y", "/usr/bin"), "./x/y");
  EXPECT_EQ(find_in_path("/bin/sh", ""), "/bin/sh");
}

TEST(CommandResolver, ReadsTheInterpreterLine) {
  TempDir dir;
  const auto s = read_shebang(dir.write("s", "#! /usr/bin/python3  -u -X dev \nprint(1)\n", 0755));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->interpreter, "/usr/bin/python3");
  EXPECT_EQ(s->argument, "-u -X dev");
  EXPECT_FALSE(read_shebang(dir.write("t", "echo no shebang\n", 0755)));
}

TEST(CommandResolver, FindsTheProgramBehindEnv) {
  EXPECT_EQ(env_program("python3"), "python3");
  EXPECT_EQ(env_program("-S python3 -u"), "python3");
  EXPECT_EQ(env_program("-i -u HOME LANG=C perl -w"), "perl");
  EXPECT_EQ(env_program("-"), std::nullopt);
}

TEST(CommandResolver, FollowsAScriptToItsInterpreterThroughEnv) {
  TempDir bin, scripts;
  bin.write("fakepython",
            "\x7f"
            "ELF",
            0755);
  const std::string script = scripts.write("job", "#!/usr/bin/env -S fakepython -u\n", 0755);
  const ExecChain chain = resolve_exec_chain(script, bin.path() + ":/usr/bin:/bin");
  ASSERT_EQ(chain.files.size(), 3u);
  EXPECT_EQ(chain.files[0], script);
  EXPECT_EQ(chain.files[1], "/usr/bin/env");
  EXPECT_EQ(chain.files[2], bin / "fakepython");
}

TEST(CommandResolver, FollowsNestedInterpreters) {
  TempDir dir;
  const std::string inner = dir.write("inner", "#!" + std::string(SRCBIND_TEST_HELLO_DYNAMIC) + "\n", 0755);
  const std::string outer = dir.write("outer", "#!" + inner + "\n", 0755);
  const ExecChain chain = resolve_exec_chain("outer", dir.path());
  EXPECT_EQ(chain.files, (std::vector<std::string>{dir / "outer", inner, SRCBIND_TEST_HELLO_DYNAMIC}));
}

TEST(CommandResolver, GivesAnEmptyChainWhenTheCommandIsNotFound) {
  EXPECT_TRUE(resolve_exec_chain("srcbind-no-such-command", "/nonexistent").files.empty());
}

}  // namespace
}  // namespace srcbind::cli
