// Turning fuzzer bytes into rule sets and destinations, and printing them when a
// check fails. Used by fuzz_matcher (the whole case) and fuzz_ini_parser (the
// destinations).
//
// fuzz_matcher's input format (every read past the end gives 0, so any byte
// string is a case; fuzz/make_matcher_seeds.py writes the seeds):
//
//   byte  rule count (% 65)
//   rule  × count:
//     byte  flags: bits 0-1 destination count - 1 (3 → 1), bits 2-3 protocol
//           (0 any, 1 tcp, 2 udp, 3 any), bit 4 program filter, bit 5 interface,
//           bit 6 IPv4 source, bit 7 IPv6 source
//     pattern × destination count: byte kind, byte a, byte b, byte length (below)
//     byte  bits 0-1 port range count, bit 2 source_missing (a `source = @NAME`
//           that named nothing: the rule fails closed, for both families);
//           then per range: byte first port (port_of),
//           byte k, and when k % 4 != 0 a byte span (last = first + span)
//     byte  program mask (bit 0 curl, bit 1 wget; 0 → curl) if bit 4
//     byte  IPv4 source low byte if bit 6; byte IPv6 source low byte if bit 7
//   byte  program names of the process (bit 0 curl, bit 1 wget, bit 2 ftp)
//   query × until the input ends (at most kMaxQueries):
//     byte kind, byte a, byte b, byte port, byte protocol (% 3: any tcp udp)
#pragma once

#include "reference_matcher.hpp"
#include "srcbind/address.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace srcbind::fuzz {

inline constexpr std::size_t kMaxRules = 64;
inline constexpr std::size_t kMaxQueries = 48;

// Reads the input front to back; 0 once it is used up.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return offset_ >= size_; }
  std::uint8_t byte() { return empty() ? 0 : data_[offset_++]; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
};

// Prints what was wrong and stops: libFuzzer records the input as a crash.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "\n==== fuzz check failed ====\n%s\n", what.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

inline RawDestination v4_destination(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                                     std::uint16_t port) {
  RawDestination out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  out.port = port;
  return out;
}

// An AF_INET6 destination.
inline RawDestination v6_destination(std::array<std::uint8_t, 16> bytes, std::uint16_t port) {
  RawDestination out;
  out.v6 = true;
  out.bytes = bytes;
  out.port = port;
  return out;
}

// ::ffff:a.b.c.d on an AF_INET6 socket.
inline RawDestination mapped_destination(const RawDestination& v4) {
  std::array<std::uint8_t, 16> bytes{};
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  std::copy_n(v4.bytes.begin(), 4, bytes.begin() + 12);
  return v6_destination(bytes, v4.port);
}

// What a hook would decode from the socket call: goes through a real sockaddr.
inline Endpoint to_endpoint(const RawDestination& d) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (d.v6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(d.port);
    std::memcpy(&in6.sin6_addr, d.bytes.data(), 16);
    std::memcpy(&storage, &in6, sizeof in6);
    length = sizeof in6;
  } else {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(d.port);
    std::memcpy(&in.sin_addr, d.bytes.data(), 4);
    std::memcpy(&storage, &in, sizeof in);
    length = sizeof in;
  }
  Endpoint out;
  if (!Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length, out)) {
    fail("Endpoint::from_sockaddr refused a well-formed sockaddr");
  }
  return out;
}

inline std::string describe(const RawDestination& d) {
  char text[INET6_ADDRSTRLEN] = "?";
  inet_ntop(d.v6 ? AF_INET6 : AF_INET, d.bytes.data(), text, sizeof text);
  return (d.v6 ? "[" + std::string(text) + "]" : std::string(text)) + ":" + std::to_string(d.port);
}

inline std::string describe(const Rule& rule) {
  std::string out = "[rule " + rule.label() + "] destination =";
  for (const auto& pattern : rule.destinations) {
    out += " " + (pattern.wildcard ? "*(" + pattern.prefix.to_string() + ")" : pattern.prefix.to_string());
  }
  if (!rule.ports.empty()) {
    out += "; port =";
    for (const auto& range : rule.ports) out += " " + std::to_string(range.first) + "-" + std::to_string(range.last);
  }
  if (rule.protocol != Protocol::any) out += "; protocol = " + std::string(to_string(rule.protocol));
  if (!rule.programs.empty()) {
    out += "; program =";
    for (const auto& program : rule.programs) out += " " + program;
  }
  if (rule.source_v4) out += "; source4 = " + rule.source_v4->to_string();
  if (rule.source_v6) out += "; source6 = " + rule.source_v6->to_string();
  if (rule.source_missing) out += "; source = @(missing)";
  if (!rule.interface.empty()) out += "; interface = " + rule.interface;
  return out;
}

inline std::string describe(const Rule* rule) { return rule == nullptr ? "none" : rule->label(); }

// Checks one find() against the reference model; prints the whole case on a mismatch.
inline void check_find(const Matcher& matcher, const std::vector<Rule>& rules, const std::vector<std::string>& names,
                       const RawDestination& destination, Protocol protocol) {
  const Rule* actual = matcher.find(to_endpoint(destination), protocol);
  const Rule* expected = reference_find(rules, names, destination, protocol);
  if (actual == expected) return;
  std::string what = "Matcher::find(" + describe(destination) + ", " + std::string(to_string(protocol)) +
                     ") = " + describe(actual) + ", SPEC says " + describe(expected) + "\nprogram names:";
  for (const auto& name : names) what += " " + name;
  what += "\nrules:\n";
  for (const auto& rule : rules) what += "  " + describe(rule) + "\n";
  fail(what);
}

// ---- fuzz_matcher's case ----------------------------------------------------

struct MatcherQuery {
  RawDestination destination;
  Protocol protocol = Protocol::any;
};

struct MatcherCase {
  std::vector<Rule> rules;
  std::vector<std::string> program_names;
  std::vector<MatcherQuery> queries;
};

namespace detail {

inline Protocol protocol_of(unsigned bits) {
  return bits == 1 ? Protocol::tcp : bits == 2 ? Protocol::udp : Protocol::any;
}

// A prefix with its host bits cleared, as Prefix::parse would store it.
inline Prefix make_prefix(Family family, std::array<std::uint8_t, 16> bytes, unsigned length) {
  Prefix p;
  p.address.family = family;
  const unsigned max = family == Family::v4 ? 32 : 128;
  length = std::min(length, max);
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bit = i * 8;
    if (i >= max / 8 || bit >= length) {
      bytes[i] = 0;
    } else if (length - bit < 8) {
      bytes[i] &= static_cast<std::uint8_t>(0xff00u >> (length - bit));
    }
  }
  p.address.bytes = bytes;
  p.length = static_cast<std::uint8_t>(length);
  return p;
}

// 2001:db8:0:0:0:0:X:Y-ish addresses: few enough that prefixes nest and collide.
inline std::array<std::uint8_t, 16> doc_v6(std::uint8_t a, std::uint8_t b) {
  std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8};
  bytes[4] = a & 0x03;
  bytes[15] = b;
  return bytes;
}

// Destination patterns drawn from a small address space, so that rules collide,
// nest, and cover the queries.
inline void add_pattern(ByteReader& in, std::vector<DestinationPattern>& out) {
  const std::uint8_t kind = in.byte();
  const std::uint8_t a = in.byte();
  const std::uint8_t b = in.byte();
  const std::uint8_t length = in.byte();
  switch (kind % 8) {
    case 0:   // 198.51.100.b/len (len 16..32 mostly: stays near the range)
      out.push_back({make_prefix(Family::v4, {198, 51, 100, b}, length % 33), false});
      break;
    case 1:   // 127.a.0.b/len
      out.push_back({make_prefix(Family::v4, {127, static_cast<std::uint8_t>(a & 1), 0, b}, length % 33), false});
      break;
    case 2:   // 0.0.0.0/len (an explicit 0.0.0.0/0 matches loopback, `*` does not)
      out.push_back({make_prefix(Family::v4, {}, length % 33), false});
      break;
    case 3:   // 2001:db8::/len inside the documentation prefix
      out.push_back({make_prefix(Family::v6, doc_v6(a, b), length % 129), false});
      break;
    case 4:   // ::1/128, or ::/len
      out.push_back({make_prefix(Family::v6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128 - length % 2 * 128),
                     false});
      break;
    case 5:   // `*`: both families, as the parser stores it
    case 6: {
      DestinationPattern v4{make_prefix(Family::v4, {}, 0), true};
      DestinationPattern v6{make_prefix(Family::v6, {}, 0), true};
      if (a % 3 != 2) out.push_back(v4);   // 2: IPv6 only
      if (a % 3 != 1) out.push_back(v6);   // 1: IPv4 only
      break;
    }
    case 7:   // 198.51.a.b/len anywhere
      out.push_back({make_prefix(Family::v4, {198, 51, a, b}, length % 33), false});
      break;
  }
}

// Ports near the edges and a few common ones.
inline std::uint16_t port_of(std::uint8_t b) {
  static constexpr std::uint16_t kPorts[] = {1, 2, 21, 22, 53, 80, 443, 8080, 65534, 65535};
  return b < 200 ? static_cast<std::uint16_t>(b % 100) : kPorts[(b - 200) % std::size(kPorts)];
}

inline Rule decode_rule(ByteReader& in, std::size_t index) {
  Rule rule;
  rule.name = "r" + std::to_string(index);
  rule.file = "fuzz";
  rule.line = static_cast<unsigned>(index + 1);
  const std::uint8_t flags = in.byte();
  const unsigned destinations = (flags & 3) == 3 ? 1 : (flags & 3) + 1u;
  for (unsigned i = 0; i < destinations; ++i) add_pattern(in, rule.destinations);
  rule.protocol = protocol_of((flags >> 2) & 3);

  const std::uint8_t ports_and_missing = in.byte();
  const unsigned ranges = ports_and_missing % 4;
  rule.source_missing = (ports_and_missing & 4) != 0;   // a `@NAME` that named nothing
  for (unsigned i = 0; i < ranges; ++i) {
    const std::uint16_t first = std::max<std::uint16_t>(port_of(in.byte()), 1);
    const unsigned span = in.byte() % 4 == 0 ? 0u : in.byte();   // mostly single ports
    rule.ports.push_back({first, static_cast<std::uint16_t>(std::min(first + span, 65535u))});
  }
  if (flags & 0x10) {
    const std::uint8_t mask = in.byte();
    if (mask & 1 || (mask & 3) == 0) rule.programs.emplace_back("curl");
    if (mask & 2) rule.programs.emplace_back("wget");
  }
  if (flags & 0x20) rule.interface = "eth0";
  if (flags & 0x40) rule.source_v4 = *IpAddress::parse("198.51.100.1");
  if (flags & 0x40) rule.source_v4->bytes[3] = in.byte();
  if (flags & 0x80) rule.source_v6 = *IpAddress::parse("2001:db8::1");
  if (flags & 0x80) rule.source_v6->bytes[15] = in.byte();
  return rule;
}

inline MatcherQuery decode_query(ByteReader& in) {
  const std::uint8_t kind = in.byte();
  const std::uint8_t a = in.byte();
  const std::uint8_t b = in.byte();
  const std::uint16_t port = port_of(in.byte());
  MatcherQuery q;
  q.protocol = protocol_of(in.byte() % 3);
  switch (kind % 10) {
    case 0: q.destination = v4_destination(198, 51, 100, b, port); break;
    case 1: q.destination = v4_destination(198, 51, a, b, port); break;
    case 2: q.destination = v4_destination(127, a & 1, 0, b, port); break;
    case 3: q.destination = v4_destination(a, 0, 0, b, port); break;   // 0.0.0.x, 10.0.0.x, ...
    case 4: q.destination = mapped_destination(v4_destination(198, 51, 100, b, port)); break;
    case 5: q.destination = mapped_destination(v4_destination(127, 0, 0, b, port)); break;
    case 6: q.destination = v6_destination(doc_v6(a, b), port); break;
    case 7: q.destination = v6_destination({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, port); break;   // ::1
    // ::, ::2, ...
    case 8: q.destination = v6_destination({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a, b}, port); break;
    case 9: q.destination = v6_destination({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, a, b}, port); break;
  }
  return q;
}

}  // namespace detail

inline MatcherCase decode_matcher_case(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  MatcherCase c;
  const std::size_t rules = in.byte() % (kMaxRules + 1);
  c.rules.reserve(rules);
  for (std::size_t i = 0; i < rules; ++i) c.rules.push_back(detail::decode_rule(in, i));
  const std::uint8_t names = in.byte();
  if (names & 1) c.program_names.emplace_back("curl");
  if (names & 2) c.program_names.emplace_back("wget");
  if (names & 4) c.program_names.emplace_back("ftp");
  while (!in.empty() && c.queries.size() < kMaxQueries) c.queries.push_back(detail::decode_query(in));
  return c;
}

}  // namespace srcbind::fuzz
