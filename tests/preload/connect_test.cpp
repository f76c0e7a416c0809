// SPEC "What the library does to a socket", connect(): a real client under
// LD_PRELOAD against a real server, asserting the source the server saw.
// IPv4 sources are loopback aliases (127.0.0.2 ...), so no root is needed.
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <thread>

namespace srcbind::test {
namespace {

class Connect : public ::testing::Test {
 protected:
  Peer peer{Peer::Kind::tcp};

  // Runs the test client with one rule; returns the sources the server saw.
  std::vector<std::string> sources_with(const std::string& rule, std::vector<std::string> extra = {},
                                        std::size_t expected = 1) {
    last = run_with_config(one_rule(rule), tcp_client(peer, extra));
    EXPECT_TRUE(peer.wait_for(expected)) << describe(last);
    return peer.sources();
  }
  // Runs the test client in quick mode: SRCBIND_SOURCE alone, no configuration file.
  ChildResult run_in_quick_mode(const std::string& source) {
    ChildOptions options;
    options.env = {{"LD_PRELOAD", preload_list()}, {"SRCBIND_SOURCE", source}};
    return run_child(tcp_client(peer), options);
  }
  ChildResult last;
};

TEST_F(Connect, MatchingRuleBindsTheRuleSource) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nsource = 127.0.0.2"), ElementsAre("127.0.0.2"));
  EXPECT_EQ(last.exit_code, 0) << describe(last);
}

TEST_F(Connect, UnmatchedDestinationKeepsTheKernelsSource) {
  EXPECT_THAT(sources_with("destination = 127.0.0.9\nsource = 127.0.0.2"), ElementsAre("127.0.0.1"));
}

TEST_F(Connect, LongestPrefixWinsOverAnEarlierShorterRule) {
  last = run_with_config("[rule wide]\ndestination = 127.0.0.0/8\nsource = 127.0.0.3\n"
                         "[rule narrow]\ndestination = 127.0.0.1/32\nsource = 127.0.0.2\n",
                         tcp_client(peer));
  expect_sources(peer, last, {"127.0.0.2"});
}

TEST_F(Connect, TieGoesToTheRuleWrittenFirst) {
  last = run_with_config("[rule first]\ndestination = 127.0.0.1\nsource = 127.0.0.3\n"
                         "[rule second]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n",
                         tcp_client(peer));
  expect_sources(peer, last, {"127.0.0.3"});
}

TEST_F(Connect, PortFilterMatchesOnlyItsPorts) {
  const int port = peer.port();
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nport = " + std::to_string(port) + "\nsource = 127.0.0.2"),
              ElementsAre("127.0.0.2"));
  Peer other{Peer::Kind::tcp};
  last = run_with_config(one_rule("destination = 127.0.0.1\nport = " + std::to_string(port) + "\nsource = 127.0.0.2"),
                         tcp_client(other));
  expect_sources(other, last, {"127.0.0.1"});
}

TEST_F(Connect, PortRangeIncludesBothEdges) {
  const int port = peer.port();
  std::string range = std::to_string(port) + "-" + std::to_string(port + 1);
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nport = " + range + "\nsource = 127.0.0.2"), ElementsAre("127.0.0.2"));
  Peer second{Peer::Kind::tcp};
  std::string upper = std::to_string(second.port() - 1) + "-" + std::to_string(second.port());
  last = run_with_config(one_rule("destination = 127.0.0.1\nport = " + upper + "\nsource = 127.0.0.3"), tcp_client(second));
  expect_sources(second, last, {"127.0.0.3"});
}

TEST_F(Connect, UdpOnlyRuleLeavesTcpAlone) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nprotocol = udp\nsource = 127.0.0.2"), ElementsAre("127.0.0.1"));
}

TEST_F(Connect, TcpRuleAppliesToTcp) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nprotocol = tcp\nsource = 127.0.0.2"), ElementsAre("127.0.0.2"));
}

TEST_F(Connect, ProgramFilterMatchesTheExecutableName) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nprogram = wget, srcbind_test_client\nsource = 127.0.0.2"),
              ElementsAre("127.0.0.2"));
}

TEST_F(Connect, ProgramFilterLeavesOtherProgramsAlone) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nprogram = wget\nsource = 127.0.0.2"), ElementsAre("127.0.0.1"));
}

TEST_F(Connect, StarDoesNotTouchLoopback) {
  EXPECT_THAT(sources_with("destination = *\nsource = 127.0.0.2"), ElementsAre("127.0.0.1"));
}

TEST_F(Connect, LoopbackListedExplicitlyIsMatched) {
  EXPECT_THAT(sources_with("destination = *, 127.0.0.0/8\nsource = 127.0.0.2"), ElementsAre("127.0.0.2"));
}

TEST_F(Connect, SocketBoundByTheProgramIsLeftAlone) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nsource = 127.0.0.2", {"--bind", "127.0.0.5"}), ElementsAre("127.0.0.5"));
}

TEST_F(Connect, NoPortBindByTheProgramIsLeftAlone) {
  // curl --interface: IP_BIND_ADDRESS_NO_PORT + bind(addr:0) looks like "port 0".
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nsource = 127.0.0.2", {"--bind-noport", "127.0.0.5"}),
              ElementsAre("127.0.0.5"));
}

TEST_F(Connect, WildcardBindByTheProgramIsLeftAlone) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nsource = 127.0.0.2", {"--bind", "0.0.0.0"}), ElementsAre("127.0.0.1"));
}

TEST_F(Connect, SuccessLeavesErrnoAlone) {
  sources_with("destination = 127.0.0.1\nsource = 127.0.0.2");
  EXPECT_THAT(last.out, HasSubstr("connect#1 rc=0 errno=EXDEV local=127.0.0.2:")) << describe(last);
  sources_with("destination = 127.0.0.9\nsource = 127.0.0.2", {}, 2);
  EXPECT_THAT(last.out, HasSubstr("connect#1 rc=0 errno=EXDEV local=127.0.0.1:")) << describe(last);
}

TEST_F(Connect, NonBlockingRepeatedConnectComesOutAsWithoutTheLibrary) {
  auto strip = [](const std::string& out) {   // the sequence of rc/errno, without addresses
    return std::regex_replace(out, std::regex(" local=[^ ]*| dev=[^ \n]*"), "");
  };
  ChildResult plain = run_child(tcp_client(peer, {"--nonblock"}));
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), tcp_client(peer, {"--nonblock"}));
  ASSERT_TRUE(peer.wait_for(2)) << describe(last);
  EXPECT_EQ(strip(last.out), strip(plain.out)) << describe(plain) << describe(last);
  EXPECT_THAT(last.out, HasSubstr("connect#1 rc=-1 errno=EINPROGRESS local=127.0.0.2:"));
  EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.1", "127.0.0.2"));
}

TEST_F(Connect, OnErrorFailReturnsTheBindErrorAndSendsNothing) {
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 198.51.100.99\non_error = fail"), tcp_client(peer));
  EXPECT_THAT(last.out, HasSubstr("connect#1 rc=-1 errno=EADDRNOTAVAIL")) << describe(last);
  EXPECT_FALSE(peer.wait_for(1, std::chrono::milliseconds(300)));
  EXPECT_THAT(last.err, HasSubstr("cannot bind the source address"));
}

TEST_F(Connect, OnErrorContinueWarnsAndConnectsFromTheDefault) {
  last = run_with_config("[srcbind]\non_error = continue\n" + one_rule("destination = 127.0.0.1\nsource = 198.51.100.99"),
                         tcp_client(peer));
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, last, {"127.0.0.1"}));
  EXPECT_EQ(last.exit_code, 0);
  EXPECT_THAT(last.err, HasSubstr("warning:"));
}

// A VPN that is down when the program starts: its rule must not silently
// vanish (the connection would leave outside the VPN). It fails closed.
TEST_F(Connect, MissingInterfaceAtStartFailsClosedWithOnErrorFail) {
  last = run_with_config("[rule vpn]\ndestination = 127.0.0.1\ninterface = nosuch0\n"
                         "[rule other]\ndestination = 127.0.0.9\nsource = 127.0.0.2\n",
                         tcp_client(peer));
  EXPECT_THAT(last.out, HasSubstr("connect#1 rc=-1 errno=ENODEV")) << describe(last);
  EXPECT_FALSE(peer.wait_for(1, std::chrono::milliseconds(300)));
  EXPECT_THAT(last.err, HasSubstr("interface \"nosuch0\" is not on this host"));
}

TEST_F(Connect, MissingLabelAtStartFailsClosedWithEaddrnotavail) {
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = @nosuch0:1"), tcp_client(peer));
  EXPECT_THAT(last.out, HasSubstr("connect#1 rc=-1 errno=EADDRNOTAVAIL")) << describe(last);
  EXPECT_FALSE(peer.wait_for(1, std::chrono::milliseconds(300)));
}

TEST_F(Connect, MissingInterfaceWithContinueConnectsAsWithoutTheLibrary) {
  last = run_with_config(one_rule("destination = 127.0.0.1\ninterface = nosuch0\non_error = continue"), tcp_client(peer));
  expect_sources(peer, last, {"127.0.0.1"});
}

TEST_F(Connect, BrokenConfigLeavesTheProgramWorkingWithOneErrorLine) {
  last = run_with_config("[rule r1]\ndestination = 127.0.0.1\nsource = 127.0.0.2\nbogus = 1\n", tcp_client(peer));
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, last, {"127.0.0.1"}));
  EXPECT_EQ(last.exit_code, 0);
  EXPECT_TRUE(std::regex_search(last.err, std::regex(R"(^srcbind\[\d+\] srcbind_test_client: error: \S+:4: .*no rules applied\n$)")))
      << describe(last);
}

TEST_F(Connect, InfoLogLineHasSpecsFormat) {
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), tcp_client(peer), options);
  ASSERT_TRUE(peer.wait_for(1)) << describe(last);
  std::regex line(R"(srcbind\[\d+\] srcbind_test_client: tcp 127\.0\.0\.1:)" + peer.port_text() +
                  R"( -> 127\.0\.0\.2 \(rule r1\)\n)");
  EXPECT_TRUE(std::regex_search(last.err, line)) << describe(last);
}

TEST_F(Connect, LogFileReceivesTheLinesInsteadOfStderr) {
  TempFile log("", ".log");
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  options.env["SRCBIND_LOG_FILE"] = log.path();
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), tcp_client(peer), options);
  ASSERT_TRUE(peer.wait_for(1)) << describe(last);
  EXPECT_EQ(last.err, "");
  std::string content;
  FILE* f = fopen(log.path().c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[1024];
  while (size_t n = fread(buf, 1, sizeof buf, f)) content.append(buf, n);
  fclose(f);
  EXPECT_THAT(content, HasSubstr("-> 127.0.0.2 (rule r1)"));
}

TEST_F(Connect, ProgramThatClosedItsDescriptorsNeverGetsOurLogInItsSocket) {
  // Like ssh: close_range(3, ~0U), stderr replaced by /dev/null. The next socket
  // may take any number; the server must receive only the program's own bytes.
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "debug";
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                         tcp_client(peer, {"--close-fds", "--send", "APP-DATA"}), options);
  ASSERT_TRUE(peer.wait_for(1)) << describe(last);
  EXPECT_EQ(last.exit_code, 0) << describe(last);
  for (int i = 0; i < 50 && peer.seen()[0].data.size() < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(peer.seen()[0].data, "APP-DATA");
  EXPECT_EQ(peer.seen()[0].source, "127.0.0.2");
}

TEST_F(Connect, IPv4MappedDestinationOnAnInet6SocketUsesTheMappedSource) {
  Peer dual{Peer::Kind::tcp, "::"};
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), tcp_client(dual, {"--mapped"}));
  ASSERT_NO_FATAL_FAILURE(expect_sources(dual, last, {"127.0.0.2"}));
  EXPECT_THAT(last.out, HasSubstr("local=::ffff:127.0.0.2:"));
}

TEST_F(Connect, V6OnlySocketToAMappedDestinationFailsAsWithoutTheLibrary) {
  Peer dual{Peer::Kind::tcp, "::"};
  ChildResult plain = run_child(tcp_client(dual, {"--mapped", "--v6only"}));
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), tcp_client(dual, {"--mapped", "--v6only"}));
  EXPECT_THAT(plain.out, HasSubstr("errno=ENETUNREACH"));
  EXPECT_THAT(last.out, HasSubstr("errno=ENETUNREACH")) << describe(last);
}

TEST_F(Connect, AsioAsyncConnectIsSteered) {
  EXPECT_THAT(sources_with("destination = 127.0.0.1\nsource = 127.0.0.2", {"--asio"}), ElementsAre("127.0.0.2"));
}

TEST_F(Connect, SixteenThreadsTimesTwoHundredConnectionsAllFromTheRuleSource) {
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                         tcp_client(peer, {"--threads", "16", "--count", "200"}));
  EXPECT_EQ(last.exit_code, 0) << describe(last);
  ASSERT_TRUE(peer.wait_for(3200)) << describe(last);
  EXPECT_THAT(peer.sources(), Each(std::string("127.0.0.2")));
}

TEST_F(Connect, TenThousandConnectionsFromOneProcessDoNotRunOutOfPorts) {
  Peer second{Peer::Kind::tcp, "127.0.0.3"};
  ChildOptions options;
  options.deadline = std::chrono::seconds(120);
  last = run_with_config(one_rule("destination = 127.0.0.0/8\nsource = 127.0.0.2"),
                         tcp_client(peer, {"--count", "10000"}), options);
  EXPECT_EQ(last.exit_code, 0) << describe(last);
  ASSERT_TRUE(peer.wait_for(10000)) << describe(last);
  std::set<std::string> distinct;
  for (const auto& s : peer.sources()) distinct.insert(s);
  EXPECT_THAT(distinct, ElementsAre("127.0.0.2"));
}

TEST_F(Connect, ForkAndExecChildInheritsTheBehaviour) {
  std::string cmd = test_client() + " tcp 127.0.0.1 " + peer.port_text();
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), {"/bin/sh", "-c", cmd + "; exit $?"});
  expect_sources(peer, last, {"127.0.0.2"});
}

TEST_F(Connect, QuickModeWithALoopbackSourceSteersLoopbackDestinations) {
  last = run_in_quick_mode("127.0.0.2");
  expect_sources(peer, last, {"127.0.0.2"});
}

// The quick-mode rule is written after every file rule: it wins by a longer
// prefix (a loopback source confines it to 127.0.0.0/8) and loses a tie.
TEST_F(Connect, QuickModeRuleWinsByALongerPrefixAndLosesATieToTheFile) {
  ChildOptions options;
  options.env = {{"SRCBIND_SOURCE", "127.0.0.4"}};
  last = run_with_config(one_rule("destination = 0.0.0.0/0\nsource = 127.0.0.3"), tcp_client(peer), options);
  ASSERT_TRUE(peer.wait_for(1)) << describe(last);
  last = run_with_config(one_rule("destination = 127.0.0.0/8\nsource = 127.0.0.3"), tcp_client(peer), options);
  expect_sources(peer, last, {"127.0.0.4", "127.0.0.3"});
}

TEST_F(Connect, QuickModeWithAnExternalSourceLeavesLoopbackAlone) {
  last = run_in_quick_mode("198.51.100.99");
  expect_sources(peer, last, {"127.0.0.1"});
}

TEST_F(Connect, ConnectOnNonSocketsFailsAsWithoutTheLibrary) {
  // connect on an AF_UNIX socket and on a closed socket: same errno either way.
  std::string script =
      "import socket, os\n"
      "r, w = os.pipe()\n"
      "def try_(f):\n"
      "    try:\n"
      "        f(); print('ok')\n"
      "    except OSError as e: print(e.errno)\n"
      "u = socket.socket(socket.AF_UNIX)\n"
      "try_(lambda: u.connect('/nonexistent/sock'))\n"
      "t = socket.socket(); t.close()\n"
      "try_(lambda: t.connect(('127.0.0.1', " + peer.port_text() + ")))\n";
  ChildResult plain = run_child({"python3", "-c", script});
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), {"python3", "-c", script});
  EXPECT_EQ(last.out, plain.out) << describe(plain) << describe(last);
  EXPECT_EQ(last.exit_code, 0) << describe(last);
}

// Real programs, unmodified.
class RealClients : public Connect {};

TEST_F(RealClients, CurlArrivesFromTheRuleSource) {
  SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD();
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                         {"curl", "-s", "-o", "/dev/null", "--max-time", "5", "http://127.0.0.1:" + peer.port_text() + "/"});
  expect_sources(peer, last, {"127.0.0.2"});
}

TEST_F(RealClients, CurlInterfaceOptionWinsOverTheConfig) {
  SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD();
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                         {"curl", "-s", "-o", "/dev/null", "--max-time", "5", "--interface", "127.0.0.5",
                          "http://127.0.0.1:" + peer.port_text() + "/"});
  expect_sources(peer, last, {"127.0.0.5"});
}

TEST_F(RealClients, WgetArrivesFromTheRuleSource) {
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                         {"wget", "-q", "-O", "/dev/null", "-T", "5", "-t", "1", "http://127.0.0.1:" + peer.port_text() + "/"});
  expect_sources(peer, last, {"127.0.0.2"});
}

TEST_F(RealClients, PythonSocketArrivesFromTheRuleSource) {
  last = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                         {"python3", "-c", "import socket; s = socket.create_connection(('127.0.0.1', " + peer.port_text() +
                                               ")); print(s.recv(64).decode())"});
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, last, {"127.0.0.2"}));
  EXPECT_THAT(last.out, HasSubstr("you are 127.0.0.2"));
}

}  // namespace
}  // namespace srcbind::test
