// The compiled rule table's file: `srcbind --compile` writes, next to the INI
// file F, F.compiled holding the validated rules in a binary, position-independent
// form, and the library reads it whole into private memory instead of parsing F,
// when it is fresh (made from F as it is now) and trusted like F. Otherwise the
// INI text is read: it is always the truth. This is the container only (header,
// section directory, staleness, trust, atomic write, safe read); what a section
// holds is its owner's.
//
// On disk, in the writer's byte order (all offsets from the start of the file):
//
//   offset  size     field
//   0       16       magic "srcbind-table\0\0\0"
//   16      4        format: kCompiledTableFormat
//   20      4        byte-order mark 0x01020304
//   24      4        machine: the writer's ELF e_machine (62 x86-64, 183 aarch64, ...)
//   28      4        pointer size: sizeof(void*)
//   32      4        header size: 112, where the section directory starts
//   36      4        section count, at most kMaxCompiledSections
//   40      8        file size: must equal the size fstat reports and the bytes read
//   48      8        checksum of the header and directory (sums of their 8-byte words,
//                    this field as 0); a section's bytes are its owner's to check
//   56      56       the INI's SourceIdentity: device, inode, size (u64), modified s, ns,
//                    changed s, ns (i64)
//   112     24 each  section directory: tag (u32), zero (u32), offset (u64), size (u64)
//   112+24n ...      the section area: sections at 8-byte aligned offsets, in
//                    directory order, none overlapping another or the directory,
//                    each followed by zeros to the next multiple of 8 (so is the file)
#pragma once

#include "srcbind/config_file.hpp"
#include "srcbind/prefaulted_buffer.hpp"

#include <sys/stat.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace srcbind {
namespace detail {
struct CompiledTableHeader;   // compiled_table_file.cpp
}

// Bumped whenever the header or any section's layout changes: a table in
// another format is not read (the INI is, until the table is compiled again).
inline constexpr std::uint32_t kCompiledTableFormat = 3;
inline constexpr std::size_t kMaxCompiledSections = 16;
// Far above a table of 1,000,000 rules; stops a runaway file from eating the
// host program's memory.
inline constexpr std::uint64_t kMaxCompiledTableSize = std::uint64_t{512} << 20;

// The INI file a compiled table was made from, as stat() saw it.
struct SourceIdentity {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t modified_s = 0, modified_ns = 0, changed_s = 0, changed_ns = 0;
  // nullopt for anything but a regular file: nothing else can be compiled.
  static std::optional<SourceIdentity> of(const struct stat& st) noexcept;
  friend bool operator==(const SourceIdentity&, const SourceIdentity&) = default;
};

// ini_path + ".compiled"
std::string compiled_table_path(std::string_view ini_path);

// The sections, docs/compiled-table.md ("Layout").
enum class SectionTag : std::uint32_t {
  settings = 1, rules = 2, actions = 3, text = 4, programs = 5, matcher = 6, label_blocks = 7, labels = 8
};
// A section's bytes; in the file, and in memory once read, they start 8-byte aligned.
struct SectionView {
  SectionTag tag;
  std::span<const std::byte> bytes;
};

// Writes atomically: a temporary file in the same directory (created exclusively),
// written whole, synced, then renamed over `path`; the temporary is removed on any
// failure. A symlink at `path` is replaced, never written through. The mode is the
// INI's (`path` without ".compiled") without write for group and others or any
// execute bit, else 0644; the umask does not narrow it (every process loading the
// library reads the table). Returns "cannot write PATH: why", or empty on success.
std::string write_compiled_table(const std::string& path, const SourceIdentity& source,
                                 std::span<const SectionView> sections);

// A table read whole into private, 8-byte aligned memory: no descriptor kept, no
// mapping of the file (one truncated meanwhile could raise SIGBUS in the host
// program).
class CompiledTableFile {
 public:
  // Why a table is not used, for `srcbind --check` and the library's debug log.
  enum class Status {
    used,
    absent,
    unreadable,
    untrusted,
    not_a_regular_file,
    too_large,
    truncated,
    not_a_table,
    other_format,
    other_architecture,
    stale,
  };

  // Never blocks (a FIFO is refused without waiting), never throws, never crashes
  // on any content. `path` is followed if it is a symlink; `trust` is judged on
  // what was opened, as for the INI. `expected`: the INI's identity now; a table
  // made from another state of the INI is `stale`.
  static CompiledTableFile read(const std::string& path, FileTrust trust, const SourceIdentity& expected) noexcept;

  CompiledTableFile() = default;   // no table: absent
  CompiledTableFile(CompiledTableFile&&) noexcept = default;
  CompiledTableFile& operator=(CompiledTableFile&&) noexcept = default;
  CompiledTableFile(const CompiledTableFile&) = delete;
  CompiledTableFile& operator=(const CompiledTableFile&) = delete;
  ~CompiledTableFile() = default;

  Status status() const noexcept { return status_; }
  // One line, empty when used: "stale: FILE changed after it was compiled (run
  // srcbind --compile -c FILE)".
  const std::string& problem() const noexcept { return problem_; }
  // A section of a used table, 8-byte aligned, valid while this object lives;
  // nullopt when the table has none with this tag or is not used.
  std::optional<std::span<const std::byte>> section(SectionTag tag) const noexcept;
  // The INI's identity recorded in the table: set when used or stale.
  const SourceIdentity& source() const noexcept { return source_; }

 private:
  struct Section {
    SectionTag tag{};
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
  };

  void load(const std::string& path, FileTrust trust, const SourceIdentity& expected);
  bool read_whole(int fd, std::uint64_t size, const std::string& path);
  bool check_header(detail::CompiledTableHeader& header, const std::string& path);
  bool read_directory(const detail::CompiledTableHeader& header, const std::string& path);
  void refuse(Status status, std::string problem);

  detail::PrefaultedBuffer buffer_;   // the file's bytes, kept only when used
  std::uint64_t bytes_ = 0;
  Status status_ = Status::absent;
  std::string problem_;
  SourceIdentity source_;
  std::array<Section, kMaxCompiledSections> sections_{};
  std::size_t section_count_ = 0;
};

}  // namespace srcbind
