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

namespace srcbind::test {
namespace {

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
  int matched = 0, compared = 0, hashed = 0, walked = 0;
  for (int set = 0; set < 300; ++set) {
    const RuleTable table = parse(random_rules(random, 1 + static_cast<int>(random() % 12)));
    ASSERT_TRUE(table.ok()) << messages(table)[0];
    const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
    ASSERT_TRUE(tables.ok()) << tables.errors[0];
    (tables.hashed_v4.used ? hashed : walked) += 1;
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
        ASSERT_EQ(kernel_tables_find(tables, destination, protocol, program, /*trie_only=*/true), expected)
            << "set " << set << ", the trie, " << destination.address.to_string();
        ++compared;
        matched += expected.has_value();
      }
    }
  }
  EXPECT_GT(matched, compared / 4);   // the samples exercise matches, not only misses
  EXPECT_LT(matched, compared);       // and misses
  EXPECT_GT(hashed, 30);              // IPv4 looked up in hash tables
  EXPECT_GT(walked, 30);              // and, with more than six prefix lengths, in the trie
}

TEST(KernelRuleCompiler, AFamilyWithMoreThanSixPrefixLengthsIsLookedUpInItsTrie) {
  std::string text;
  for (int length = 26; length <= 32; ++length)
    text += "[rule l" + std::to_string(length) + "]\ndestination = 198.51.100.0/" + std::to_string(length) +
            "\nsource = 198.51.100.12\n";
  text += "[rule v6]\ndestination = 2001:db8::/64\nsource = 2001:db8::2\n";
  const RuleTable table = parse(text);
  ASSERT_TRUE(table.ok()) << messages(table)[0];
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  EXPECT_FALSE(tables.hashed_v4.used);
  EXPECT_TRUE(tables.hashed_v4.tables.empty());
  ASSERT_TRUE(tables.hashed_v6.used);
  EXPECT_EQ(tables.hashed_v6.tables.size(), 1u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.51.100.0", 21), Protocol::tcp, "x"), 6u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.51.100.3", 21), Protocol::tcp, "x"), 4u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.51.100.63", 21), Protocol::tcp, "x"), 0u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.51.100.64", 21), Protocol::tcp, "x"), std::nullopt);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("2001:db8::7", 21), Protocol::tcp, "x"), 7u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("2001:db8:1::7", 21), Protocol::tcp, "x"), std::nullopt);
}

TEST(KernelRuleCompiler, HashTablesAreLongestLengthFirstAndAtMostHalfFull) {
  const RuleTable table = parse(
      "[rule net]\ndestination = 198.51.100.0/24\nsource = 198.51.100.12\n"
      "[rule host]\ndestination = 198.51.100.7\nsource = 198.51.100.12\n"
      "[rule other]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n"
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n");
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_TRUE(tables.hashed_v4.used);
  ASSERT_EQ(tables.hashed_v4.tables.size(), 3u);   // /32, /24, /0
  const auto& t = tables.hashed_v4.tables;
  EXPECT_EQ(t[0].address_mask[0], 0xFFFFFFFFu);
  EXPECT_EQ(t[2].address_mask[0], 0u);
  std::size_t slots = 0;
  for (const sb_hash_table& each : t) {
    EXPECT_EQ(each.first, slots);
    slots += each.slot_mask + 1;
  }
  EXPECT_EQ(tables.hashed_v4.slots.size(), slots);
  EXPECT_GE(t[1].slot_mask + 1, 4u);   // two /24s in at least four slots
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.51.100.7", 21), Protocol::tcp, "x"), 1u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.51.100.8", 21), Protocol::tcp, "x"), 0u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("203.0.113.9", 21), Protocol::tcp, "x"), 2u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("198.18.0.1", 21), Protocol::tcp, "x"), 3u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("127.0.0.1", 21), Protocol::tcp, "x"), std::nullopt);
  // No IPv6 prefix: hashed, with no table, so every IPv6 destination misses at once.
  EXPECT_TRUE(tables.hashed_v6.used);
  EXPECT_TRUE(tables.hashed_v6.tables.empty());
}

TEST(KernelRuleCompiler, LoopbackNeedsAnExplicitRule) {
  const RuleTable table = parse(
      "[rule any]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule lo]\ndestination = 127.0.0.0/8\nport = 21\nsource = 198.51.100.12\n");
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  EXPECT_EQ(kernel_tables_find(tables, endpoint("127.0.0.1", 80), Protocol::tcp, "x"), std::nullopt);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("127.0.0.1", 21), Protocol::tcp, "x"), 1u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("203.0.113.1", 21), Protocol::tcp, "x"), 0u);
  EXPECT_EQ(kernel_tables_find(tables, endpoint("::1", 21), Protocol::tcp, "x"), std::nullopt);
}

TEST(KernelRuleCompiler, SourcesNotOnTheHostFailDatagramsWhenCompiled) {
  const RuleTable table = parse(
      "[rule here]\ndestination = *\nsource = 198.51.100.12, 2001:db8:9::1\n");
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_EQ(tables.rules.size(), 1u);
  EXPECT_EQ(tables.rules[0].actions[SB_DATAGRAM_V4].kind, SB_ACTION_STEER);
  EXPECT_EQ(tables.rules[0].actions[SB_DATAGRAM_V6].kind, SB_ACTION_FAIL);
  EXPECT_EQ(tables.rules[0].actions[SB_DATAGRAM_V6].error, EADDRNOTAVAIL);
}

TEST(KernelRuleCompiler, ProgramNamesTooLongForTheKernelAreErrors) {
  const RuleTable table = parse("[rule]\ndestination = *\nsource = 198.51.100.12\nprogram = " +
                                      std::string(64, 'p') + "\n");
  ASSERT_TRUE(table.ok());
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_EQ(tables.errors.size(), 1u);
  EXPECT_NE(tables.errors[0].find("longer than 63 bytes"), std::string::npos) << tables.errors[0];
}

TEST(KernelRuleCompiler, HundredThousandRulesDecideLikeTheMatcher) {
  std::mt19937 random(2024);
  const TempDir dir;
  const RuleTable table = load_config_file(dir.write("large.ini", hundred_thousand_rules(random)), fake_host());
  ASSERT_TRUE(table.ok());
  const KernelTables tables = compile_kernel_tables(table.rules, fake_host());
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables.hashed_v4.used);
  EXPECT_TRUE(tables.hashed_v6.used);
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
    ASSERT_EQ(kernel_tables_find(tables, destination, protocol, "curl", /*trie_only=*/true), expected);
    matched += expected.has_value();
  }
  EXPECT_GT(matched, 100);
}

// What the programs do with a matched rule, by the socket's state (kernel_tables.h,
// socket_verdicts()): the states a program can put a socket in, spelled out.
std::string socket_verdict(SocketCall call, unsigned bits) {
  const SocketVerdicts& v = socket_verdicts();
  const std::uint8_t verdict = v.table[sb_socket_verdict_index(call == SocketCall::datagram_send, bits)];
  switch (verdict) {
    case SB_SOCKET_APPLY: return "apply";
    case SB_SOCKET_APPLY_UNLESS_BIND: return "apply unless it binds a source";
    case SB_SOCKET_UNCHANGED: return "unchanged";
    default:
      if (verdict >= SB_SOCKET_LEFT_ALONE && verdict - SB_SOCKET_LEFT_ALONE < static_cast<int>(v.reasons.size()))
        return "left alone: " + std::string(v.reasons[verdict - SB_SOCKET_LEFT_ALONE]);
      return "bad verdict " + std::to_string(verdict);
  }
}

TEST(KernelSocketVerdicts, EachStateAProgramCanMakeIsDecidedAsTheLibraryDoes) {
  constexpr unsigned udp = SB_SOCKET_DATAGRAM, address = SB_SOCKET_ADDRESS, port = SB_SOCKET_PORT,
                     address_lock = SB_SOCKET_ADDRESS_LOCKED, port_lock = SB_SOCKET_PORT_LOCKED,
                     device = SB_SOCKET_DEVICE;
  const auto connect = [](unsigned bits) { return socket_verdict(SocketCall::connect, bits); };
  const auto send = [](unsigned bits) { return socket_verdict(SocketCall::datagram_send, bits); };
  const std::string tcp_bound = "left alone: a TCP socket bound by the program cannot be rebound";
  EXPECT_EQ(connect(0), "apply") << "a fresh TCP socket";
  EXPECT_EQ(connect(address | port | address_lock), tcp_bound) << "bind(address, 0)";
  EXPECT_EQ(connect(address | address_lock), tcp_bound) << "bind(address, 0) with IP_BIND_ADDRESS_NO_PORT";
  EXPECT_EQ(connect(port), tcp_bound) << "bind(0.0.0.0, 0): a TCP port only comes from bind()";
  EXPECT_EQ(connect(port | port_lock), tcp_bound) << "bind(0.0.0.0, PORT)";
  EXPECT_EQ(connect(device), "left alone: pinned to a device by the program");
  EXPECT_EQ(send(udp), "apply") << "a fresh UDP socket";
  EXPECT_EQ(send(udp | port), "apply") << "the kernel's port: bind(0.0.0.0, 0) or an earlier send";
  EXPECT_EQ(connect(udp), "apply") << "a fresh UDP socket connects (glibc's resolver)";
  EXPECT_EQ(connect(udp | port), "apply unless it binds a source") << "dig's pattern: the port must be given back";
  EXPECT_EQ(send(udp | port | port_lock), "left alone: bound by the program to a port of its own (a server's socket)");
  EXPECT_EQ(send(udp | address | port | address_lock), "left alone: bound by the program to an address");
  EXPECT_EQ(send(udp | address | port), "left alone: bound to an address (connected)") << "connected before";
  EXPECT_EQ(connect(udp | address | port), "left alone: already bound to an address") << "connects again";
  EXPECT_EQ(send(udp | device), "left alone: pinned to a device by the program");
}

TEST(KernelSocketVerdicts, AreDecideForEveryStateAndEveryReasonIsNamed) {
  const SocketVerdicts& v = socket_verdicts();
  EXPECT_EQ(v.reasons.front(), kKernelCannotGiveBackPort);
  Rule probe;
  probe.source_v4 = IpAddress::parse("127.0.0.2");
  Endpoint destination;
  destination.address.family = Family::v4;
  for (const SocketCall call : {SocketCall::connect, SocketCall::datagram_send}) {
    for (unsigned bits = 0; bits < SB_SOCKET_STATES; ++bits) {
      const Decision d = decide(probe, destination, call, kernel_socket_state(bits));
      const std::string got = socket_verdict(call, bits);
      if (d.verdict == Verdict::left_alone) {
        EXPECT_EQ(got, "left alone: " + std::string(d.reason)) << bits;
      } else if (d.verdict == Verdict::steer) {
        EXPECT_EQ(got, d.rebind_kernel_port ? "apply unless it binds a source" : "apply") << bits;
      } else {
        EXPECT_EQ(got, "unchanged") << bits;
      }
    }
  }
  for (std::size_t i = 0; i < v.reasons.size(); ++i) {
    for (std::size_t j = i + 1; j < v.reasons.size(); ++j) EXPECT_NE(v.reasons[i], v.reasons[j]);
  }
  EXPECT_LT(SB_SOCKET_LEFT_ALONE + v.reasons.size(), 256u);
}

}  // namespace
}  // namespace srcbind::test
