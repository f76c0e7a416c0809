// DEST[:PORT] for --explain; and how the kernel's answer is printed.
#include "destination_spec.hpp"
#include "kernel_probe.hpp"

#include <gtest/gtest.h>
#include <cerrno>

namespace srcbind::cli {
namespace {

DestinationSpec ok(std::string_view text) {
  const ParsedDestination p = parse_destination(text);
  EXPECT_TRUE(p.spec) << text << ": " << p.error;
  return p.spec.value_or(DestinationSpec{});
}

std::string error(std::string_view text) { return parse_destination(text).error; }

TEST(DestinationSpec, ParsesIPv4WithAndWithoutPort) {
  EXPECT_EQ(ok("203.0.113.10:21").host, "203.0.113.10");
  EXPECT_EQ(ok("203.0.113.10:21").port, 21);
  EXPECT_EQ(ok("203.0.113.10").port, std::nullopt);
}

TEST(DestinationSpec, ParsesIPv6InBracketsAndBare) {
  EXPECT_EQ(ok("[2001:db8::1]:443").host, "2001:db8::1");
  EXPECT_EQ(ok("[2001:db8::1]:443").port, 443);
  EXPECT_EQ(ok("[2001:db8::1]").port, std::nullopt);
  EXPECT_EQ(ok("2001:db8::1").host, "2001:db8::1");
  EXPECT_EQ(ok("2001:db8::1").port, std::nullopt);
  EXPECT_EQ(ok("::1").host, "::1");
}

TEST(DestinationSpec, TakesTheZoneOfALinkLocalAddress) {
  EXPECT_EQ(ok("[fe80::b%lo]:22").host, "fe80::b");
  EXPECT_EQ(ok("[fe80::b%lo]:22").zone, "lo");
  EXPECT_EQ(ok("[fe80::b%lo]:22").port, 22);
  EXPECT_EQ(ok("fe80::b%lo").zone, "lo");
  EXPECT_NE(error("[fe80::b%no-such-nic0]:22").find("not an interface of this host"), std::string::npos);
}

TEST(DestinationSpec, KeepsHostNamesForTheResolver) {
  EXPECT_EQ(ok("ftp.example.org:21").host, "ftp.example.org");
  EXPECT_EQ(ok("localhost").host, "localhost");
}

TEST(DestinationSpec, RejectsMalformedInput) {
  for (const char* text : {"", "203.0.113.10:", "203.0.113.10:65536", "203.0.113.10:http", "[2001:db8::1",
                           "[2001:db8::1]443", "[203.0.113.10]:80", "2001:db8::zz", ":80"}) {
    EXPECT_NE(error(text), "") << '"' << text << '"';
  }
}

TEST(DestinationSpec, ResolvesLiteralsWithoutDns) {
  const ResolvedDestination r = resolve_destination("2001:db8::1");
  ASSERT_EQ(r.addresses.size(), 1u);
  EXPECT_FALSE(r.from_name);
  EXPECT_EQ(r.addresses[0].family, Family::v6);
}

TEST(KernelProbe, AnswersForLoopbackWithoutSendingAnything) {
  const KernelChoice c = kernel_source_for(*IpAddress::parse("127.0.0.1"), 9);
  ASSERT_TRUE(c.source) << describe(c);
  EXPECT_EQ(c.source->to_string(), "127.0.0.1");
}

TEST(KernelProbe, DescribesAMissingRouteGracefully) {
  KernelChoice c;
  c.error = ENETUNREACH;
  c.step = "connect";
  EXPECT_EQ(describe(c), "no route (ENETUNREACH: Network is unreachable)");
  c.error = ENODEV;
  c.step = "SO_BINDTODEVICE";
  EXPECT_EQ(describe(c), "unknown (SO_BINDTODEVICE: ENODEV: No such device)");
}

TEST(KernelProbe, ReportsAnUnknownDevice) {
  const KernelChoice c = kernel_source_for(*IpAddress::parse("127.0.0.1"), 9, "srcbindnodev0");
  EXPECT_FALSE(c.source);
  EXPECT_EQ(c.step, "SO_BINDTODEVICE");
}

}  // namespace
}  // namespace srcbind::cli
