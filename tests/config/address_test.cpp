// Addresses, prefixes and sockaddr decoding.
#include "srcbind/address.hpp"

#include "test_support.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstring>

namespace srcbind::test {
namespace {

TEST(Address, ParsesIpv4AndIpv6) {
  const auto v4 = IpAddress::parse("198.51.100.12");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, Family::v4);
  EXPECT_EQ(v4->to_string(), "198.51.100.12");
  const auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, Family::v6);
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
}

TEST(Address, RejectsWhatIsNotAnAddress) {
  for (const char* text : {"", "198.51.100", "198.51.100.256", "1.2.3.4.5", "010.1.1.1x", "2001:db8:::1", "eth0",
                           "fe80::1%eth0", " 1.2.3.4"}) {
    EXPECT_FALSE(IpAddress::parse(text)) << text;
  }
}

TEST(Address, NormalisesIpv4MappedIpv6ToIpv4) {
  const auto mapped = IpAddress::parse("::ffff:203.0.113.10");
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->family, Family::v4);
  EXPECT_EQ(*mapped, ip("203.0.113.10"));
}

TEST(Address, KnowsLoopbackAndWildcard) {
  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("127.255.0.9").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_FALSE(ip("128.0.0.1").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
  EXPECT_TRUE(ip("0.0.0.0").is_wildcard());
  EXPECT_TRUE(ip("::").is_wildcard());
  EXPECT_FALSE(ip("0.0.0.1").is_wildcard());
}

TEST(Address, ConvertsIpv4ToMappedIn6Addr) {
  const in6_addr a = ip("198.51.100.101").to_in6_addr();
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, text, sizeof text);
  EXPECT_STREQ(text, "::ffff:198.51.100.101");
}

TEST(AddressPrefix, ParsesPrefixesAndBareAddresses) {
  const auto p = Prefix::parse("203.0.113.64/26");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 26);
  EXPECT_EQ(p->to_string(), "203.0.113.64/26");
  EXPECT_EQ(Prefix::parse("203.0.113.10")->length, 32);
  EXPECT_EQ(Prefix::parse("2001:db8::1")->length, 128);
  EXPECT_EQ(Prefix::parse("2001:db8:1::/48")->to_string(), "2001:db8:1::/48");
  EXPECT_EQ(Prefix::parse("0.0.0.0/0")->length, 0);
  EXPECT_EQ(Prefix::parse("::/0")->address.family, Family::v6);
}

TEST(AddressPrefix, HostBitsSetIsAnErrorThatSuggestsTheNetwork) {
  const PrefixParse parsed = parse_prefix("203.0.113.7/24");
  EXPECT_FALSE(parsed.prefix);
  EXPECT_EQ(parsed.error, PrefixError::host_bits_set);
  EXPECT_EQ(parsed.network.to_string(), "203.0.113.0/24");
  EXPECT_FALSE(Prefix::parse("2001:db8::1/64"));
}

TEST(AddressPrefix, SaysWhyALengthIsBad) {
  EXPECT_EQ(parse_prefix("10.0.0.0/33").error, PrefixError::length_out_of_range);
  EXPECT_EQ(parse_prefix("::/129").error, PrefixError::length_out_of_range);
  EXPECT_EQ(parse_prefix("10.0.0.0/").error, PrefixError::bad_length);
  EXPECT_EQ(parse_prefix("10.0.0.0/-1").error, PrefixError::bad_length);
  EXPECT_EQ(parse_prefix("10.0.0.0/8x").error, PrefixError::bad_length);
  EXPECT_EQ(parse_prefix("10.0.0.0/0008").error, PrefixError::bad_length);
  EXPECT_EQ(parse_prefix("10.0.0/8").error, PrefixError::bad_address);
}

TEST(AddressPrefix, MappedPrefixOf96OrMoreBecomesIpv4) {
  const auto p = Prefix::parse("::ffff:203.0.113.0/120");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address.family, Family::v4);
  EXPECT_EQ(p->length, 24);
  EXPECT_EQ(p->to_string(), "203.0.113.0/24");
  const auto all = Prefix::parse("::ffff:0.0.0.0/96");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->to_string(), "0.0.0.0/0");
}

TEST(AddressPrefix, ContainsOnlyAddressesOfItsFamily) {
  const auto p = *Prefix::parse("203.0.113.0/24");
  EXPECT_TRUE(p.contains(ip("203.0.113.255")));
  EXPECT_FALSE(p.contains(ip("203.0.114.0")));
  EXPECT_FALSE(Prefix::parse("::/0")->contains(ip("203.0.113.1")));
  EXPECT_TRUE(Prefix::parse("0.0.0.0/0")->contains(ip("203.0.113.1")));
  EXPECT_TRUE(Prefix::parse("2001:db8::/33")->contains(ip("2001:db8:7fff::1")));
  EXPECT_FALSE(Prefix::parse("2001:db8::/33")->contains(ip("2001:db8:8000::1")));
}

// A sockaddr_in, or a sockaddr_in6 for an address with a colon, for address:port.
sockaddr_storage socket_address(const char* address, std::uint16_t port) {
  sockaddr_storage storage{};
  if (std::strchr(address, ':') == nullptr) {
    auto& in = reinterpret_cast<sockaddr_in&>(storage);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    inet_pton(AF_INET, address, &in.sin_addr);
  } else {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(storage);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    inet_pton(AF_INET6, address, &in6.sin6_addr);
  }
  return storage;
}

// Endpoint::from_sockaddr takes the first `length` bytes at `sa` for address:port, mapped or not.
void expect_decoded(const void* sa, socklen_t length, std::string_view address, std::uint16_t port, bool mapped) {
  Endpoint e;
  ASSERT_TRUE(Endpoint::from_sockaddr(static_cast<const sockaddr*>(sa), length, e)) << address;
  EXPECT_EQ(e.address, ip(address));
  EXPECT_EQ(e.port, port);
  EXPECT_EQ(e.mapped, mapped);
}

TEST(AddressEndpoint, DecodesIpv4Sockaddr) {
  const sockaddr_storage sa = socket_address("203.0.113.10", 21);
  expect_decoded(&sa, sizeof(sockaddr_in), "203.0.113.10", 21, false);
}

TEST(AddressEndpoint, DecodesMappedIpv6SockaddrAsIpv4) {
  const sockaddr_storage sa = socket_address("::ffff:203.0.113.10", 443);
  expect_decoded(&sa, sizeof(sockaddr_in6), "203.0.113.10", 443, true);
}

TEST(AddressEndpoint, DecodesIpv6SockaddrIncludingTheShortRfc2133Form) {
  const sockaddr_storage sa = socket_address("2001:db8::5", 22);
  expect_decoded(&sa, 24, "2001:db8::5", 22, false);
}

TEST(AddressEndpoint, RefusesNullShortAndOtherFamilies) {
  Endpoint e;
  EXPECT_FALSE(Endpoint::from_sockaddr(nullptr, 16, e));
  sockaddr_in in{};
  in.sin_family = AF_INET;
  EXPECT_FALSE(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&in), sizeof in - 1, e));
  EXPECT_FALSE(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&in), 0, e));
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_FALSE(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&un), sizeof un, e));
}

TEST(AddressEndpoint, ReadsUnalignedSockaddr) {
  alignas(8) unsigned char buffer[sizeof(sockaddr_in) + 1]{};
  const sockaddr_storage sa = socket_address("198.51.100.101", 8080);
  std::memcpy(buffer + 1, &sa, sizeof(sockaddr_in));
  Endpoint e;
  ASSERT_TRUE(Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(buffer + 1), sizeof(sockaddr_in), e));
  EXPECT_EQ(e.port, 8080);
}

}  // namespace
}  // namespace srcbind::test
