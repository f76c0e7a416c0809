// --explain: the rule that matches (or none), the source and interface srcbind
// would use, and the source the kernel picks without it.
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

namespace srcbind::cli::test {
namespace {

class Explain : public ::testing::Test {
 protected:
  // `srcbind --explain -c <the rules below> ARGS...`, which must succeed.
  ChildResult explain(std::vector<std::string> args) {
    args.insert(args.begin(), {"--explain", "-c", config_});
    ChildResult r = srcbind(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    return r;
  }

  TempDir dir_;
  const std::string config_ = dir_.write("explain.ini", R"([rule loop]
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
};

TEST_F(Explain, ShowsTheMatchingRuleItsSourceAndTheKernelsChoice) {
  expect_contains_all(explain({"127.0.0.1:8080"}).out,
                      {"destination:      127.0.0.1 port 8080 tcp\n", "rule:             loop (" + config_ + ":1)\n",
                       "source:           127.0.0.2\n", "interface:        -\n", "without srcbind:  127.0.0.1\n"});
}

TEST_F(Explain, SaysNoRuleForAnUnmatchedDestination) {
  expect_contains_all(explain({"127.0.0.1:9090"}).out, {"rule:             none: the socket is left untouched\n",
                                                        "source:           127.0.0.1 (the kernel's choice)\n"});
}

TEST_F(Explain, ExplainsIPv6DestinationsInBrackets) {
  // The host may have no IPv6 route at all: then the kernel's answer is "no route (...)".
  expect_contains_all(explain({"[2001:db8::7]:443"}).out,
                      {"destination:      2001:db8::7 port 443 tcp\n", "rule:             doc-v6 (",
                       "source:           ::1\n", "without srcbind:  "});
}

TEST_F(Explain, AcceptsABareIPv6AddressWithoutPort) {
  expect_contains_all(explain({"::1"}).out, {"destination:      ::1 (no port) tcp\n", "without srcbind:  ::1\n"});
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
  expect_contains_all(explain({"127.0.0.1"}).out, {"rule:             none", "note: no port given"});
}

TEST_F(Explain, AppliesProgramFiltersOnlyForTheNamedProgram) {
  EXPECT_TRUE(contains(srcbind({"--explain", "-c", config_, "127.0.0.3:80"}).out, "rule:             none"));
  const ChildResult r = srcbind({"--explain", "-c", config_, "--program", "curl", "127.0.0.3:80"});
  EXPECT_TRUE(contains(r.out, "rule:             curl-only (")) << describe(r);
}

TEST_F(Explain, ResolvesAHostName) {
  expect_contains_all(explain({"localhost:8080"}).out, {"localhost: ", "destination:      127.0.0.1 port 8080 tcp\n"});
}

TEST_F(Explain, ExplainsTheQuickModeRule) {
  const ChildResult r =
      srcbind({"--explain", "-s", "198.51.100.12", "--udp", "203.0.113.10:53"}, {{"SRCBIND_CONFIG", std::nullopt}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  expect_contains_all(r.out, {"destination:      203.0.113.10 port 53 udp\n", "(quick mode)",
                              "source:           198.51.100.12 (not an address of this host"});
}

TEST_F(Explain, RejectsAMalformedDestination) {
  const ChildResult r = srcbind({"--explain", "-c", config_, "[2001:db8::1"});
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
