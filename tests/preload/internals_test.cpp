// Unit tests of the library's internals that the subprocess suites reach only
// indirectly: the log line's address printer, the control-message merge, the
// fd table's transitions and the decisions the fast paths take from load. Their sources are compiled into this test directly.
#include "control_message.hpp"
#include "fd_table.hpp"
#include "line_buffer.hpp"
#include "plain_source.hpp"
#include "socket_entry.hpp"
#include "srcbind/compiled_rules.hpp"

#include <gmock/gmock.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>

namespace srcbind::preload {
namespace {

std::string printed(const IpAddress& a) {
  LineBuffer line;
  line.address(a);
  std::string_view text = line.finish();
  return std::string(text.substr(0, text.size() - 1));   // without the '\n'
}

std::string ntop6(const std::uint8_t (&bytes)[16]) {
  char text[INET6_ADDRSTRLEN];
  return inet_ntop(AF_INET6, bytes, text, sizeof text);
}

IpAddress raw_v6(const std::uint8_t (&bytes)[16]) {
  IpAddress a;
  a.family = Family::v6;
  std::memcpy(a.bytes.data(), bytes, 16);
  return a;
}

TEST(LineBufferAddress, WritesIpv6AsInetNtopDoesForTheAwkwardForms) {
  const char* samples[] = {"::",         "::1",          "::1.2.3.4",        "::ffff:1.2.3.4", "1::",
                           "1:0:0:1:0:0:0:1", "2001:db8::1", "fe80::b",         "0:0:1::",        "::2:0:0:1",
                           "1:2:3:4:5:6:7:8", "2001:db8:0:0:1:0:0:1", "::0.0.1.0", "64:ff9b::1.2.3.4"};
  for (const char* sample : samples) {
    std::uint8_t bytes[16];
    ASSERT_EQ(inet_pton(AF_INET6, sample, bytes), 1) << sample;
    // IpAddress::v6 turns ::ffff:a.b.c.d into IPv4; the printer must agree on
    // the raw form too.
    EXPECT_EQ(printed(raw_v6(bytes)), ntop6(bytes)) << sample;
  }
}

TEST(LineBufferAddress, WritesEveryRandomIpv6AsInetNtopDoes) {
  std::mt19937 random(20261130);
  for (int i = 0; i < 50000; ++i) {
    std::uint8_t bytes[16] = {};
    // Mostly zero groups, so that runs of every length and position occur.
    for (int g = 0; g < 8; ++g) {
      if (random() % 3 == 0) continue;
      const unsigned value = random() % 4 == 0 ? 1u : random() & 0xffffu;
      bytes[2 * g] = static_cast<std::uint8_t>(value >> 8);
      bytes[2 * g + 1] = static_cast<std::uint8_t>(value);
    }
    ASSERT_EQ(printed(raw_v6(bytes)), ntop6(bytes)) << "case " << i;
  }
}

TEST(LineBufferAddress, WritesIpv4AndEndpoints) {
  LineBuffer line;
  Endpoint e;
  ASSERT_TRUE(IpAddress::parse("203.0.113.10").has_value());
  e.address = *IpAddress::parse("203.0.113.10");
  e.port = 21;
  line.endpoint(e).text(" ");
  e.address = *IpAddress::parse("2001:db8::1");
  e.port = 443;
  line.endpoint(e);
  EXPECT_EQ(line.finish(), "203.0.113.10:21 [2001:db8::1]:443\n");
}

TEST(LineBufferText, LongTextIsCutButTheLineStillEnds) {
  LineBuffer line;
  line.text(std::string(2000, 'x'));
  const std::string_view text = line.finish();
  EXPECT_EQ(text.size(), 512u);
  EXPECT_EQ(text.back(), '\n');
}

// The log names a rule exactly as --check and --explain do (Rule::reference),
// from the record the library keeps of it (compiled_rules.hpp).
TEST(LineBufferRule, NamesARuleAsEveryOtherOutputDoes) {
  std::vector<Rule> rules(3);
  rules[0].name = "client-ftp";
  rules[0].line = 3;
  rules[1].line = 12;
  rules[2].file = "SRCBIND_SOURCE";
  const CompiledRules compiled = compile_rules(rules);
  const RuleRecords records = compiled.view();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RuleRecord& record = records.rules()[i];
    LineBuffer line;
    LabelBuffer buffer;
    line.rule(records.label(i, buffer), record.line);
    const std::string_view text = line.finish();
    EXPECT_EQ(text.substr(0, text.size() - 1), rules[i].reference());
  }
  EXPECT_EQ(rules[1].reference(), "rule at line 12");
}

// A control buffer holding one IP_TTL message, then `extra` bytes of garbage.
struct ProgramControl {
  alignas(cmsghdr) unsigned char bytes[128] = {};
  msghdr msg{};
  explicit ProgramControl(std::size_t extra = 0, bool with_ttl = true) {
    std::size_t used = 0;
    if (with_ttl) {
      auto* c = reinterpret_cast<cmsghdr*>(bytes);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_TTL;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      const int ttl = 7;
      std::memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
      used = CMSG_SPACE(sizeof(int));
    }
    std::memset(bytes + used, 0x5a, extra);
    msg.msg_control = bytes;
    msg.msg_controllen = used + extra;
  }
};

PacketInfo v4_info(const char* source) {
  PacketInfo info;
  info.present = true;
  info.level = IPPROTO_IP;
  info.type = IP_PKTINFO;
  inet_pton(AF_INET, source, &info.data.v4.ipi_spec_dst);
  return info;
}

TEST(ControlMessage, OnlyWholeMessagesAreWhatTheKernelReads) {
  EXPECT_EQ(kernel_visible_length(ProgramControl(0, false).msg), 0u);
  EXPECT_EQ(kernel_visible_length(ProgramControl(4, false).msg), 0u);   // shorter than a header
  EXPECT_EQ(kernel_visible_length(ProgramControl().msg), CMSG_LEN(sizeof(int)));
  EXPECT_EQ(kernel_visible_length(ProgramControl(7).msg), CMSG_LEN(sizeof(int)));   // trailing bytes ignored
  ProgramControl broken;
  reinterpret_cast<cmsghdr*>(broken.bytes)->cmsg_len = 1000;   // the kernel refuses this: passed on whole
  EXPECT_EQ(kernel_visible_length(broken.msg), broken.msg.msg_controllen);
}

// The merged buffer, read the way the kernel reads it: (level, type) pairs.
std::vector<std::pair<int, int>> messages(const msghdr& msg) {
  std::vector<std::pair<int, int>> out;
  for (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(c))) {
    out.emplace_back(c->cmsg_level, c->cmsg_type);
  }
  return out;
}

TEST(ControlMessage, MergeKeepsTheProgramsMessagesAndAppendsOurs) {
  ProgramControl program(5);   // with trailing garbage that must not come along
  ControlBuffer buffer;
  msghdr out{};
  ASSERT_TRUE(add_packet_info(program.msg, v4_info("127.0.0.2"), buffer, out));
  EXPECT_THAT(messages(out), ::testing::ElementsAre(std::pair{IPPROTO_IP, IP_TTL}, std::pair{IPPROTO_IP, IP_PKTINFO}));
  EXPECT_EQ(out.msg_controllen, CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in_pktinfo)));
}

TEST(ControlMessage, MergeWithShortProgramControlCarriesOursAlone) {
  ProgramControl program(4, false);
  ControlBuffer buffer;
  msghdr out{};
  ASSERT_TRUE(add_packet_info(program.msg, v4_info("127.0.0.2"), buffer, out));
  EXPECT_THAT(messages(out), ::testing::ElementsAre(std::pair{IPPROTO_IP, IP_PKTINFO}));
}

TEST(ControlMessage, MergeThatDoesNotFitIsRefused) {
  alignas(cmsghdr) unsigned char big[ControlBuffer::kCapacity] = {};
  auto* c = reinterpret_cast<cmsghdr*>(big);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(ControlBuffer::kCapacity - CMSG_LEN(0));
  msghdr msg{};
  msg.msg_control = big;
  msg.msg_controllen = sizeof big;
  ControlBuffer buffer;
  msghdr out{};
  EXPECT_FALSE(add_packet_info(msg, v4_info("127.0.0.2"), buffer, out));
}

TEST(ControlMessage, ProgramsOwnPacketInfoIsRecognised) {
  ControlBuffer buffer;
  msghdr with_ours{};
  ASSERT_TRUE(add_packet_info(ProgramControl().msg, v4_info("127.0.0.5"), buffer, with_ours));
  EXPECT_TRUE(has_packet_info(with_ours));
  EXPECT_FALSE(has_packet_info(ProgramControl().msg));
  EXPECT_FALSE(has_packet_info(ProgramControl(4, false).msg));
}

// socket()'s hook tells the usual socket in a few instructions before its call;
// what it records must be what the general classification says, for every
// family, type (with its flags) and protocol a program may ask for.
TEST(SocketEntry, TheUsualSocketsShortCutAgreesWithTheGeneralClassification) {
  using fd_table::entry_of_new_socket;
  const std::uint8_t tcp4 = fd_table::kFreshIpv4Stream;
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_STREAM, 0), tcp4);
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), tcp4);
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), tcp4);
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */), tcp4);
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET6, SOCK_STREAM, 0), entry_of_new_socket(true, false));
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), entry_of_new_socket(false, true));
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP), entry_of_new_socket(true, true));
  // Not steered: SCTP over a stream socket, ICMP "ping" sockets, raw, UNIX.
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP), 0);
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), 0);
  EXPECT_EQ(preload::entry_of_new_socket(AF_INET, SOCK_RAW, IPPROTO_UDP), 0);
  EXPECT_EQ(preload::entry_of_new_socket(AF_UNIX, SOCK_STREAM, 0), 0);
  for (int domain : {AF_UNIX, AF_INET, AF_INET6, AF_PACKET}) {
    for (int type : {int{SOCK_STREAM}, int{SOCK_DGRAM}, int{SOCK_RAW}, int{SOCK_SEQPACKET}}) {
      for (int flags : {0, int{SOCK_NONBLOCK}, int{SOCK_CLOEXEC}, SOCK_NONBLOCK | SOCK_CLOEXEC}) {
        for (int protocol : {0, int{IPPROTO_TCP}, int{IPPROTO_UDP}, int{IPPROTO_SCTP}, int{IPPROTO_ICMP}, 262, 1000}) {
          EXPECT_EQ(preload::entry_of_new_socket(domain, type | flags, protocol),
                    preload::entry_of_any_new_socket(domain, type | flags, protocol))
              << domain << " " << type << " " << flags << " " << protocol;
        }
      }
    }
  }
}

// Descriptor numbers far from the ones this process uses.
constexpr int kFd = 900000;

TEST(FdTableTransitions, SocketThenProgramBindThenClose) {
  fd_table::created(kFd, false, false);
  EXPECT_TRUE(fd_table::facts(kFd).known);
  EXPECT_FALSE(fd_table::facts(kFd).bound_by_program);
  fd_table::mark_bound_by_program(kFd);
  EXPECT_TRUE(fd_table::facts(kFd).bound_by_program);
  fd_table::forget(kFd);
  EXPECT_FALSE(fd_table::facts(kFd).known);
  EXPECT_FALSE(fd_table::facts(kFd).bound_by_program);
}

TEST(FdTableTransitions, DatagramSendOrWildcardBindMeansTheKernelChoseThePort) {
  fd_table::created(kFd, true, true);
  fd_table::note_send(kFd, false);
  EXPECT_TRUE(fd_table::facts(kFd).auto_bound);
  EXPECT_TRUE(fd_table::facts(kFd).ipv6);
  fd_table::created(kFd + 1, false, true);
  fd_table::mark_auto_bound(kFd + 1);
  EXPECT_TRUE(fd_table::facts(kFd + 1).auto_bound);
  EXPECT_FALSE(fd_table::facts(kFd + 1).bound_by_program);
  fd_table::forget_range(kFd, kFd + 1);
  EXPECT_FALSE(fd_table::facts(kFd).known);
  EXPECT_FALSE(fd_table::facts(kFd + 1).known);
}

TEST(FdTableTransitions, FastOpenSendIsAConnectAndDupCopiesTheFacts) {
  fd_table::created(kFd, false, false);
  fd_table::note_send(kFd, true);
  EXPECT_TRUE(fd_table::facts(kFd).connect_tried);
  EXPECT_FALSE(fd_table::facts(kFd).auto_bound);
  fd_table::copy(kFd, kFd + 2);
  EXPECT_TRUE(fd_table::facts(kFd + 2).connect_tried);
  fd_table::mark_device_pinned(kFd + 2);
  EXPECT_TRUE(fd_table::facts(kFd + 2).device_pinned);
  fd_table::forget(kFd);
  fd_table::forget(kFd + 2);
}

TEST(FdTableTransitions, NumbersOutsideTheTableAreNeverKnown) {
  fd_table::created(-1, false, false);
  fd_table::created(1 << 21, false, false);
  EXPECT_FALSE(fd_table::facts(-1).known);
  EXPECT_FALSE(fd_table::facts(1 << 21).known);
}

// The two states the fast paths decide alone (fd_table.hpp): a socket reaches
// them only as the hooks record it, and leaves them with anything else.
TEST(FdTableTransitions, OnlyAFreshIpv4StreamAndAnAutoBoundIpv4DatagramTakeTheFastPaths) {
  fd_table::created(kFd, false, false);
  EXPECT_EQ(fd_table::flags_of(kFd), fd_table::kFreshIpv4Stream);
  fd_table::mark_connect_tried_known(kFd);
  EXPECT_NE(fd_table::flags_of(kFd), fd_table::kFreshIpv4Stream);
  EXPECT_TRUE(fd_table::facts(kFd).connect_tried);

  fd_table::created(kFd, false, true);   // the number reused: a datagram socket
  EXPECT_NE(fd_table::flags_of(kFd), fd_table::kAutoBoundIpv4Datagram);   // its first send goes the full way
  fd_table::note_send(kFd, false);
  EXPECT_EQ(fd_table::flags_of(kFd), fd_table::kAutoBoundIpv4Datagram);
  fd_table::mark_device_pinned(kFd);
  EXPECT_NE(fd_table::flags_of(kFd), fd_table::kAutoBoundIpv4Datagram);

  fd_table::created(kFd, true, false);   // IPv6 sockets go the full way
  EXPECT_NE(fd_table::flags_of(kFd), fd_table::kFreshIpv4Stream);
  fd_table::created(kFd, false, false);
  fd_table::mark_bound_by_program(kFd);
  EXPECT_NE(fd_table::flags_of(kFd), fd_table::kFreshIpv4Stream);
  fd_table::forget(kFd);
  EXPECT_EQ(fd_table::flags_of(kFd), 0);
  EXPECT_EQ(fd_table::flags_of(-1), 0);
  EXPECT_EQ(fd_table::flags_of(1 << 21), 0);
}

// What the fast paths apply themselves: a rule's plain IPv4 source, for both
// calls; a device, a missing source or no IPv4 source leave it to the full way.
TEST(PlainSources, OnlyAnIpv4SourceWithoutADeviceIsPlain) {
  const auto plain = [](std::uint64_t word, SocketCall call) {
    return ((word >> (kPlainBit + static_cast<unsigned>(call))) & 1) != 0;
  };
  ActionRecord source;
  in_addr address{};
  inet_pton(AF_INET, "198.51.100.7", &address);
  source.source_v4_address = IpAddress::v4(address);
  source.has_source_v4 = true;
  const std::uint64_t word = plain_sources_of(source);
  EXPECT_TRUE(plain(word, SocketCall::connect));
  EXPECT_TRUE(plain(word, SocketCall::datagram_send));
  EXPECT_EQ(static_cast<std::uint32_t>(word), address.s_addr);

  ActionRecord with_device = source;
  std::memcpy(with_device.interface.text, "eth1", 5);
  ActionRecord missing = source;
  missing.source_missing = true;
  ActionRecord v6_only;
  v6_only.has_source_v6 = true;
  v6_only.source_v6_address.family = Family::v6;
  ActionRecord device_only;
  std::memcpy(device_only.interface.text, "eth1", 5);
  for (const ActionRecord* action : {&with_device, &missing, &v6_only, &device_only}) {
    EXPECT_FALSE(plain(plain_sources_of(*action), SocketCall::connect));
    EXPECT_FALSE(plain(plain_sources_of(*action), SocketCall::datagram_send));
  }
}

}  // namespace
}  // namespace srcbind::preload
