// decide(): the whole decision as a table. Each row is a sentence of the
// contract (docs/contract.md, "What the library does to a socket").
#include "srcbind/decision.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <string>

namespace srcbind {
namespace {

Rule rule_with(bool source, bool interface, bool source_missing = false) {
  Rule r;
  r.name = "r";
  if (source) r.source_v4 = IpAddress::parse("198.51.100.12");
  if (interface) r.interface = "eth1";
  r.source_missing = source_missing;
  return r;
}

Endpoint destination() {
  Endpoint e;
  e.address = *IpAddress::parse("203.0.113.10");
  e.port = 21;
  return e;
}

struct Row {
  const char* case_name;
  SocketCall call;
  SocketState socket;
  Rule rule;
  Verdict verdict;
  const char* reason = "";   // a substring of the reason, for left_alone and fail
  bool set_device = false, bind_no_port = false, rebind_kernel_port = false, packet_info = false;
  bool has_source = false;
};

// gtest names a failing row by this, not by a dump of its bytes.
void PrintTo(const Row& row, std::ostream* out) { *out << row.case_name; }

SocketState fresh(bool datagram) {
  SocketState s;
  s.datagram = datagram;
  return s;
}
SocketState with(SocketState s, void (*change)(SocketState&)) {
  change(s);
  return s;
}

const Rule kSource = rule_with(true, false);
const Rule kBoth = rule_with(true, true);
const Rule kDeviceOnly = rule_with(false, true);
const Rule kMissing = rule_with(true, false, true);

const Row kRows[] = {
    // connect on a fresh socket: device, then bind (NO_PORT for TCP)
    {"tcp fresh: bind with NO_PORT", SocketCall::connect, fresh(false), kSource, Verdict::steer, "", false, true, false,
     false, true},
    {"tcp fresh, rule with interface: device and bind", SocketCall::connect, fresh(false), kBoth, Verdict::steer, "",
     true, true, false, false, true},
    {"udp fresh: bind without NO_PORT", SocketCall::connect, fresh(true), kSource, Verdict::steer, "", false, false,
     false, false, true},
    {"interface-only rule: device, no bind", SocketCall::connect, fresh(false), kDeviceOnly, Verdict::steer, "", true,
     false, false, false, false},
    // repeated connect: unchanged, whatever the rule
    {"repeated connect on a bound socket", SocketCall::connect,
     with(fresh(false), [](SocketState& s) { s.repeated_connect = true; s.local_wildcard = false; s.has_port = true; }),
     kSource, Verdict::unchanged},
    {"repeated connect that never bound: decided again", SocketCall::connect,
     with(fresh(false), [](SocketState& s) { s.repeated_connect = true; }), kSource, Verdict::steer, "", false, true,
     false, false, true},
    // the program's own sockets
    {"tcp bound by the program", SocketCall::connect,
     with(fresh(false), [](SocketState& s) { s.bound_by_program = true; s.has_port = true; }), kSource,
     Verdict::left_alone, "TCP socket bound by the program"},
    {"udp bound to an address by the program (connect)", SocketCall::connect,
     with(fresh(true), [](SocketState& s) { s.bound_by_program = true; s.local_wildcard = false; }), kSource,
     Verdict::left_alone, "bound by the program to an address"},
    {"udp bound to the wildcard with its own port (send)", SocketCall::datagram_send,
     with(fresh(true), [](SocketState& s) { s.bound_by_program = true; s.has_port = true; }), kSource,
     Verdict::left_alone, "port of its own"},
    {"device pinned by the program", SocketCall::connect,
     with(fresh(false), [](SocketState& s) { s.device_pinned = true; }), kBoth, Verdict::left_alone,
     "pinned to a device"},
    {"device pinned by the program (send)", SocketCall::datagram_send,
     with(fresh(true), [](SocketState& s) { s.device_pinned = true; }), kSource, Verdict::left_alone,
     "pinned to a device"},
    {"connected datagram socket (send with an address)", SocketCall::datagram_send,
     with(fresh(true), [](SocketState& s) { s.local_wildcard = false; s.has_port = true; }), kSource,
     Verdict::left_alone, "bound to an address"},
    {"bound before the library saw it", SocketCall::datagram_send,
     with(fresh(true), [](SocketState& s) { s.has_port = true; }), kSource, Verdict::left_alone,
     "before srcbind saw it"},
    // ports the kernel chose (bind 0.0.0.0:0, an earlier send): still ours
    {"udp with a kernel-chosen port: per datagram", SocketCall::datagram_send,
     with(fresh(true), [](SocketState& s) { s.has_port = true; s.port_chosen_by_kernel = true; }), kSource,
     Verdict::steer, "", false, false, false, true, true},
    {"udp with a kernel-chosen port: connect keeps the port", SocketCall::connect,
     with(fresh(true), [](SocketState& s) { s.has_port = true; s.port_chosen_by_kernel = true; }), kSource,
     Verdict::steer, "", false, false, true, false, true},
    // datagrams on a fresh socket
    {"unconnected datagram: packet info", SocketCall::datagram_send, fresh(true), kSource, Verdict::steer, "", false,
     false, false, true, true},
    {"unconnected datagram, interface-only rule: packet info with the interface", SocketCall::datagram_send,
     fresh(true), kDeviceOnly, Verdict::steer, "", false, false, false, true, false},
    // a source that was not on the host at start fails closed
    {"@NAME missing at start (connect)", SocketCall::connect, fresh(false), kMissing, Verdict::fail,
     "was not on this host"},
    {"@NAME missing at start (send)", SocketCall::datagram_send, fresh(true), kMissing, Verdict::fail,
     "was not on this host"},
    {"@NAME missing, but the socket is the program's", SocketCall::connect,
     with(fresh(false), [](SocketState& s) { s.bound_by_program = true; }), kMissing, Verdict::left_alone,
     "bound by the program"},
};

class DecisionTable : public ::testing::TestWithParam<Row> {};

TEST_P(DecisionTable, DecidesAsTheContractSays) {
  const Row& row = GetParam();
  const Decision d = decide(row.rule, destination(), row.call, row.socket);
  EXPECT_EQ(d.verdict, row.verdict);
  if (row.verdict == Verdict::left_alone || row.verdict == Verdict::fail) {
    ASSERT_NE(d.reason, nullptr);
    EXPECT_NE(std::string(d.reason).find(row.reason), std::string::npos) << d.reason;
  }
  if (row.verdict == Verdict::fail) {
    EXPECT_EQ(d.error, EADDRNOTAVAIL);
  }
  if (row.verdict != Verdict::steer) return;
  EXPECT_EQ(d.set_device, row.set_device);
  EXPECT_EQ(d.bind_no_port, row.bind_no_port);
  EXPECT_EQ(d.rebind_kernel_port, row.rebind_kernel_port);
  EXPECT_EQ(d.packet_info, row.packet_info);
  EXPECT_EQ(d.source != nullptr, row.has_source);
  if (d.source) {
    EXPECT_EQ(d.source->to_string(), "198.51.100.12");
  }
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string name;
  for (const char* c = info.param.case_name; *c; ++c) name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Contract, DecisionTable, ::testing::ValuesIn(kRows), row_name);

TEST(Decision, ARuleWithoutASourceOfTheDestinationsFamilyAppliesOnlyItsInterface) {
  Endpoint v6;
  v6.address = *IpAddress::parse("2001:db8::1");
  const Decision d = decide(kBoth, v6, SocketCall::connect, fresh(false));
  EXPECT_EQ(d.verdict, Verdict::steer);
  EXPECT_EQ(d.source, nullptr);
  EXPECT_TRUE(d.set_device);
  EXPECT_FALSE(d.bind_no_port);
}

}  // namespace
}  // namespace srcbind
