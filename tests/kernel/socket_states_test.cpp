// The kernel backend decides for each state a socket can be in exactly as
// decide() does (config/include/srcbind/decision.hpp): a static client (which
// no preloaded library can reach) puts a socket in the state, `srcbind --kernel`
// runs it on loopback, and the source the server saw and the log line are
// checked against what decide() says for the state as the library sees it.
// Root only (cgroups and BPF); otherwise every test skips with the reason.
#include "child_process.hpp"
#include "peers.hpp"
#include "temp_dir.hpp"

#include "srcbind/decision.hpp"
#include "srcbind/kernel_rule_compiler.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

namespace srcbind {
namespace {

using test::Peer;

constexpr const char* kSource = "127.0.0.2";   // the rule's
constexpr const char* kKernels = "127.0.0.1";  // the kernel's own for 127.0.0.1
constexpr const char* kProgramsOwn = "127.0.0.4";
constexpr const char* kFreePort = "FREE_PORT";  // a UDP port nobody uses, chosen when the case runs

// A UDP port that was free a moment ago (the kernel's choice for port 0).
std::string free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  socklen_t length = sizeof at;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&at), &length) != 0) {
    if (fd >= 0) ::close(fd);
    return "0";
  }
  ::close(fd);
  return std::to_string(ntohs(at.sin_port));
}

struct StateCase {
  const char* name;
  Peer::Kind kind;
  std::vector<std::string> steps;   // kernel_client socket ... (after ADDR PORT)
  SocketCall call;
  SocketState state;                // as the library's fd table records it
  const char* left_alone_source;    // what the server sees when the socket is left alone
  bool kernel_cannot = false;       // decide() steers with rebind_kernel_port: BPF cannot give the port back
};

// gtest prints the case by its name (test lists, failures), not as bytes.
void PrintTo(const StateCase& c, std::ostream* out) { *out << c.name; }

SocketState tcp_state() { return {}; }
SocketState udp_state() {
  SocketState s;
  s.datagram = true;
  return s;
}

std::vector<StateCase> cases() {
  std::vector<StateCase> c;
  auto tcp = [&](const char* name, std::vector<std::string> steps, auto change, const char* own = kKernels) {
    SocketState s = tcp_state();
    change(s);
    c.push_back({name, Peer::Kind::tcp, std::move(steps), SocketCall::connect, s, own});
  };
  auto udp = [&](const char* name, std::vector<std::string> steps, SocketCall call, auto change,
                 const char* own = kKernels, bool kernel_cannot = false) {
    SocketState s = udp_state();
    change(s);
    c.push_back({name, Peer::Kind::udp, std::move(steps), call, s, own, kernel_cannot});
  };
  const auto fresh = [](SocketState&) {};
  const auto bound_to_address = [](SocketState& s) {
    s.bound_by_program = true;
    s.local_wildcard = false;
    s.has_port = true;
  };
  tcp("tcp_fresh", {"connect"}, fresh);
  tcp("tcp_bound_to_an_address", {"bind", kProgramsOwn, "0", "connect"}, bound_to_address, kProgramsOwn);
  tcp("tcp_bound_to_an_address_without_port", {"noport", "bind", kProgramsOwn, "0", "connect"},
      [](SocketState& s) {
        s.bound_by_program = true;
        s.local_wildcard = false;
      },
      kProgramsOwn);
  tcp("tcp_bound_to_the_wildcard_port_zero", {"bind", "0.0.0.0", "0", "connect"}, [](SocketState& s) {
    s.bound_by_program = true;
    s.has_port = true;
  });
  tcp("tcp_pinned_to_a_device", {"device", "lo", "connect"}, [](SocketState& s) { s.device_pinned = true; });
  udp("udp_fresh_send", {"send"}, SocketCall::datagram_send, fresh);
  udp("udp_fresh_connect", {"connect"}, SocketCall::connect, fresh);
  udp("udp_bound_to_the_wildcard_port_zero_send", {"bind", "0.0.0.0", "0", "send"}, SocketCall::datagram_send,
      [](SocketState& s) {
        s.has_port = true;
        s.port_chosen_by_kernel = true;
      });
  udp("udp_bound_to_the_wildcard_port_zero_connect", {"bind", "0.0.0.0", "0", "connect"}, SocketCall::connect,
      [](SocketState& s) {
        s.has_port = true;
        s.port_chosen_by_kernel = true;
      },
      kKernels, true);
  udp("udp_server_port_send", {"bind", "0.0.0.0", kFreePort, "send"}, SocketCall::datagram_send, [](SocketState& s) {
    s.bound_by_program = true;
    s.has_port = true;
  });
  udp("udp_bound_to_an_address_send", {"bind", kProgramsOwn, "0", "send"}, SocketCall::datagram_send,
      bound_to_address, kProgramsOwn);
  udp("udp_pinned_to_a_device_send", {"device", "lo", "send"}, SocketCall::datagram_send,
      [](SocketState& s) { s.device_pinned = true; });
  return c;
}

class KernelSocketStates : public ::testing::TestWithParam<StateCase> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (cgroups and BPF programs)";
    const test::ChildResult probe = test::run_child({SRCBIND_COMMAND_PATH, "--check", "--kernel", "-s", kSource});
    if (probe.exit_code != 0) GTEST_SKIP() << "the kernel backend cannot work here: " << probe.err;
  }
};

TEST_P(KernelSocketStates, AreDecidedAsDecideSays) {
  const StateCase& c = GetParam();
  const test::TempDir dir;
  const std::string config =
      dir.write("states.ini", std::string("[rule states]\ndestination = 127.0.0.1/32\nsource = ") + kSource + "\n");
  Rule rule;
  rule.name = "states";
  rule.source_v4 = IpAddress::parse(kSource);
  Endpoint destination;
  destination.address = *IpAddress::parse("127.0.0.1");
  const Decision d = decide(rule, destination, c.call, c.state);
  const bool steered = d.verdict == Verdict::steer && !c.kernel_cannot;
  ASSERT_TRUE(d.verdict == Verdict::steer || d.verdict == Verdict::left_alone) << "a state this test does not cover";

  const Peer peer(c.kind, "127.0.0.1");
  std::vector<std::string> argv = {SRCBIND_COMMAND_PATH, "--kernel", "-v", "-c", config, "--", KERNEL_CLIENT_PATH,
                                   "socket", c.kind == Peer::Kind::tcp ? "tcp" : "udp", "127.0.0.1", peer.port_text()};
  for (const std::string& step : c.steps) argv.push_back(step == kFreePort ? free_udp_port() : step);
  test::ChildOptions options;
  options.deadline = std::chrono::seconds(20);
  const test::ChildResult run = test::run_child(argv, options);
  ASSERT_EQ(run.exit_code, 0) << test::describe(run);
  ASSERT_TRUE(peer.wait_for(1)) << test::describe(run);
  EXPECT_EQ(peer.sources().back(), steered ? kSource : c.left_alone_source) << test::describe(run);

  if (steered) {
    EXPECT_NE(run.err.find(std::string(" -> ") + kSource + " (rule states)"), std::string::npos) << run.err;
  } else {
    const std::string reason = d.verdict == Verdict::left_alone ? d.reason : std::string(kKernelCannotGiveBackPort);
    EXPECT_NE(run.err.find(" left alone: " + reason + " (rule states)"), std::string::npos) << run.err;
  }
}

INSTANTIATE_TEST_SUITE_P(, KernelSocketStates, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace srcbind
