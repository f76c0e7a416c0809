// SPEC: an unconnected datagram socket gets the matching rule's source per
// datagram (IP_PKTINFO / IPV6_PKTINFO), without being bound; one the program
// bound is left alone; a connected one was handled at connect().
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Two receivers on two loopback addresses; rules give each its own source.
class Datagram : public ::testing::Test {
 protected:
  Peer a{Peer::Kind::udp, "127.0.0.1"};
  Peer b{Peer::Kind::udp, "127.0.0.3"};
  std::string rules = "[rule to-a]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n"
                      "[rule to-b]\ndestination = 127.0.0.3\nsource = 127.0.0.4\n";

  std::vector<std::string> client(std::vector<std::string> extra) {
    std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", a.port_text(), "127.0.0.3", b.port_text()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
};

TEST_F(Datagram, UnconnectedSendtoToTwoDestinationsGivesTwoSources) {
  ChildResult r = run_with_config(rules, client({"--reply"}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.4"));
  // The socket stays unbound (wildcard), so the replies reach it.
  EXPECT_THAT(r.out, HasSubstr("replies=2"));
  EXPECT_THAT(r.out, HasSubstr("ttl-check local=0.0.0.0:"));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(Datagram, SendmsgKeepsTheProgramsControlData) {
  ChildResult r = run_with_config(rules, client({"--mode", "sendmsg", "--ttl", "7"}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_EQ(a.seen()[0].source, "127.0.0.2");
  EXPECT_EQ(a.seen()[0].ttl, 7);
  EXPECT_EQ(b.seen()[0].source, "127.0.0.4");
  EXPECT_EQ(b.seen()[0].ttl, 7);
}

TEST_F(Datagram, ProgramsOwnPacketInfoIsNotOverridden) {
  ChildResult r = run_with_config(rules, client({"--mode", "sendmsg", "--own-pktinfo", "127.0.0.5"}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.5"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.5"));
}

TEST_F(Datagram, SendmmsgBatchWithMixedDestinationsGetsPerMessageSources) {
  Peer c{Peer::Kind::udp, "127.0.0.6"};   // no rule for it
  std::vector<std::string> argv{test_client(), "udp",      "127.0.0.1", a.port_text(), "127.0.0.3", b.port_text(),
                                "127.0.0.6",   c.port_text(), "127.0.0.1", a.port_text(), "--mode",  "sendmmsg"};
  ChildResult r = run_with_config(rules, argv);
  ASSERT_TRUE(a.wait_for(2) && b.wait_for(1) && c.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2", "127.0.0.2"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.4"));
  EXPECT_THAT(c.sources(), ElementsAre("127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("sendmmsg rc=4 errno=EXDEV lens=8,8,8,8,"));   // msg_len copied back
}

TEST_F(Datagram, SocketBoundByTheProgramToAnAddressIsLeftAlone) {
  ChildResult r = run_with_config(rules, client({"--bind", "127.0.0.5:0"}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.5"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.5"));
}

TEST_F(Datagram, SocketBoundByTheProgramToTheWildcardIsLeftAlone) {
  // A server's socket (wildcard, its own port): replies keep the kernel's choice.
  ChildResult r = run_with_config(rules, client({"--bind", "0.0.0.0:0"}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.1"));   // lo's route says src 127.0.0.1
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.1"));
}

TEST_F(Datagram, ConnectedSocketIsBoundAtConnect) {
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", a.port_text(), "--mode", "connect"};
  ChildResult r = run_with_config(rules, argv);
  ASSERT_TRUE(a.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(r.out, HasSubstr("local=127.0.0.2:"));
}

TEST_F(Datagram, MappedDestinationOnAnInet6SocketGetsTheRuleSource) {
  Peer dual{Peer::Kind::udp, "::"};
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", dual.port_text(), "--mapped", "--reply"};
  ChildResult r = run_with_config(rules, argv);
  ASSERT_TRUE(dual.wait_for(1)) << describe(r);
  EXPECT_THAT(dual.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(r.out, HasSubstr("replies=1"));
}

TEST_F(Datagram, UnmatchedDestinationLeavesErrnoAndSourceAlone) {
  ChildResult r = run_with_config("[rule other]\ndestination = 127.0.0.9\nsource = 127.0.0.2\n", client({}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("send#1 rc=8 errno=EXDEV"));
}

TEST_F(Datagram, MatchedSendLeavesErrnoAlone) {
  ChildResult r = run_with_config(rules, client({}));
  EXPECT_THAT(r.out, HasSubstr("send#1 rc=8 errno=EXDEV"));
  EXPECT_THAT(r.out, HasSubstr("send#2 rc=8 errno=EXDEV"));
}

TEST_F(Datagram, SourceNotOnTheHostFailsWithOnErrorFailAndSendsNothing) {
  ChildResult r = run_with_config("[rule bad]\ndestination = 127.0.0.1\nsource = 198.51.100.99\n", client({}));
  EXPECT_THAT(r.out, HasSubstr("send#1 rc=-1"));
  EXPECT_FALSE(a.wait_for(1, std::chrono::milliseconds(300)));
  ASSERT_TRUE(b.wait_for(1)) << describe(r);   // the other destination has no rule
}

TEST_F(Datagram, SourceNotOnTheHostWithContinueIsSentFromTheDefault) {
  ChildResult r = run_with_config("[rule bad]\ndestination = 127.0.0.1\nsource = 198.51.100.99\non_error = continue\n",
                                  client({}));
  ASSERT_TRUE(a.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.1"));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("warning:"));
}

TEST_F(Datagram, SocatUdpSendtoArrivesFromTheRuleSource) {
  if (system("command -v socat >/dev/null 2>&1") != 0) GTEST_SKIP() << "socat is not installed";
  ChildOptions options;
  options.stdin_text = "hello\n";
  ChildResult r = run_with_config(rules, {"socat", "-u", "STDIN", "UDP-SENDTO:127.0.0.1:" + a.port_text()}, options);
  ASSERT_TRUE(a.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
}

TEST_F(Datagram, PythonSendtoArrivesFromTheRuleSource) {
  ChildResult r = run_with_config(rules, {"python3", "-c",
                                          "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);"
                                          "s.sendto(b'x', ('127.0.0.1', " + a.port_text() + "));"
                                          "s.sendto(b'y', ('127.0.0.3', " + b.port_text() + "))"});
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.4"));
}

}  // namespace
}  // namespace srcbind::test
