// The shared rule sets of the config/ tests (rule_sets.hpp).
#include "rule_sets.hpp"

#include <string>

namespace srcbind::test {

IpAddress small_v4(std::mt19937& random) {
  IpAddress a;
  a.bytes[0] = random() % 8 == 0 ? 127 : 10;
  a.bytes[1] = 0;
  a.bytes[2] = static_cast<std::uint8_t>(random() % 2);
  a.bytes[3] = static_cast<std::uint8_t>(random() % 16);
  return a;
}

IpAddress small_v6(std::mt19937& random) {
  IpAddress a;
  a.family = Family::v6;
  if (random() % 8 == 0) {
    a.bytes[15] = 1;   // ::1
    return a;
  }
  a.bytes[0] = 0x20, a.bytes[1] = 0x01, a.bytes[2] = 0x0d, a.bytes[3] = 0xb8;
  a.bytes[15] = static_cast<std::uint8_t>(random() % 16);
  return a;
}

std::string random_rules(std::mt19937& random, int count, PrefixMaker prefix) {
  std::string text = "[srcbind]\non_error = continue\n";
  for (int i = 0; i < count; ++i) {
    text += "[rule]\ndestination = " + prefix(random);
    for (unsigned extra = random() % 3; extra > 0; --extra) text += ", " + prefix(random);
    text += "\n";
    if (random() % 3 == 0) {
      text += "port = " + std::to_string(20 + random() % 4);
      if (random() % 2) text += ", 440-450";
      text += "\n";
    }
    if (const unsigned r = random() % 4; r < 2) text += r == 0 ? "protocol = tcp\n" : "protocol = udp\n";
    if (const unsigned r = random() % 5; r < 2) text += r == 0 ? "program = ftp, curl\n" : "program = wget\n";
    switch (random() % 4) {
      case 0: text += "source = 198.51.100.12\n"; break;       // v4 only
      case 1: text += "source = 2001:db8:2::12\n"; break;      // v6 only
      case 2: text += "interface = eth0\n"; break;             // both families
      default: text += "source = 198.51.100.12, 2001:db8:2::12\n"; break;
    }
  }
  return text;
}

std::string hundred_thousand_rules(std::mt19937& random) {
  std::string text = "[srcbind]\non_error = continue\n";
  text.reserve(8 << 20);
  for (int i = 0; i < 100'000; ++i) {
    text += "[rule]\n";
    const bool v6 = random() % 10 == 0;
    static constexpr unsigned kV4Lengths[] = {32, 32, 32, 32, 32, 24, 24, 24, 20, 16, 12};
    static constexpr unsigned kV6Lengths[] = {128, 64, 64, 56, 48};
    IpAddress a;
    if (v6) {
      a.family = Family::v6;
      for (auto& b : a.bytes) b = static_cast<std::uint8_t>(random());
      a.bytes[0] = 0x20, a.bytes[1] = 0x01, a.bytes[2] = 0x0d, a.bytes[3] = 0xb8, a.bytes[4] = 0;
      a.bytes[5] &= 0x0f;
    } else {
      const std::uint32_t bits = (10u << 24) | (random() & 0x000FFFFFu);
      for (int b = 0; b < 4; ++b) a.bytes[b] = static_cast<std::uint8_t>(bits >> (24 - 8 * b));
    }
    const unsigned length = v6 ? kV6Lengths[random() % 5] : kV4Lengths[random() % 11];
    const auto parsed = parse_prefix(a.to_string() + "/" + std::to_string(length));
    text += "destination = " + (parsed.prefix ? *parsed.prefix : parsed.network).to_string() + "\n";
    if (random() % 10 == 0) {
      const unsigned first = 1 + random() % 1000;
      text += "port = " + std::to_string(first) + "-" + std::to_string(first + random() % 100) + ", 443\n";
    }
    if (const unsigned r = random() % 20; r < 2) text += r == 0 ? "protocol = tcp\n" : "protocol = udp\n";
    if (const unsigned r = random() % 20; r < 2) text += r == 0 ? "program = ftp, curl\n" : "program = wget\n";
    text += v6 ? "source = 2001:db8:2::12\n" : (random() % 20 == 0 ? "interface = eth0\n" : "source = 198.51.100.12\n");
  }
  text += "[rule everything]\ndestination = *\nsource = 198.51.100.12\nprotocol = udp\n";
  return text;
}

std::uint32_t brute_force_find(std::span<const Rule> rules, std::span<const std::string> programs,
                               const Endpoint& destination, Protocol protocol) {
  std::uint32_t best = Matcher::kNoRule;
  int best_length = -1;
  for (std::uint32_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    if (!rule.matches_program(programs) || !rule.applies_to(destination.address.family) ||
        !rule.matches_port(destination.port) || !rule.matches_protocol(protocol)) {
      continue;
    }
    for (const auto& pattern : rule.destinations) {
      if (!pattern.prefix.contains(destination.address)) continue;
      if (pattern.wildcard && destination.address.is_loopback()) continue;
      if (pattern.prefix.length > best_length) {
        best = i;
        best_length = pattern.prefix.length;
      }
    }
  }
  return best;
}

}  // namespace srcbind::test
