// The lookup: (destination, port, protocol) → the winning rule, per SPEC:
// among rules whose filters (port, protocol, program, family) all match, the
// longest matching destination prefix wins; ties go to the rule written first;
// `*` never matches loopback.
//
// The index is one position-independent image (config/src/matcher_image.hpp):
// plain data at offsets, no pointers, built once for every program, so that it
// can be written to a file and looked up in place wherever it is read back.
// Program filters are resolved before any lookup, into one bit per rule
// (`applies`), so a lookup never compares strings.
//
// find_index() and find() allocate nothing, take no lock, make no syscall and
// are async-signal-safe. Their cost depends on the number of distinct prefix
// lengths, not on the number of rules (one hash probe per length, longest first).
#pragma once

#include "srcbind/address.hpp"
#include "srcbind/rule.hpp"

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace srcbind {

class Matcher {
 public:
  static constexpr std::uint32_t kNoRule = 0xFFFFFFFFu;

  // The index of `rules` as a position-independent image (host byte order,
  // offsets from the image's start, 8-byte aligned sections; its size is a
  // multiple of 8). Built for every program: candidates of rules with a
  // `program` filter are marked, and a matcher opened on the image consults
  // `applies` for them.
  static std::vector<std::byte> build_image(std::span<const Rule> rules);

  // Opens an image in place. Checks everything a lookup will read (magic and
  // format, every offset and count, slot tables, candidate and port ranges,
  // rule indices < rule_count) against image.size(), which must be the image's
  // exact size: a malformed or truncated image gives nullopt, never a crash or
  // a read outside it. `image` must be 8-byte aligned and, with `applies`,
  // outlive the matcher. `applies`: bit i (applies[i / 64] >> (i % 64) & 1)
  // set when rule i's program filter names this process; bits of rules without
  // a filter are not read, and it may be empty when no rule has one.
  static std::optional<Matcher> open(std::span<const std::byte> image, std::span<const std::uint64_t> applies,
                                     std::size_t rule_count) noexcept;

  // The image of `rules`, for a process called by one of `program_names`
  // (basename of /proc/self/exe, basename of argv[0]). `rules` must outlive the
  // matcher and must not move (find() returns pointers into it). The image and
  // `applies` are allocated from `memory` in one block (the preload library
  // passes a buffer in its hot data page, preload/runtime.hpp), which must
  // outlive the matcher.
  Matcher(std::span<const Rule> rules, std::span<const std::string> program_names,
          std::pmr::memory_resource* memory = std::pmr::get_default_resource());
  ~Matcher();
  Matcher(Matcher&& other) noexcept;
  Matcher& operator=(Matcher&& other) noexcept;   // a moved-from matcher matches nothing
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // The winning rule's position in the rules the image was built from, or kNoRule.
  // Protocol::any means "not known": protocol filters are ignored. The hooks use
  // that to skip the SO_TYPE syscall when no rule can match by address anyway.
  // `length`, when given, gets the winning prefix's length (the library weighs
  // its quick-mode rule against it: preload/runtime.hpp).
  std::uint32_t find_index(const Endpoint& destination, Protocol protocol, unsigned* length = nullptr) const noexcept {
    return destination.address.family == Family::v4 ? find_index_in<Family::v4>(destination, protocol, length)
                                                    : find_index_in<Family::v6>(destination, protocol, length);
  }
  // find_index() for an IPv4 destination, without the first-byte filter (the
  // caller asked ipv4_first_bytes' copy already) and the prefix length: the
  // library's fast paths, whose code should stay a few cache lines long.
  // `address` in host byte order, as a number (10.0.0.1 is 0x0A000001).
  std::uint32_t find_index_v4(std::uint32_t address, std::uint16_t port, Protocol protocol) const noexcept;
  // The winning rule, for a matcher constructed from rules; nullptr when none
  // matches, and always for a matcher from open().
  const Rule* find(const Endpoint& destination, Protocol protocol) const noexcept {
    return destination.address.family == Family::v4 ? find_in<Family::v4>(destination, protocol)
                                                    : find_in<Family::v6>(destination, protocol);
  }

  // Whether the first byte of `destination` leaves any rule a chance: false for
  // the usual unmatched destination (loopback, a byte no prefix starts with).
  // find_index() asks it too; the library asks it first, inlined into its
  // hooks' own code page, and calls the lookup only when it says yes.
  bool may_match(const Endpoint& destination) const noexcept {
    return may_match(destination.address.family, destination.address.bytes[0], destination.address.is_loopback());
  }
  // The same from the three facts it reads, for a caller that has not built
  // an Endpoint.
  bool may_match(Family family, unsigned first_byte, bool loopback) const noexcept {
    return filters_[family == Family::v4 ? 0 : 1].may_match(first_byte, loopback);
  }

  // The IPv4 filter above as 256 bits, one per first byte (ORed into `bits`):
  // set when a destination starting with that byte may match. Loopback is
  // the byte 127, so one bit says it all (the library's per-call view).
  void ipv4_first_bytes(std::uint64_t (&bits)[4]) const noexcept;

  // No rule applies to this process.
  bool empty() const noexcept { return empty_; }
  // Some rule that applies to this process has protocol tcp|udp.
  bool uses_protocol_filter() const noexcept { return uses_protocol_filter_; }

 private:
  Matcher() noexcept;
  // One family's lookup (config/src/matcher.cpp), out of line: find() and
  // find_index() stay small enough to be inlined into their callers, the
  // library's hooks among them (their page: preload/hot_path.hpp).
  template <Family family>
  std::uint32_t find_index_in(const Endpoint& destination, Protocol protocol, unsigned* length) const noexcept;
  template <Family family>
  const Rule* find_in(const Endpoint& destination, Protocol protocol) const noexcept;
  void summarize() noexcept;
  void take(Matcher& other) noexcept;
  void release() noexcept;

  // A family's first-byte filter (matcher_image.hpp, FamilyHeader), copied out
  // of the image: the usual unmatched destination (loopback, a byte no prefix
  // starts with) is turned away without reading the image, whose first page
  // is then not among the pages a call touches (bench/README.md).
  struct FirstByteFilter {
    std::uint64_t bytes[4] = {};   // bit b: some prefix of 8 bits or more starts with byte b
    bool any_byte = false;         // some prefix is shorter than a byte
    bool wildcard = false;         // some `*`: every byte, loopback excepted
    bool may_match(unsigned first_byte, bool loopback) const noexcept {
      return any_byte || (wildcard && !loopback) || ((bytes[first_byte >> 6] >> (first_byte & 63)) & 1) != 0;
    }
  };

  const std::byte* image_;                 // never null: an empty image when moved from
  const std::uint64_t* applies_ = nullptr;
  const Rule* rules_ = nullptr;            // constructed from rules only
  std::pmr::memory_resource* memory_ = nullptr;   // owns image_ (and applies_) when set
  std::size_t owned_bytes_ = 0;
  FirstByteFilter filters_[2];             // v4, v6; all zero: every destination turned away
  bool empty_ = true;
  bool uses_protocol_filter_ = false;
};

}  // namespace srcbind
