// --print-env output must survive eval in any POSIX shell.
#include "shell_quote.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli {
namespace {

TEST(ShellQuote, WrapsInSingleQuotes) {
  EXPECT_EQ(shell_quote("/usr/lib/libsrcbind.so"), "'/usr/lib/libsrcbind.so'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(ShellQuote, WritesASingleQuoteAsQuoteBackslashQuoteQuote) { EXPECT_EQ(shell_quote("it's"), "'it'\\''s'"); }

TEST(ShellQuote, LeavesEverythingElseLiteral) {
  EXPECT_EQ(shell_quote("$HOME `x` \"y\" \\ *\n"), "'$HOME `x` \"y\" \\ *\n'");
}

}  // namespace
}  // namespace srcbind::cli
