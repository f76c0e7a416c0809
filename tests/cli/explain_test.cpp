// --explain: the rule that matches (or none), the source and interface srcbind
// would use, and the source the kernel picks without it.
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class Explain : public ::testing::Test {
 protected:
  std::string config() {
    return dir_.write("explain.ini", R"([rule loop]
destination = 127.0.0.1
port = 8080
source = 127.0.0.2

[rule doc-v6]
destination = 2001:db8::/32
source = ::1

[rule curl-only]
destination = 127.0.0.3
program = curl
source = 127.0.0.4
)");
  }
  TempDir dir_;
};

TEST_F(Explain, ShowsTheMatchingRuleItsSourceAndTheKernelsChoice) {
  const std::string file = config();
  const ChildResult r = srcbind({"--explain", "-c", file, "127.0.0.1:8080"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "destination:      127.0.0.1 port 8080 tcp\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "rule:             loop (" + file + ":1)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "source:           127.0.0.2\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "interface:        -\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "without srcbind:  127.0.0.1\n")) << r.out;
}

TEST_F(Explain, SaysNoRuleForAnUnmatchedDestination) {
  const ChildResult r = srcbind({"--explain", "-c", config(), "127.0.0.1:9090"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "rule:             none: the socket is left untouched\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "source:           127.0.0.1 (the kernel's choice)\n")) << r.out;
}

TEST_F(Explain, ExplainsIPv6DestinationsInBrackets) {
  const ChildResult r = srcbind({"--explain", "-c", config(), "[2001:db8::7]:443"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "destination:      2001:db8::7 port 443 tcp\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "rule:             doc-v6 (")) << r.out;
  EXPECT_TRUE(contains(r.out, "source:           ::1\n")) << r.out;
  // The host may have no IPv6 route at all: then the kernel's answer is "no route (...)".
  EXPECT_TRUE(contains(r.out, "without srcbind:  ")) << r.out;
}

TEST_F(Explain, AcceptsABareIPv6AddressWithoutPort) {
  const ChildResult r = srcbind({"--explain", "-c", config(), "::1"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "destination:      ::1 (no port) tcp\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "without srcbind:  ::1\n")) << r.out;
}

// The note explains a miss; a loopback quick-mode source matches loopback.
TEST_F(Explain, NotesThatStarSkipsLoopbackOnlyWhenLoopbackIsUnmatched) {
  const std::string star = dir_.write("star.ini", "[rule any]\ndestination = *\nsource = 127.0.0.2\n");
  const ChildResult missed = srcbind({"--explain", "-c", star, "127.0.0.1:80"});
  EXPECT_TRUE(contains(missed.out, "note: destination = * never matches loopback")) << missed.out;
  const ChildResult quick = srcbind({"--explain", "-c", "/dev/null", "-s", "127.0.0.2", "127.0.0.1:80"});
  EXPECT_TRUE(contains(quick.out, "rule:             SRCBIND_SOURCE (quick mode)\n")) << quick.out;
  EXPECT_FALSE(contains(quick.out, "never matches loopback")) << quick.out;
}

TEST_F(Explain, TellsThatPortFilteredRulesNeedAPort) {
  const ChildResult r = srcbind({"--explain", "-c", config(), "127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "rule:             none")) << r.out;
  EXPECT_TRUE(contains(r.out, "note: no port given")) << r.out;
}

TEST_F(Explain, AppliesProgramFiltersOnlyForTheNamedProgram) {
  const std::string file = config();
  EXPECT_TRUE(contains(srcbind({"--explain", "-c", file, "127.0.0.3:80"}).out, "rule:             none"));
  const ChildResult r = srcbind({"--explain", "-c", file, "--program", "curl", "127.0.0.3:80"});
  EXPECT_TRUE(contains(r.out, "rule:             curl-only (")) << describe(r);
}

TEST_F(Explain, ResolvesAHostName) {
  const ChildResult r = srcbind({"--explain", "-c", config(), "localhost:8080"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "localhost: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "destination:      127.0.0.1 port 8080 tcp\n")) << r.out;
}

TEST_F(Explain, ExplainsTheQuickModeRule) {
  const ChildResult r =
      srcbind({"--explain", "-s", "198.51.100.12", "--udp", "203.0.113.10:53"}, {{"SRCBIND_CONFIG", std::nullopt}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "destination:      203.0.113.10 port 53 udp\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "(quick mode)")) << r.out;
  EXPECT_TRUE(contains(r.out, "source:           198.51.100.12 (not an address of this host")) << r.out;
}

TEST_F(Explain, RejectsAMalformedDestination) {
  const ChildResult r = srcbind({"--explain", "-c", config(), "[2001:db8::1"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, "srcbind: --explain: missing ']'")) << r.err;
}

TEST_F(Explain, RefusesABadConfiguration) {
  const std::string bad = dir_.write("bad.ini", "[rule x]\ndestination = 127.0.0.1\n");
  const ChildResult r = srcbind({"--explain", "-c", bad, "127.0.0.1:80"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(contains(r.err, bad + ":1: ")) << r.err;
}

}  // namespace
}  // namespace srcbind::cli::test
