#include "matcher_rule_sets.hpp"

#include <random>

namespace srcbind::bench {
namespace {

Endpoint v4(std::uint32_t bits, std::uint16_t port) {
  Endpoint e;
  for (int i = 0; i < 4; ++i) e.address.bytes[i] = static_cast<std::uint8_t>(bits >> (24 - 8 * i));
  e.port = port;
  return e;
}

std::string dotted(std::uint32_t bits) {
  return std::to_string(bits >> 24) + "." + std::to_string((bits >> 16) & 255) + "." +
         std::to_string((bits >> 8) & 255) + "." + std::to_string(bits & 255);
}

// The k-th /32 rule and the k-th /24 rule.
std::uint32_t host_route(std::uint32_t k) { return (10u << 24) | k; }
std::uint32_t network_route(std::uint32_t k) { return (10u << 24) | ((1u + (k >> 8)) << 16) | ((k & 255u) << 8); }

}  // namespace

std::string generate_rules(int count) {
  if (count == 1) return "[rule only]\ndestination = 10.0.0.0/8\nsource = 127.0.0.1\n";
  std::string text;
  text.reserve(static_cast<std::size_t>(count) * 64);
  for (int i = 0; i < count; ++i) {
    const auto k = static_cast<std::uint32_t>(i / 2);
    text += "[rule r" + std::to_string(i) + "]\ndestination = ";
    text += i % 2 == 0 ? dotted(host_route(k)) : dotted(network_route(k)) + "/24";
    text += "\nsource = 127.0.0.1\n";
  }
  return text;
}

std::vector<Endpoint> matching_destinations(int count) {
  std::mt19937 random(7);
  std::vector<Endpoint> out;
  const auto pairs = static_cast<std::uint32_t>(std::max(count / 2, 1));
  for (std::size_t i = 0; i < kDestinations; ++i) {
    const std::uint32_t k = random() % pairs;
    if (count == 1) {
      out.push_back(v4((10u << 24) | (random() & 0x00FFFFFFu), 443));
    } else if (i % 4 == 0) {
      out.push_back(v4(host_route(k), 443));
    } else {
      out.push_back(v4(network_route(k) | (1 + random() % 254), 443));
    }
  }
  return out;
}

std::vector<Endpoint> missing_destinations() {
  std::mt19937 random(11);
  std::vector<Endpoint> out;
  for (std::size_t i = 0; i < kDestinations; ++i) out.push_back(v4((172u << 24) | (16u << 16) | (random() & 0xFFFFu), 443));
  return out;
}

}  // namespace srcbind::bench
