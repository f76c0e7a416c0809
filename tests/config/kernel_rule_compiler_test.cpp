// The kernel backend decides exactly as the library: the compiled tables plus the
// shared scan (kernel_tables.h) against Matcher::find, on random rule sets built
// to collide (nested prefixes, `*`, loopback, ports, protocols, programs) and on
// a 100,000-rule file.
#include "srcbind/kernel_rule_compiler.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include "rule_sets.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <random>

namespace srcbind {
namespace {

using test::fake_host;
using test::hundred_thousand_rules;
using test::small_v4;
using test::small_v6;

std::string describe(const std::vector<Rule>& rules, std::optional<std::uint32_t> index) {
  if (!index) return "none";
  return rules[*index].label() + " (line " + std::to_string(rules[*index].line) + ")";
}

std::optional<std::uint32_t> index_of(const std::vector<Rule>& rules, const Rule* rule) {
  if (rule == nullptr) return std::nullopt;
  return static_cast<std::uint32_t>(rule - rules.data());
}

std::string random_prefix(std::mt19937& random) {
  if (random() % 10 == 0) return "*";
  const bool v6 = random() % 3 == 0;
  const IpAddress a = v6 ? small_v6(random) : small_v4(random);
  const unsigned length = v6 ? 120 + random() % 9 : (random() % 5 == 0 ? 8 + random() % 8 : 24 + random() % 9);
  const auto parsed = parse_prefix(a.to_string() + "/" + std::to_string(length));
  return (parsed.prefix ? *parsed.prefix : parsed.network).to_string();
}

std::string random_rules(std::mt19937& random, int count) {
  return test::random_rules(random, count, random_prefix);
}

Endpoint random_destination(std::mt19937& random) {
  Endpoint e;
  e.address = random() % 2 ? small_v4(random) : small_v6(random);
  static constexpr std::uint16_t kPorts[] = {20, 21, 22, 23, 80, 440, 445, 450, 451};
  e.port = kPorts[random() % 9];
  return e;
}

TEST(KernelRuleCompiler, RandomRuleSetsDecideLikeTheMatcher) {
  std::mt19937 random(17);
  const std::string programs[] = {"ftp", "curl", "wget", "other"};
  int matched = 0, compared = 0;
  for (int set = 0; set < 300; ++set) {
    const RuleTable table = test::parse(random_rules(random, 1 + static_cast<int>(random() % 12)));
    ASSERT_TRUE(table.ok()) << test::messages(table)[0];
    const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
    ASSERT_TRUE(tables.ok()) << tables.errors[0];
    for (const std::string& program : programs) {
      const std::vector<std::string> names{program};
      const Matcher matcher(table.rules, names);
      for (int sample = 0; sample < 40; ++sample) {
        const Endpoint destination = random_destination(random);
        const Protocol protocol = random() % 2 ? Protocol::tcp : Protocol::udp;
        const auto expected = index_of(table.rules, matcher.find(destination, protocol));
        const auto actual = kernel_tables_find(tables, destination, protocol, program);
        ASSERT_EQ(actual, expected) << "set " << set << ", " << destination.address.to_string() << " port "
                                    << destination.port << " " << to_string(protocol) << " program " << program
                                    << ": matcher " << describe(table.rules, expected) << ", kernel tables "
                                    << describe(table.rules, actual);
        ++compared;
        matched += expected.has_value();
      }
    }
  }
  EXPECT_GT(matched, compared / 4);   // the samples exercise matches, not only misses
  EXPECT_LT(matched, compared);       // and misses
}

TEST(KernelRuleCompiler, LoopbackNeedsAnExplicitRule) {
  const RuleTable table = test::parse(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule lo]\ndestination = 127.0.0.0/8\nport = 21\nsource = 198.51.100.12\n");
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  EXPECT_EQ(kernel_tables_find(tables, test::endpoint("127.0.0.1", 80), Protocol::tcp, "x"), std::nullopt);
  EXPECT_EQ(kernel_tables_find(tables, test::endpoint("127.0.0.1", 21), Protocol::tcp, "x"), 1u);
  EXPECT_EQ(kernel_tables_find(tables, test::endpoint("203.0.113.1", 21), Protocol::tcp, "x"), 0u);
  EXPECT_EQ(kernel_tables_find(tables, test::endpoint("::1", 21), Protocol::tcp, "x"), std::nullopt);
}

TEST(KernelRuleCompiler, SourcesNotOnTheHostFailDatagramsWhenCompiled) {
  const RuleTable table = test::parse(
      "[rule here]\ndestination = *\nsource = 198.51.100.12, 2001:db8:9::1\n");
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_EQ(tables.rules.size(), 1u);
  EXPECT_EQ(tables.rules[0].actions[SB_DATAGRAM_V4].kind, SB_ACTION_STEER);
  EXPECT_EQ(tables.rules[0].actions[SB_DATAGRAM_V6].kind, SB_ACTION_FAIL);
  EXPECT_EQ(tables.rules[0].actions[SB_DATAGRAM_V6].error, EADDRNOTAVAIL);
}

TEST(KernelRuleCompiler, ProgramNamesTooLongForTheKernelAreErrors) {
  const RuleTable table = test::parse("[rule]\ndestination = *\nsource = 198.51.100.12\nprogram = " +
                                      std::string(64, 'p') + "\n");
  ASSERT_TRUE(table.ok());
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_EQ(tables.errors.size(), 1u);
  EXPECT_NE(tables.errors[0].find("longer than 63 bytes"), std::string::npos) << tables.errors[0];
}

TEST(KernelRuleCompiler, HundredThousandRulesDecideLikeTheMatcher) {
  std::mt19937 random(2024);
  const test::TempDir dir;
  const RuleTable table = load_config_file(dir.write("large.ini", hundred_thousand_rules(random)), fake_host());
  ASSERT_TRUE(table.ok());
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_TRUE(tables.ok());
  // Linear in the rules: a prefix's candidates are stored once, not copied into
  // the slices of the longer prefixes below it.
  EXPECT_LT(tables.candidates.size(), 3 * table.rules.size());

  const std::vector<std::string> names{"curl"};
  const Matcher matcher(table.rules, names);
  int matched = 0;
  for (int sample = 0; sample < 200; ++sample) {
    Endpoint destination;
    const Rule& near = table.rules[random() % table.rules.size()];
    destination.address = near.destinations[0].prefix.address;
    if (destination.address.family == Family::v4) destination.address.bytes[3] ^= static_cast<std::uint8_t>(random() % 4);
    else destination.address.bytes[15] ^= static_cast<std::uint8_t>(random() % 4);
    static constexpr std::uint16_t kPorts[] = {21, 80, 443, 500, 1000};
    destination.port = kPorts[random() % 5];
    const Protocol protocol = random() % 2 ? Protocol::tcp : Protocol::udp;
    const auto expected = index_of(table.rules, matcher.find(destination, protocol));
    const auto actual = kernel_tables_find(tables, destination, protocol, "curl");
    ASSERT_EQ(actual, expected) << destination.address.to_string() << " port " << destination.port;
    matched += expected.has_value();
  }
  EXPECT_GT(matched, 100);
}

}  // namespace
}  // namespace srcbind

namespace srcbind {
namespace {

// The action a BPF program can apply for decide()'s decision on a fresh socket,
// with the kernel backend's documented differences (README, "Two backends"): a
// datagram gets no device from BPF, and a source not on the host fails the
// datagram with EADDRNOTAVAIL when compiled (the kernel's UDP path would say
// EINVAL).
sb_action expected_action(const Decision& d, SocketCall call, bool source_local) {
  sb_action a{};
  if (d.verdict == Verdict::fail) return {SB_ACTION_FAIL, 0, SB_FAIL_SOURCE_MISSING, static_cast<__u8>(d.error)};
  if (d.verdict != Verdict::steer) return a;
  if (call == SocketCall::connect) {
    a.kind = SB_ACTION_STEER;
    if (d.set_device) a.flags |= SB_ACTION_SET_DEVICE;
    if (d.source != nullptr) a.flags |= SB_ACTION_BIND_SOURCE;
    return a;
  }
  if (d.source == nullptr) return a;
  if (!source_local) return {SB_ACTION_FAIL, 0, SB_FAIL_SOURCE_NOT_LOCAL, EADDRNOTAVAIL};
  return {SB_ACTION_STEER, SB_ACTION_PACKET_SOURCE, 0, 0};
}

std::string describe(const sb_action& a) {
  return "kind " + std::to_string(a.kind) + " flags " + std::to_string(a.flags) + " reason " +
         std::to_string(a.reason) + " error " + std::to_string(a.error);
}

struct ActionCase {
  const char* what;
  std::optional<const char*> source_v4, source_v6;
  const char* interface;
  bool source_missing;
};

Rule rule_of(const ActionCase& c) {
  Rule r;
  r.name = c.what;
  if (c.source_v4) r.source_v4 = IpAddress::parse(*c.source_v4);
  if (c.source_v6) r.source_v6 = IpAddress::parse(*c.source_v6);
  r.interface = c.interface;
  r.source_missing = c.source_missing;
  return r;
}

}  // namespace

// The BPF programs only apply what the compiler stored per rule and situation;
// that is decide()'s decision (config/include/srcbind/decision.hpp) for every
// kind of rule, call and family.
TEST(KernelRuleCompiler, ActionsAreTheLibrarysDecision) {
  const ActionCase cases[] = {
      {"IPv4 source", "198.51.100.12", std::nullopt, "", false},
      {"IPv6 source not on the host", std::nullopt, "2001:db8:9::1", "", false},
      {"both families", "198.51.100.110", "fe80::10", "eth0", false},
      {"interface only", std::nullopt, std::nullopt, "eth1", false},
      {"interface and source", "198.51.100.12", std::nullopt, "eth1", false},
      {"@NAME missing at start", std::nullopt, std::nullopt, "", true},
      {"IPv4 source not on the host", "203.0.113.99", std::nullopt, "", false},
  };
  std::vector<Rule> rules;
  for (const ActionCase& c : cases) rules.push_back(rule_of(c));
  const HostInterfaces host = fake_host();
  const KernelTables tables = compile_kernel_tables(rules, host);
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables.rules.size(), rules.size());
  int checked = 0;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (const SocketCall call : {SocketCall::connect, SocketCall::datagram_send}) {
      for (const Family family : {Family::v4, Family::v6}) {
        Endpoint destination = test::endpoint(family == Family::v4 ? "203.0.113.10" : "2001:db8::10", 21);
        SocketState fresh;
        fresh.datagram = call == SocketCall::datagram_send;
        const auto& source = rules[i].source_for(family);
        const sb_action want =
            expected_action(decide(rules[i], destination, call, fresh), call, !source || host.is_local(*source));
        const sb_action got = tables.rules[i].actions[situation(call, family)];
        EXPECT_EQ(describe(got), describe(want))
            << cases[i].what << (call == SocketCall::connect ? ", connect" : ", datagram")
            << (family == Family::v4 ? ", IPv4" : ", IPv6");
        ++checked;
        if (call != SocketCall::connect) continue;
        // A UDP socket that connects (glibc's resolver) gets the connect action.
        fresh.datagram = true;
        EXPECT_EQ(describe(got), describe(expected_action(decide(rules[i], destination, call, fresh), call, true)))
            << cases[i].what << ", connect of a UDP socket";
      }
    }
  }
  EXPECT_EQ(checked, 28);

  // The same, spelled out for the cases where the backends differ or fail.
  const auto action = [&](std::size_t rule, SocketCall call, Family family) {
    return describe(tables.rules[rule].actions[situation(call, family)]);
  };
  const auto steer = [](__u8 flags) { return describe({SB_ACTION_STEER, flags, 0, 0}); };
  EXPECT_EQ(action(0, SocketCall::connect, Family::v4), steer(SB_ACTION_BIND_SOURCE));
  EXPECT_EQ(action(0, SocketCall::datagram_send, Family::v4), steer(SB_ACTION_PACKET_SOURCE));
  EXPECT_EQ(action(0, SocketCall::connect, Family::v6), steer(0)) << "no IPv6 source: nothing to bind";
  EXPECT_EQ(action(1, SocketCall::connect, Family::v6), steer(SB_ACTION_BIND_SOURCE)) << "bpf_bind() says EADDRNOTAVAIL";
  EXPECT_EQ(action(1, SocketCall::datagram_send, Family::v6),
            describe({SB_ACTION_FAIL, 0, SB_FAIL_SOURCE_NOT_LOCAL, EADDRNOTAVAIL}));
  EXPECT_EQ(action(3, SocketCall::connect, Family::v4), steer(SB_ACTION_SET_DEVICE));
  EXPECT_EQ(action(3, SocketCall::datagram_send, Family::v4), describe({})) << "no per-datagram device from BPF";
  EXPECT_EQ(action(4, SocketCall::connect, Family::v4), steer(SB_ACTION_SET_DEVICE | SB_ACTION_BIND_SOURCE));
  for (const SocketCall call : {SocketCall::connect, SocketCall::datagram_send})
    EXPECT_EQ(action(5, call, Family::v4), describe({SB_ACTION_FAIL, 0, SB_FAIL_SOURCE_MISSING, EADDRNOTAVAIL}));
}

}  // namespace srcbind
