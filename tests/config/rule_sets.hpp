// Rule sets the config/ tests share: random ones built to collide, a
// 100,000-rule file, and the SPEC's matching sentence read literally (the
// reference the matcher, its image and the kernel's tables are checked against).
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule.hpp"

#include <cstdint>
#include <random>
#include <span>
#include <string>

namespace srcbind::test {

// Addresses from a small space, so that random prefixes nest and collide
// (one in eight is loopback).
IpAddress small_v4(std::mt19937& random);
IpAddress small_v6(std::mt19937& random);

// `count` random `[rule]` sections: 1-3 destinations from `prefix` (a prefix
// text or `*`), ports, protocols, programs (ftp, curl, wget), a source or an
// interface of one or both families; `on_error = continue`.
using PrefixMaker = std::string (*)(std::mt19937&);
std::string random_rules(std::mt19937& random, int count, PrefixMaker prefix);

// 100,000 rules: mostly /32 and /24 in one /12, some IPv6, ports, protocols and
// programs, then `*` for UDP.
std::string hundred_thousand_rules(std::mt19937& random);

// The SPEC's sentence, literally: among rules whose filters all match, the
// longest matching prefix wins; ties go to the rule written first. The rule's
// index, or Matcher::kNoRule.
std::uint32_t brute_force_find(std::span<const Rule> rules, std::span<const std::string> programs,
                               const Endpoint& destination, Protocol protocol);

}  // namespace srcbind::test
