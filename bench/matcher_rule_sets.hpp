// Generated configurations for the matcher benchmark, with destinations that hit
// and miss them.
#pragma once

#include "srcbind/address.hpp"

#include <string>
#include <vector>

namespace srcbind::bench {

// `count` rules: one `10.0.0.0/8` when count is 1, otherwise half distinct /32s
// (in 10.0.0.0/16) and half distinct /24s (10.1.0.0 upwards), in INI text.
std::string generate_rules(int count);

// 1024 destinations (a power of two, rotated through) that match one of those rules,
// a quarter of them by a /32 and the rest by a /24 (or the /8); and 1024 that match none.
std::vector<Endpoint> matching_destinations(int count);
std::vector<Endpoint> missing_destinations();

inline constexpr std::size_t kDestinations = 1024;

}  // namespace srcbind::bench
