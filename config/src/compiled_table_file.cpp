// The compiled table's file: written whole under a temporary name and renamed
// into place; read whole into private memory and checked before any section is
// handed out (layout: config/include/srcbind/compiled_table_file.hpp).
#include "srcbind/compiled_table_file.hpp"

#include "file_checks.hpp"
#include "prefault.hpp"

#include <link.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace srcbind {
namespace detail {

// The header, as the layout table in compiled_table_file.hpp gives it (declared
// there because CompiledTableFile's checks take it).
struct CompiledTableHeader {
  char magic[16];
  std::uint32_t format;
  std::uint32_t byte_order;
  std::uint32_t machine;
  std::uint32_t pointer_size;
  std::uint32_t header_size;
  std::uint32_t section_count;
  std::uint64_t file_size;
  std::uint64_t checksum;
  std::uint64_t source[7];   // SourceIdentity's fields, in its order
};
static_assert(std::is_trivially_copyable_v<CompiledTableHeader> && sizeof(CompiledTableHeader) == 112);
static_assert(offsetof(CompiledTableHeader, format) == 16 && offsetof(CompiledTableHeader, machine) == 24);
static_assert(offsetof(CompiledTableHeader, header_size) == 32 && offsetof(CompiledTableHeader, file_size) == 40);
static_assert(offsetof(CompiledTableHeader, checksum) == 48 && offsetof(CompiledTableHeader, source) == 56);

}  // namespace detail

namespace {

using FileHeader = detail::CompiledTableHeader;

using detail::RawFileDescriptor;
using Status = CompiledTableFile::Status;

constexpr std::string_view kSuffix = ".compiled";
constexpr char kMagic[16] = {'s', 'r', 'c', 'b', 'i', 'n', 'd', '-', 't', 'a', 'b', 'l', 'e', '\0', '\0', '\0'};
constexpr std::uint32_t kByteOrderMark = 0x01020304;

// The ELF header of the object this code is linked into: the linker defines
// __ehdr_start in every executable and shared library. Its machine is the one
// a table's native integers and layouts belong to, so a table is read only
// where it was made.
extern "C" [[gnu::visibility("hidden")]] const ElfW(Ehdr) __ehdr_start;

std::uint32_t this_machine() noexcept { return __ehdr_start.e_machine; }

struct DirectoryEntry {
  std::uint32_t tag;
  std::uint32_t zero;
  std::uint64_t offset;
  std::uint64_t size;
};
static_assert(std::is_trivially_copyable_v<DirectoryEntry> && sizeof(DirectoryEntry) == 24);

// Where the section area starts: after the header and its directory.
std::uint64_t section_area(std::uint64_t section_count) {
  return sizeof(FileHeader) + section_count * sizeof(DirectoryEntry);
}

// Whether a section starts 8-byte aligned at or after `free_from` and ends
// within the file (without overflowing).
bool fits_after(const DirectoryEntry& entry, std::uint64_t free_from, std::uint64_t file_size) {
  return entry.offset % 8 == 0 && entry.offset >= free_from && entry.offset <= file_size &&
         entry.size <= file_size - entry.offset;
}

std::uint64_t round_up_8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

void store_identity(const SourceIdentity& id, std::uint64_t (&out)[7]) {
  out[0] = id.device;
  out[1] = id.inode;
  out[2] = id.size;
  out[3] = static_cast<std::uint64_t>(id.modified_s);
  out[4] = static_cast<std::uint64_t>(id.modified_ns);
  out[5] = static_cast<std::uint64_t>(id.changed_s);
  out[6] = static_cast<std::uint64_t>(id.changed_ns);
}

SourceIdentity load_identity(const std::uint64_t (&in)[7]) {
  return {in[0],
          in[1],
          in[2],
          static_cast<std::int64_t>(in[3]),
          static_cast<std::int64_t>(in[4]),
          static_cast<std::int64_t>(in[5]),
          static_cast<std::int64_t>(in[6])};
}

// Two wrapping sums of 8-byte words; the second depends on their order, so a
// swapped pair of words shows, not only a flipped bit. It guards the header and
// the directory against damage, not against a writer (trust is the file's
// owner). The sections are not summed: that costs about 1 ms per 10 MB, most of
// what reading them from the page cache costs, and their owners check what they read.
class HeaderChecksum {
 public:
  // `bytes`: a multiple of 8 long.
  void add(std::span<const std::byte> bytes) noexcept {
    for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      sum_ += word;
      sum_of_sums_ += sum_;
    }
  }
  std::uint64_t value() const noexcept { return sum_of_sums_ ^ std::rotl(sum_, 32); }

 private:
  std::uint64_t sum_ = 0;
  std::uint64_t sum_of_sums_ = 0;
};

// The checksum of a header and the directory after it, the checksum field taken as zero.
std::uint64_t header_checksum(FileHeader header, std::span<const std::byte> directory) {
  header.checksum = 0;
  HeaderChecksum checksum;
  checksum.add(std::as_bytes(std::span(&header, 1)));
  checksum.add(directory);
  return checksum.value();
}

// The INI a table at `table_path` was made from.
std::string source_path_of(const std::string& table_path) {
  if (table_path.size() > kSuffix.size() && table_path.ends_with(kSuffix)) {
    return table_path.substr(0, table_path.size() - kSuffix.size());
  }
  return table_path;
}

std::string recompile_hint(const std::string& table_path) {
  return " (run srcbind --check --compile -c " + source_path_of(table_path) + ")";
}

std::string cannot_read(const std::string& path, int error) {
  return "unreadable: cannot read " + path + ": " + std::strerror(error);
}

std::string cannot_write(const std::string& path, const std::string& why) { return "cannot write " + path + ": " + why; }

// ---- writing ----

// The section directory and where each section goes; empty `problem` when valid.
struct Layout {
  std::vector<DirectoryEntry> directory;
  std::uint64_t file_size = 0;
  std::string problem;
};

Layout plan_layout(std::span<const SectionView> sections) {
  Layout layout;
  if (sections.size() > kMaxCompiledSections) {
    layout.problem = std::to_string(sections.size()) + " sections, more than " + std::to_string(kMaxCompiledSections);
    return layout;
  }
  std::uint64_t offset = section_area(sections.size());
  for (std::size_t i = 0; i < sections.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (sections[j].tag == sections[i].tag) {
        layout.problem = "two sections tagged " + std::to_string(static_cast<std::uint32_t>(sections[i].tag));
        return layout;
      }
    }
    layout.directory.push_back({static_cast<std::uint32_t>(sections[i].tag), 0, offset, sections[i].bytes.size()});
    offset += round_up_8(sections[i].bytes.size());
  }
  layout.file_size = offset;
  if (offset > kMaxCompiledTableSize) layout.problem = "larger than " + std::to_string(kMaxCompiledTableSize >> 20) + " MiB";
  return layout;
}

FileHeader make_header(const Layout& layout, const SourceIdentity& source, std::span<const SectionView> sections) {
  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.format = kCompiledTableFormat;
  header.byte_order = kByteOrderMark;
  header.machine = this_machine();
  header.pointer_size = sizeof(void*);
  header.header_size = sizeof(FileHeader);
  header.section_count = static_cast<std::uint32_t>(sections.size());
  header.file_size = layout.file_size;
  store_identity(source, header.source);
  header.checksum = header_checksum(header, std::as_bytes(std::span(layout.directory)));
  return header;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_sections(int fd, const Layout& layout, const FileHeader& header, std::span<const SectionView> sections) {
  static constexpr char kZeros[8] = {};
  if (!write_all(fd, &header, sizeof header)) return false;
  if (!write_all(fd, layout.directory.data(), layout.directory.size() * sizeof(DirectoryEntry))) return false;
  for (const SectionView& section : sections) {
    const std::size_t size = section.bytes.size();
    if (!write_all(fd, section.bytes.data(), size)) return false;
    if (!write_all(fd, kZeros, round_up_8(size) - size)) return false;
  }
  return true;
}

// The INI's mode without write for group and others or execute (the table
// holds the same rules, no more readable than they are); 0644 without an INI.
mode_t table_mode(const std::string& path) {
  const std::string ini = source_path_of(path);
  struct stat st;
  if (ini != path && ::stat(ini.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return st.st_mode & 0644;
  return 0644;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A new file next to the target, removed on destruction unless renamed.
class TemporaryFile {
 public:
  // mkostemp opens with O_CREAT | O_EXCL: nothing already there (a link) is opened.
  explicit TemporaryFile(const std::string& target)
      : path_(pattern_next_to(target)), fd_(::mkostemp(path_.data(), O_CLOEXEC)) {
    if (fd_.get() < 0) path_.clear();
  }
  ~TemporaryFile() {
    fd_.close();
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const noexcept { return fd_.get(); }
  const std::string& path() const noexcept { return path_; }
  int close() noexcept { return fd_.close(); }
  void renamed() noexcept { path_.clear(); }

 private:
  // A hidden name in the target's directory (a rename does not cross file systems).
  static std::string pattern_next_to(const std::string& target) {
    const std::size_t slash = target.rfind('/');
    const std::size_t name = slash == std::string::npos ? 0 : slash + 1;
    return target.substr(0, name) + "." + target.substr(name) + ".XXXXXX";
  }

  std::string path_;   // empty once renamed (or never created)
  RawFileDescriptor fd_;
};

// Empty on success, else strerror of what failed.
std::string write_and_rename(const std::string& path, const Layout& layout, const FileHeader& header,
                             std::span<const SectionView> sections) {
  TemporaryFile temporary(path);
  if (temporary.fd() < 0) return std::strerror(errno);
  const bool written = write_sections(temporary.fd(), layout, header, sections) &&
                       ::fchmod(temporary.fd(), table_mode(path)) == 0 && ::fsync(temporary.fd()) == 0 &&
                       temporary.close() == 0 && ::rename(temporary.path().c_str(), path.c_str()) == 0;
  if (!written) return std::strerror(errno);
  temporary.renamed();
  // The rename is on disk once the directory is: best effort, the table is in place.
  const RawFileDescriptor directory(::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0) ::fsync(directory.get());
  return {};
}

}  // namespace

std::optional<SourceIdentity> SourceIdentity::of(const struct stat& st) noexcept {
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  return SourceIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                        static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                        st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
}

std::string compiled_table_path(std::string_view ini_path) {
  std::string path(ini_path);
  path += kSuffix;
  return path;
}

std::string write_compiled_table(const std::string& path, const SourceIdentity& source,
                                 std::span<const SectionView> sections) {
  try {
    const Layout layout = plan_layout(sections);
    if (!layout.problem.empty()) return cannot_write(path, layout.problem);
    const std::string problem = write_and_rename(path, layout, make_header(layout, source, sections), sections);
    return problem.empty() ? problem : cannot_write(path, problem);
  } catch (const std::bad_alloc&) {
    return cannot_write(path, "out of memory");
  }
}

// ---- reading ----

CompiledTableFile CompiledTableFile::read(const std::string& path, FileTrust trust,
                                          const SourceIdentity& expected) noexcept {
  CompiledTableFile table;
  try {
    table.load(path, trust, expected);
  } catch (...) {
    // Only a message could not be made: the table is not used, even unexplained.
    table.buffer_.reset();
    table.section_count_ = 0;
    table.status_ = Status::unreadable;
  }
  return table;
}

std::optional<std::span<const std::byte>> CompiledTableFile::section(SectionTag tag) const noexcept {
  if (status_ != Status::used || !buffer_) return std::nullopt;
  const std::byte* file = buffer_.data();
  for (std::size_t i = 0; i < section_count_; ++i) {
    if (sections_[i].tag == tag) return std::span(file + sections_[i].offset, sections_[i].size);
  }
  return std::nullopt;
}

void CompiledTableFile::refuse(Status status, std::string problem) {
  buffer_.reset();
  bytes_ = 0;
  section_count_ = 0;
  status_ = status;
  problem_ = std::move(problem);
}

void CompiledTableFile::load(const std::string& path, FileTrust trust, const SourceIdentity& expected) {
  // Not O_NOFOLLOW: a symlinked table is as fine as a symlinked INI; what was
  // opened is checked. O_NONBLOCK: a FIFO without a writer would block the open.
  const RawFileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return refuse(Status::absent, "absent: no " + path);
    return refuse(Status::unreadable, cannot_read(path, errno));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return refuse(Status::unreadable, cannot_read(path, errno));
  if (!S_ISREG(st.st_mode)) {
    return refuse(Status::not_a_regular_file, "not a regular file: " + path + " is " + detail::file_kind(st.st_mode));
  }
  if (std::string why = detail::untrusted_because(st, trust, path); !why.empty()) {
    return refuse(Status::untrusted, "untrusted: " + path + " is " + why);
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxCompiledTableSize) {
    return refuse(Status::too_large,
                  "too large: " + path + " is larger than " + std::to_string(kMaxCompiledTableSize >> 20) + " MiB");
  }
  if (!read_whole(fd.get(), static_cast<std::uint64_t>(st.st_size), path)) return;
  FileHeader header;
  if (!check_header(header, path) || !read_directory(header, path)) return;
  const std::byte* file = buffer_.data();
  const auto directory = std::span(file, bytes_).subspan(sizeof header, section_area(header.section_count) - sizeof header);
  if (header_checksum(header, directory) != header.checksum) {
    return refuse(Status::not_a_table, "not a table: " + path + ": its header does not match its checksum" + recompile_hint(path));
  }
  source_ = load_identity(header.source);
  if (source_ != expected) {
    const std::string ini = source_path_of(path);
    return refuse(Status::stale, "stale: " + ini + " changed after it was compiled" + recompile_hint(path));
  }
  status_ = Status::used;
  problem_.clear();
}

bool CompiledTableFile::read_whole(int fd, std::uint64_t size, const std::string& path) {
  // 8 bytes more than fstat said: a file that grew meanwhile fills them.
  const std::uint64_t capacity = round_up_8(size) + 8;
  buffer_ = detail::PrefaultedBuffer::allocate(capacity);
  if (!buffer_) {
    refuse(Status::unreadable, cannot_read(path, ENOMEM));
    return false;
  }
  auto* bytes = reinterpret_cast<char*>(buffer_.data());
  std::uint64_t filled = 0;
  while (filled < capacity) {
    const ssize_t n = ::read(fd, bytes + filled, capacity - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      refuse(Status::unreadable, cannot_read(path, errno));
      return false;
    }
    if (n == 0) break;
    filled += static_cast<std::uint64_t>(n);
  }
  if (filled != size) {
    refuse(Status::truncated, "truncated: " + path + " changed while it was read" + recompile_hint(path));
    return false;
  }
  bytes_ = size;
  return true;
}

bool CompiledTableFile::check_header(FileHeader& header, const std::string& path) {
  // Field by field, each only once the bytes before it are known to be there:
  // a prefix of a header is a truncated table, anything else is not one.
  header = {};
  std::memcpy(&header, buffer_.data(), std::min<std::uint64_t>(bytes_, sizeof header));
  const std::string size_text = std::to_string(bytes_) + " bytes";
  if (std::memcmp(header.magic, kMagic, std::min<std::uint64_t>(bytes_, sizeof kMagic)) != 0) {
    refuse(Status::not_a_table, "not a table: " + path + " is not a compiled srcbind table" + recompile_hint(path));
    return false;
  }
  if (bytes_ < offsetof(FileHeader, machine)) {
    refuse(Status::truncated, "truncated: " + path + " has " + size_text + ", less than a header" + recompile_hint(path));
    return false;
  }
  if (header.byte_order != kByteOrderMark) {
    refuse(Status::other_architecture, "other architecture: " + path + " was written in another byte order" +
                                           recompile_hint(path));
    return false;
  }
  if (header.format != kCompiledTableFormat) {
    refuse(Status::other_format, "other format: " + path + " is in format " + std::to_string(header.format) +
                                     ", this srcbind reads format " + std::to_string(kCompiledTableFormat) +
                                     recompile_hint(path));
    return false;
  }
  if (bytes_ < sizeof header) {
    refuse(Status::truncated, "truncated: " + path + " has " + size_text + ", less than a header" + recompile_hint(path));
    return false;
  }
  if (header.machine != this_machine() || header.pointer_size != sizeof(void*)) {
    refuse(Status::other_architecture, "other architecture: " + path + " was made for machine " +
                                           std::to_string(header.machine) + " with " +
                                           std::to_string(header.pointer_size) + "-byte pointers, this is machine " +
                                           std::to_string(this_machine()) + " with " + std::to_string(sizeof(void*)) +
                                           "-byte pointers" + recompile_hint(path));
    return false;
  }
  if (header.file_size > bytes_) {
    refuse(Status::truncated, "truncated: " + path + " has " + size_text + ", its header says " +
                                  std::to_string(header.file_size) + recompile_hint(path));
    return false;
  }
  const char* wrong = header.header_size != sizeof header                ? "header size"
                      : header.file_size != bytes_                       ? "file size"
                      : header.file_size % 8 != 0                        ? "file size (not a multiple of 8)"
                      : header.section_count > kMaxCompiledSections      ? "section count"
                                                                         : nullptr;
  if (wrong != nullptr) {
    refuse(Status::not_a_table, "not a table: " + path + ": its header has a wrong " + wrong + recompile_hint(path));
    return false;
  }
  return true;
}

bool CompiledTableFile::read_directory(const FileHeader& header, const std::string& path) {
  const std::byte* file = buffer_.data();
  // Sections follow the directory and each other in order: none overlaps the
  // header, the directory or another section.
  std::uint64_t free_from = section_area(header.section_count);
  if (free_from > bytes_) {
    refuse(Status::not_a_table, "not a table: " + path + ": its directory ends past the file" + recompile_hint(path));
    return false;
  }
  for (std::uint32_t i = 0; i < header.section_count; ++i) {
    DirectoryEntry entry;
    std::memcpy(&entry, file + sizeof header + i * sizeof entry, sizeof entry);
    const bool repeated = std::any_of(sections_.begin(), sections_.begin() + i,
                                      [&](const Section& earlier) { return earlier.tag == SectionTag{entry.tag}; });
    const char* wrong = entry.zero != 0                         ? "is malformed"
                        : !fits_after(entry, free_from, bytes_) ? "lies outside its place"
                        : repeated                              ? "repeats a tag"
                                                                : nullptr;
    if (wrong != nullptr) {
      refuse(Status::not_a_table, "not a table: " + path + ": section " + std::to_string(i) + " (tag " +
                                      std::to_string(entry.tag) + ") " + wrong + recompile_hint(path));
      return false;
    }
    sections_[i] = {SectionTag{entry.tag}, entry.offset, entry.size};
    section_count_ = i + 1;
    free_from = entry.offset + entry.size;
  }
  return true;
}

}  // namespace srcbind
