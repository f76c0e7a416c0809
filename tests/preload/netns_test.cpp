// Root-only integration tests, in a private network namespace (netns.hpp):
// IPv6 sources, interfaces, TCP Fast Open, the resolver claim and secure-exec.
// Without root every test here skips with the reason.
#include "netns.hpp"
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>

namespace srcbind::test {
namespace {

TEST(Ipv6, RuleBindsTheIpv6Source) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp, "2001:db8::1"};
  ChildResult r = run_with_config(one_rule("destination = 2001:db8::/32\nsource = 2001:db8::2"),
                                  tcp_client(peer, {}, "2001:db8::1"));
  expect_sources(peer, r, {"2001:db8::2"});
}

TEST(Ipv6, FamiliesAreNeverMixed) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp, "2001:db8::1"};
  ChildResult plain = run_child(tcp_client(peer, {}, "2001:db8::1"));
  ASSERT_TRUE(peer.wait_for(1)) << describe(plain);
  // A rule with only an IPv4 source does not apply to an IPv6 destination.
  ChildResult r = run_with_config(one_rule("destination = *, 2001:db8::/32\nsource = 127.0.0.2"),
                                  tcp_client(peer, {}, "2001:db8::1"));
  ASSERT_TRUE(peer.wait_for(2)) << describe(r);
  EXPECT_EQ(peer.sources()[1], peer.sources()[0]);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST(Ipv6, CurlOverIpv6ArrivesFromTheRuleSource) {
  SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD();
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp, "2001:db8::1"};
  ChildResult r = run_with_config(one_rule("destination = 2001:db8::1\nsource = 2001:db8::3"),
                                  {"curl", "-6", "-s", "-o", "/dev/null", "--max-time", "5",
                                   "http://[2001:db8::1]:" + peer.port_text() + "/"});
  expect_sources(peer, r, {"2001:db8::3"});
}

TEST(Ipv6, DatagramsGetTheIpv6SourcePerDatagram) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::udp, "2001:db8::1"};
  ChildResult r = run_with_config(one_rule("destination = 2001:db8::1\nsource = 2001:db8::2"),
                                  {test_client(), "udp", "2001:db8::1", peer.port_text(), "--reply"});
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"2001:db8::2"}));
  EXPECT_THAT(r.out, HasSubstr("replies=1"));
  EXPECT_THAT(r.out, HasSubstr("ttl-check local=:::"));   // still unbound
}

TEST(Ipv6, DatagramsKeepTheProgramsHopLimit) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::udp, "2001:db8::1"};
  ChildResult r = run_with_config(one_rule("destination = 2001:db8::1\nsource = 2001:db8::2"),
                                  {test_client(), "udp", "2001:db8::1", peer.port_text(), "--mode", "sendmsg", "--ttl", "9"});
  ASSERT_TRUE(peer.wait_for(1)) << describe(r);
  EXPECT_EQ(peer.seen()[0].source, "2001:db8::2");
  EXPECT_EQ(peer.seen()[0].ttl, 9);
}

TEST(Interface, RuleWithAnInterfacePinsTheSocket) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.1\ninterface = lo\nsource = 127.0.0.2"), tcp_client(peer));
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("dev=lo"));
}

TEST(Interface, ProgramsOwnDeviceIsKept) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.1\ninterface = nic0"),
                                  tcp_client(peer, {"--device", "lo"}));
  ASSERT_TRUE(peer.wait_for(1)) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("rc=0"));
  EXPECT_THAT(r.out, HasSubstr("dev=lo"));
}

// Runs the test client to `peer` under the one rule `rule`, which names
// `interface`: a veth that is up when the library loads and that the client
// deletes before its connect. Nothing when the veth cannot be made.
std::optional<ChildResult> run_while_interface_vanishes(const std::string& interface, const std::string& rule,
                                                        const Peer& peer) {
  const std::string add = "ip link add " + interface + " type veth peer name " + interface + "p";
  if (std::system((add + " && ip link set " + interface + " up").c_str()) != 0) return std::nullopt;
  ChildResult r = run_with_config(one_rule(rule), tcp_client(peer, {"--run", "ip link del " + interface}));
  std::system(("ip link del " + interface + " 2>/dev/null").c_str());
  return r;
}

TEST(Interface, InterfaceThatVanishedFailsWithEnodev) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  const auto r = run_while_interface_vanishes("gone0", "destination = 127.0.0.1\ninterface = gone0", peer);
  ASSERT_TRUE(r) << "cannot make the veth gone0";
  EXPECT_THAT(r->out, HasSubstr("connect#1 rc=-1 errno=ENODEV")) << describe(*r);
  EXPECT_FALSE(peer.wait_for(1, std::chrono::milliseconds(300)));
}

TEST(Interface, InterfaceThatVanishedWithContinueConnectsAsWithoutTheLibrary) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  const auto r =
      run_while_interface_vanishes("gone1", "destination = 127.0.0.1\ninterface = gone1\non_error = continue", peer);
  ASSERT_TRUE(r) << "cannot make the veth gone1";
  ASSERT_TRUE(peer.wait_for(1)) << describe(*r);
  EXPECT_THAT(r->out, HasSubstr("connect#1 rc=0"));
}

TEST(Interrupted, EintrRetryComesOutAsWithoutTheLibraryAndKeepsTheSource) {
  SRCBIND_REQUIRE_NETNS();
  std::vector<std::string> argv{test_client(), "tcp", "203.0.113.99", "80", "--eintr"};
  ChildResult plain = run_child(argv);
  ChildResult with = run_with_config(one_rule("destination = 203.0.113.99\nsource = 203.0.113.2"), argv);
  auto strip = [](const std::string& out) { return std::regex_replace(out, std::regex(" local=[^ ]*| dev=[^ \n]*"), ""); };
  EXPECT_THAT(plain.out, HasSubstr("connect#1 rc=-1 errno=EINTR")) << describe(plain);
  EXPECT_THAT(plain.out, HasSubstr("connect#2 rc=-1 errno=EALREADY")) << describe(plain);
  EXPECT_EQ(strip(with.out), strip(plain.out)) << describe(plain) << describe(with);
  EXPECT_THAT(with.out, HasSubstr("errno=EINTR local=203.0.113.2:")) << describe(with);
}

TEST(Interrupted, NonBlockingConnectToABlackHoleKeepsTheBoundSource) {
  SRCBIND_REQUIRE_NETNS();
  std::vector<std::string> argv{test_client(), "tcp", "203.0.113.99", "80", "--nonblock"};
  ChildResult with = run_with_config(one_rule("destination = 203.0.113.99\nsource = 203.0.113.2"), argv);
  EXPECT_THAT(with.out, HasSubstr("connect#1 rc=-1 errno=EINPROGRESS local=203.0.113.2:")) << describe(with);
  EXPECT_THAT(with.out, HasSubstr("connect#2 rc=-1 errno=EALREADY")) << describe(with);
}

TEST(FastOpen, SendtoWithMsgFastopenIsTreatedLikeConnect) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"), tcp_client(peer, {"--tfo"}));
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("connect#1 rc=0"));
}

TEST(FastOpen, CurlTcpFastopenArrivesFromTheRuleSource) {
  SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD();
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"),
                                  {"curl", "--tcp-fastopen", "-s", "-o", "/dev/null", "--max-time", "5",
                                   "http://127.0.0.1:" + peer.port_text() + "/"});
  expect_sources(peer, r, {"127.0.0.2"});
}

// glibc's stub resolver calls its internal __connect/__sendmmsg, which no
// preload library can interpose (docs/linux-facts.md Q1): name resolution keeps the
// kernel's source. The README says so; this proves it, over UDP and TCP.
class Resolver : public ::testing::Test {
 protected:
  void SetUp() override {
    SRCBIND_REQUIRE_NETNS();
    resolv_ = std::make_unique<TempFile>("nameserver 127.0.0.53\noptions timeout:1 attempts:1" + options_ + "\n", ".conf");
    ASSERT_EQ(mount(resolv_->path().c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr), 0) << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount2("/etc/resolv.conf", MNT_DETACH);
  }
  std::string options_;
  std::unique_ptr<TempFile> resolv_;
  bool mounted_ = false;
};

TEST_F(Resolver, UdpQueriesKeepTheKernelsSource) {
  Peer dns{Peer::Kind::udp, "127.0.0.53", 53};
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.53\nsource = 127.0.0.2"), {"getent", "hosts", "foo.test"});
  ASSERT_TRUE(dns.wait_for(1)) << describe(r);
  EXPECT_THAT(dns.sources(), Each(std::string("127.0.0.1")));
  // The same rule does apply to a program's own datagrams to that address.
  const std::size_t before = dns.seen().size();
  ChildResult own = run_with_config(one_rule("destination = 127.0.0.53\nsource = 127.0.0.2"),
                                    {test_client(), "udp", "127.0.0.53", "53"});
  ASSERT_TRUE(dns.wait_for(before + 1)) << describe(own);
  EXPECT_EQ(dns.sources().back(), "127.0.0.2");
}

class ResolverOverTcp : public Resolver {
 protected:
  ResolverOverTcp() { options_ = " use-vc"; }
};

TEST_F(ResolverOverTcp, TcpQueriesKeepTheKernelsSource) {
  Peer dns{Peer::Kind::tcp, "127.0.0.53", 53};
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.53\nsource = 127.0.0.2"), {"getent", "hosts", "foo.test"});
  ASSERT_TRUE(dns.wait_for(1)) << describe(r);
  EXPECT_THAT(dns.sources(), Each(std::string("127.0.0.1")));
}

// A private /etc (tmpfs, this mount namespace only) whose ld.so.preload holds the
// library, which reaches even setuid programs (docs/linux-facts.md Q10), with a
// root-owned srcbind.ini of `system_rule` and a setuid-root copy of the test
// client at /etc/setuid-client. Unmounted when the test ends.
class PrivateEtcWithSetuidClient {
 public:
  explicit PrivateEtcWithSetuidClient(const std::string& system_rule) {
    mounted_ = mount("tmpfs", "/etc", "tmpfs", 0, "mode=0755") == 0;
    if (!mounted_) return;
    std::ofstream("/etc/ld.so.preload") << preload_list() << "\n";
    std::ofstream("/etc/srcbind.ini") << system_rule;
    chmod("/etc/srcbind.ini", 0644);
    std::filesystem::copy_file(test_client(), "/etc/setuid-client");
    chmod("/etc/setuid-client", 04755);
  }
  ~PrivateEtcWithSetuidClient() {
    if (mounted_) umount2("/etc", MNT_DETACH);
  }
  PrivateEtcWithSetuidClient(const PrivateEtcWithSetuidClient&) = delete;
  PrivateEtcWithSetuidClient& operator=(const PrivateEtcWithSetuidClient&) = delete;
  bool mounted() const { return mounted_; }

 private:
  bool mounted_ = false;
};

// Runs `program` (tcp to the peer) as nobody.
ChildResult run_as_nobody(const std::string& program, const Peer& peer, const ChildOptions& options) {
  return run_child({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", program, "tcp", "127.0.0.1",
                    peer.port_text()},
                   options);
}

// Secure-execution mode: a setuid-root copy of the test client run by nobody.
// The loader drops LD_PRELOAD itself, so the library is put in /etc/ld.so.preload
// (of a private /etc, in this mount namespace only), which reaches even setuid
// programs (docs/linux-facts.md Q10). The library must then ignore every SRCBIND_*
// variable and read only /etc/srcbind.ini.
TEST(SecureExecution, SetuidProgramIgnoresSrcbindVariablesAndReadsOnlyEtc) {
  SRCBIND_REQUIRE_NETNS();
  PrivateEtcWithSetuidClient etc(one_rule("destination = 127.0.0.1\nsource = 127.0.0.3"));
  ASSERT_TRUE(etc.mounted()) << std::strerror(errno);
  TempFile user_config(one_rule("destination = 127.0.0.1\nsource = 127.0.0.4"));

  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.env = {{"SRCBIND_SOURCE", "127.0.0.2"}, {"SRCBIND_CONFIG", user_config.path()}, {"SRCBIND_LOG", "off"}};
  ChildResult r = run_as_nobody("/etc/setuid-client", peer, options);
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.3"}));

  // The same, not setuid: the variables count (SRCBIND_CONFIG wins over /etc).
  ChildResult plain = run_as_nobody(test_client(), peer, options);
  ASSERT_TRUE(peer.wait_for(2)) << describe(plain);
  EXPECT_EQ(peer.sources()[1], "127.0.0.4") << describe(plain);
}

// The test client's connection to `destination` (fe80::b, on nic0peer) under the
// one rule `rule` must leave from fe80::a on nic0: fe80::a%nic0peer, as the
// peer's side of the link names it.
void expect_link_local_source(const std::string& rule, const std::string& destination) {
  Peer peer{Peer::Kind::tcp, "::"};
  ChildResult r = run_with_config(one_rule(rule), tcp_client(peer, {}, destination));
  expect_sources(peer, r, {"fe80::a%nic0peer"});
}

TEST(LinkLocal, SourceIsBoundWithTheDestinationsScope) {
  SRCBIND_REQUIRE_NETNS();
  expect_link_local_source("destination = fe80::b\nsource = fe80::a", "fe80::b%nic0");
}

TEST(LinkLocal, SourceTakesTheRulesInterfaceWhenTheDestinationHasNoScope) {
  SRCBIND_REQUIRE_NETNS();
  // Without a scope the kernel cannot route fe80::b at all; with the rule's
  // interface the socket is pinned to nic0 and the bind carries its index.
  expect_link_local_source("destination = fe80::b\nsource = fe80::a\ninterface = nic0", "fe80::b");
}

TEST(PingSocket, IsNotUdpAndIsLeftAloneSayingWhy) {
  SRCBIND_REQUIRE_NETNS();
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  ChildResult r = run_with_config(one_rule("destination = 127.0.0.1\nprotocol = udp\nsource = 127.0.0.2"),
                                  {test_client(), "ping", "127.0.0.1", "0"}, options);
  EXPECT_THAT(r.out, HasSubstr("reply-to=127.0.0.1")) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("left alone: not a TCP or UDP socket")) << describe(r);
  EXPECT_THAT(r.err, Not(HasSubstr("udp 127.0.0.1")));
}

// In a chroot or a container without /proc the program's name is still known.
TEST(ProgramName, ProgramRulesMatchWithoutProc) {
  SRCBIND_REQUIRE_NETNS();
  Peer peer{Peer::Kind::tcp};
  const std::string client = test_client() + " tcp 127.0.0.1 " + peer.port_text();
  ChildResult r = run_with_config(
      one_rule("destination = 127.0.0.1\nprogram = srcbind_test_client\nsource = 127.0.0.2"),
      {"unshare", "--mount", "--propagation", "private", "sh", "-c",
       "mount -t tmpfs none /proc && test ! -e /proc/self/exe && exec " + client});
  expect_sources(peer, r, {"127.0.0.2"});
}

// The per-user file ($XDG_CONFIG_HOME/srcbind/srcbind.ini) is a choice of the
// environment too: a setuid program never reads it, the same program without the
// bit does.
TEST(SecureExecution, SetuidProgramIgnoresThePerUserFile) {
  SRCBIND_REQUIRE_NETNS();
  PrivateEtcWithSetuidClient etc(one_rule("destination = 127.0.0.1\nsource = 127.0.0.3"));
  ASSERT_TRUE(etc.mounted()) << std::strerror(errno);
  std::filesystem::create_directories("/etc/nobody-config/srcbind");
  std::ofstream("/etc/nobody-config/srcbind/srcbind.ini") << one_rule("destination = 127.0.0.1\nsource = 127.0.0.4");
  chmod("/etc/nobody-config/srcbind/srcbind.ini", 0644);

  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.env = {{"XDG_CONFIG_HOME", "/etc/nobody-config"}, {"SRCBIND_LOG", "off"}};
  ChildResult r = run_as_nobody("/etc/setuid-client", peer, options);
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.3"}));

  ChildResult plain = run_as_nobody(test_client(), peer, options);
  ASSERT_TRUE(peer.wait_for(2)) << describe(plain);
  EXPECT_EQ(peer.sources()[1], "127.0.0.4") << describe(plain);
}

}  // namespace
}  // namespace srcbind::test
