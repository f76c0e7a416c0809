// SPEC: an unconnected datagram socket gets the matching rule's source per
// datagram (IP_PKTINFO / IPV6_PKTINFO), without being bound; one the program
// bound is left alone; a connected one was handled at connect().
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <future>
#include <regex>
#include <set>

namespace srcbind::test {
namespace {

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

// The port in "local=0.0.0.0:PORT" or "local=127.0.0.2:PORT" after `marker`.
std::string port_after(const std::string& out, const std::string& marker) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(marker + " local=[0-9.:]+:([0-9]+)"))) return "?";
  return m[1];
}

TEST_F(Datagram, SocketBoundToTheWildcardWithPortZeroGetsTheRuleSourceAndKeepsItsPort) {
  // dig, snmpget and node bind 0.0.0.0:0 first: neither address nor port chosen.
  ChildResult r = run_with_config(rules, client({"--bind", "0.0.0.0:0", "--reply"}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.4"));
  EXPECT_THAT(r.out, HasSubstr("replies=2"));
  EXPECT_NE(port_after(r.out, "after-bind"), "0");
  EXPECT_EQ(port_after(r.out, "after-bind"), port_after(r.out, "ttl-check")) << describe(r);
}

TEST_F(Datagram, ConnectOnASocketBoundToTheWildcardWithPortZeroGetsTheSourceAndKeepsThePort) {
  // dig's own pattern: bind(0.0.0.0:0), connect(server:53), send.
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", a.port_text(), "--bind", "0.0.0.0:0",
                                "--mode", "connect", "--reply"};
  ChildResult r = run_with_config(rules, argv);
  ASSERT_NO_FATAL_FAILURE(expect_sources(a, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("connect rc=0 errno=EXDEV"));
  EXPECT_THAT(r.out, HasSubstr("replies=1"));
  EXPECT_EQ(port_after(r.out, "after-bind"), port_after(r.out, "ttl-check")) << describe(r);
}

TEST_F(Datagram, SocketBoundToTheWildcardWithItsOwnPortIsLeftAloneAndSaysWhy) {
  // A fixed client port (or a server's socket): replies keep the kernel's choice.
  std::string port;
  {
    Peer probe{Peer::Kind::udp, "127.0.0.1"};   // a port that was free a moment ago
    port = probe.port_text();
  }
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  ChildResult r = run_with_config(rules, client({"--bind", "0.0.0.0:" + port}), options);
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.1"));   // lo's route says src 127.0.0.1
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.1"));
  EXPECT_THAT(r.err, HasSubstr("udp 127.0.0.1:" + a.port_text() +
                               " left alone: bound by the program to a port of its own (a server's socket) (rule to-a)"));
}

TEST_F(Datagram, SocketBoundToAnAddressIsLoggedAsLeftAlone) {
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  ChildResult r = run_with_config(rules, client({"--bind", "127.0.0.5:0"}), options);
  EXPECT_THAT(r.err, HasSubstr("left alone: bound by the program to an address (rule to-a)")) << describe(r);
}

// Sends "q" from 127.0.0.1 to 127.0.0.3:port until an answer comes (bounded);
// returns the answer's source address, or "" when none came.
std::string ask_and_read_answer_source(const std::string& port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in self{};
  self.sin_family = AF_INET;
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&self), sizeof self);
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<std::uint16_t>(std::stoi(port)));
  inet_pton(AF_INET, "127.0.0.3", &server.sin_addr);
  std::string source;
  for (int attempt = 0; attempt < 100 && source.empty(); ++attempt) {
    ::sendto(fd, "q", 1, 0, reinterpret_cast<sockaddr*>(&server), sizeof server);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    sockaddr_in from{};
    socklen_t len = sizeof from;
    char buf[16];
    if (::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len) < 0) continue;
    char text[INET_ADDRSTRLEN];
    source = inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
  }
  ::close(fd);
  return source;
}

TEST(DatagramServer, ServerOnTheWildcardRepliesFromTheAddressItWasAskedOn) {
  // A UDP server bound to 0.0.0.0:PORT under the library, with a rule that
  // matches its client: its reply leaves as without srcbind (the kernel's
  // choice, 127.0.0.1 on lo), never from the rule's 127.0.0.2, which the
  // client, asking 127.0.0.3, would not take for an answer.
  std::string port;
  {
    Peer probe{Peer::Kind::udp, "127.0.0.1"};   // a port that was free a moment ago
    port = probe.port_text();
  }
  auto server = std::async(std::launch::async, [&] {
    return run_with_config("[rule answers]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n",
                           {test_client(), "udp-answer", "0.0.0.0", port});
  });
  const std::string source = ask_and_read_answer_source(port);
  ChildResult r = server.get();
  EXPECT_EQ(source, "127.0.0.1") << describe(r);
  EXPECT_THAT(r.out, HasSubstr("answered"));
}

TEST_F(Datagram, ConnectedSocketIsBoundAtConnect) {
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", a.port_text(), "--mode", "connect"};
  ChildResult r = run_with_config(rules, argv);
  ASSERT_NO_FATAL_FAILURE(expect_sources(a, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("local=127.0.0.2:"));
}

TEST_F(Datagram, MappedDestinationOnAnInet6SocketGetsTheRuleSource) {
  Peer dual{Peer::Kind::udp, "::"};
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", dual.port_text(), "--mapped", "--reply"};
  ChildResult r = run_with_config(rules, argv);
  ASSERT_NO_FATAL_FAILURE(expect_sources(dual, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("replies=1"));
}

TEST_F(Datagram, UnmatchedDestinationLeavesErrnoAndSourceAlone) {
  ChildResult r = run_with_config("[rule other]\ndestination = 127.0.0.9\nsource = 127.0.0.2\n", client({}));
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.1"));
  EXPECT_THAT(r.out, HasSubstr("send#1 rc=8 errno=EXDEV"));
}

// The library's fast path (datagram_hooks.cpp, hook_sendto): once a socket's
// first send is noted, unmatched sends pass straight through; a matched one
// after them still gets its source, and the socket keeps the port it got.
TEST_F(Datagram, UnmatchedSendsThenAMatchedOneFromTheSameSocket) {
  const std::string only_a = "[rule to-a]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n";
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.3", b.port_text(), "127.0.0.3", b.port_text(),
                                "127.0.0.3",   b.port_text(), "127.0.0.1", a.port_text(), "127.0.0.3", b.port_text(),
                                "--reply"};
  ChildResult r = run_with_config(only_a, argv);
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(4)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(b.sources(), Each(std::string("127.0.0.1")));
  for (int i = 1; i <= 5; ++i) EXPECT_THAT(r.out, HasSubstr("send#" + std::to_string(i) + " rc=8 errno=EXDEV"));
  // One port from the first send on: every line shows the wildcard and the same port.
  const std::regex local("local=0\\.0\\.0\\.0:([0-9]+)");
  std::set<std::string> ports;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), local); it != std::sregex_iterator(); ++it) {
    ports.insert((*it)[1].str());
  }
  EXPECT_EQ(ports.size(), 1u) << r.out;
  EXPECT_THAT(r.out, HasSubstr("replies=5"));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

// Every send after a socket's first takes the short way (datagram_hooks.cpp,
// sendto_auto_bound_ipv4), unless applied rules are logged: then every send
// takes the full way, which writes the line. Both give the same sources.
TEST_F(Datagram, LaterSendsFromOneSocketGetTheirSourcesLoggedOrNot) {
  for (const std::string level : {"warn", "info"}) {
    SCOPED_TRACE("SRCBIND_LOG=" + level);
    Peer to_a{Peer::Kind::udp, "127.0.0.1"};
    Peer to_b{Peer::Kind::udp, "127.0.0.3"};
    std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", to_a.port_text(), "127.0.0.3", to_b.port_text(),
                                  "127.0.0.1",   to_a.port_text(), "127.0.0.3", to_b.port_text(), "--reply"};
    ChildOptions options;
    options.env["SRCBIND_LOG"] = level;
    ChildResult r = run_with_config(rules, argv, options);
    ASSERT_TRUE(to_a.wait_for(2) && to_b.wait_for(2)) << describe(r);
    EXPECT_THAT(to_a.sources(), ElementsAre("127.0.0.2", "127.0.0.2"));
    EXPECT_THAT(to_b.sources(), ElementsAre("127.0.0.4", "127.0.0.4"));
    for (int i = 1; i <= 4; ++i) EXPECT_THAT(r.out, HasSubstr("send#" + std::to_string(i) + " rc=8 errno=EXDEV"));
    EXPECT_THAT(r.out, HasSubstr("replies=4"));   // still unbound: the replies reach it
    const std::regex applied("-> 127\\.0\\.0\\.[24] ");
    const auto lines = std::distance(std::sregex_iterator(r.err.begin(), r.err.end(), applied), std::sregex_iterator());
    EXPECT_EQ(lines, level == "info" ? 4 : 0) << r.err;
    EXPECT_EQ(r.exit_code, 0) << describe(r);
  }
}

// A refused source is reported, and on_error applied, on every send: the short
// way hands a refusal to the full way.
TEST_F(Datagram, SourceNotOnTheHostIsRefusedOnEverySendNotOnlyTheFirst) {
  const std::string bad = "[rule bad]\ndestination = 127.0.0.1\nsource = 198.51.100.99\n";
  std::vector<std::string> argv{test_client(), "udp", "127.0.0.1", a.port_text(), "127.0.0.1", a.port_text(),
                                "127.0.0.1", a.port_text()};
  ChildResult fail = run_with_config(bad, argv);
  const std::regex refused("send#([0-9]) rc=-1 errno=([A-Z]+)");
  std::set<std::string> sends, errors;
  for (auto it = std::sregex_iterator(fail.out.begin(), fail.out.end(), refused); it != std::sregex_iterator(); ++it) {
    sends.insert((*it)[1].str());
    errors.insert((*it)[2].str());
  }
  EXPECT_THAT(sends, ElementsAre("1", "2", "3")) << describe(fail);
  EXPECT_EQ(errors.size(), 1u) << describe(fail);   // the same error each time
  EXPECT_FALSE(a.wait_for(1, std::chrono::milliseconds(300)));

  ChildResult carry_on = run_with_config(bad + "on_error = continue\n", argv);
  ASSERT_NO_FATAL_FAILURE(expect_sources(a, carry_on, {"127.0.0.1", "127.0.0.1", "127.0.0.1"}));
  const std::regex warning("warning: udp 127\\.0\\.0\\.1:");
  EXPECT_EQ(std::distance(std::sregex_iterator(carry_on.err.begin(), carry_on.err.end(), warning), std::sregex_iterator()),
            3)
      << carry_on.err;
  EXPECT_EQ(carry_on.exit_code, 0) << describe(carry_on);
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
  ASSERT_NO_FATAL_FAILURE(expect_sources(a, r, {"127.0.0.1"}));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("warning:"));
}

TEST_F(Datagram, SocatUdpSendtoArrivesFromTheRuleSource) {
  if (system("command -v socat >/dev/null 2>&1") != 0) GTEST_SKIP() << "socat is not installed";
  ChildOptions options;
  options.stdin_text = "hello\n";
  ChildResult r = run_with_config(rules, {"socat", "-u", "STDIN", "UDP-SENDTO:127.0.0.1:" + a.port_text()}, options);
  expect_sources(a, r, {"127.0.0.2"});
}

TEST_F(Datagram, SendmmsgBatchLargerThanTheLibrarysChunkIsSentWhole) {
  // 64 datagrams in one call, alternating between the two peers.
  ChildResult r = run_with_config(rules, client({"--mode", "sendmmsg", "--batch", "64"}));
  ASSERT_TRUE(a.wait_for(32) && b.wait_for(32)) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("sendmmsg rc=64 "));
  EXPECT_THAT(a.sources(), Each(std::string("127.0.0.2")));
  EXPECT_THAT(b.sources(), Each(std::string("127.0.0.4")));
}

TEST_F(Datagram, SendmmsgBatchWithoutAMatchingRuleReachesTheKernelWhole) {
  ChildResult r = run_with_config("[rule other]\ndestination = 127.0.0.9\nsource = 127.0.0.2\n",
                                  client({"--mode", "sendmmsg", "--batch", "64"}));
  EXPECT_THAT(r.out, HasSubstr("sendmmsg rc=64 ")) << describe(r);
  ASSERT_TRUE(a.wait_for(32) && b.wait_for(32)) << describe(r);
}

TEST_F(Datagram, SendmmsgBatchWithNoConfigurationReachesTheKernelWhole) {
  ChildOptions options;
  options.env["LD_PRELOAD"] = preload_list();
  for (const char* name : {"SRCBIND_CONFIG", "SRCBIND_SOURCE", "SRCBIND_INTERFACE"}) options.env[name] = std::nullopt;
  ChildResult r = run_child(client({"--mode", "sendmmsg", "--batch", "64"}), options);
  EXPECT_THAT(r.out, HasSubstr("sendmmsg rc=64 ")) << describe(r);
}

TEST_F(Datagram, ControlDataShorterThanAHeaderIsIgnoredAsTheKernelIgnoresIt) {
  ChildResult r = run_with_config(rules, client({"--mode", "sendmsg", "--short-control"}));
  EXPECT_THAT(r.out, HasSubstr("send#1 rc=8 ")) << describe(r);
  ASSERT_TRUE(a.wait_for(1) && b.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), ElementsAre("127.0.0.2"));
  EXPECT_THAT(b.sources(), ElementsAre("127.0.0.4"));
}

// Real programs that bind 0.0.0.0:0 before sending (SPEC: steered per datagram).
bool installed(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

// These large programs are run with the library only in the normal build: with
// a sanitizer runtime preloaded into them, start-up alone takes seconds to
// minutes, and what they check is the library's decision, not its memory.
#ifdef SRCBIND_SANITIZED_BUILD
#define SKIP_REAL_PROGRAM_IN_SANITIZER_BUILD() GTEST_SKIP() << "real program: run in the normal build only"
#else
#define SKIP_REAL_PROGRAM_IN_SANITIZER_BUILD() \
  do {                                         \
  } while (0)
#endif

TEST_F(Datagram, DigIsSteeredThoughItBindsTheWildcardFirst) {
  SKIP_REAL_PROGRAM_IN_SANITIZER_BUILD();
  if (!installed("dig")) GTEST_SKIP() << "dig is not installed (apt-get install bind9-dnsutils)";
  ChildResult r = run_with_config(rules, {"dig", "+tries=1", "+time=1", "@127.0.0.1", "-p", a.port_text(), "example.test"});
  ASSERT_TRUE(a.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), Each(std::string("127.0.0.2")));
}

TEST_F(Datagram, SnmpgetIsSteeredThoughItBindsTheWildcardFirst) {
  SKIP_REAL_PROGRAM_IN_SANITIZER_BUILD();
  if (!installed("snmpget")) GTEST_SKIP() << "snmpget is not installed (apt-get install snmp)";
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "debug";
  options.env["HOME"] = "/tmp";   // net-snmp writes its state under $HOME/.snmp
  ChildResult r = run_with_config(rules, {"snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "0",
                                          "127.0.0.1:" + a.port_text(), "1.3.6.1.2.1.1.1.0"},
                                  options);
  ASSERT_TRUE(a.wait_for(1)) << describe(r);
  EXPECT_THAT(a.sources(), Each(std::string("127.0.0.2")));
  EXPECT_THAT(r.err, HasSubstr("-> 127.0.0.2 (rule to-a)"));
}

TEST_F(Datagram, NodeDgramIsSteeredThoughItBindsTheWildcardFirst) {
  SKIP_REAL_PROGRAM_IN_SANITIZER_BUILD();
  if (!installed("node")) GTEST_SKIP() << "node is not installed (apt-get install nodejs)";
  ChildResult r = run_with_config(rules, {"node", "-e",
                                          "const d = require('dgram').createSocket('udp4');"
                                          "d.bind(0, () => d.send('x', " + a.port_text() + ", '127.0.0.1', () => d.close()));"});
  expect_sources(a, r, {"127.0.0.2"});
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
