// The compiled table's container: what is written is read back in place; a table
// that is absent, stale, damaged, made elsewhere, untrusted or not a file at all
// is refused with its reason, without blocking or crashing
// (config/include/srcbind/compiled_table_file.hpp).
#include "srcbind/compiled_table_file.hpp"

#include "temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace srcbind::test {
namespace {

using Status = CompiledTableFile::Status;
using Bytes = std::vector<std::byte>;

// Header fields the tests patch (the layout table in compiled_table_file.hpp).
constexpr std::size_t kFormatAt = 16, kByteOrderAt = 20, kMachineAt = 24, kPointerSizeAt = 28, kHeaderSizeAt = 32,
                      kSectionCountAt = 36, kFileSizeAt = 40, kChecksumAt = 48, kDirectoryAt = 112, kEntrySize = 24;

Bytes bytes_of(std::string_view text) {
  Bytes bytes(text.size());
  std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes_of(text);
}

// Rewritten in place: same inode and mode. Not truncated to zero first: ext4
// then flushes the file at close, and the tests rewrite tables thousands of times.
void write_file(const std::string& path, const Bytes& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  const bool written = ::pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()) &&
                       ::ftruncate(fd, static_cast<off_t>(bytes.size())) == 0;
  ::close(fd);
  ASSERT_TRUE(written) << path;
}

template <typename T>
void patch(Bytes& bytes, std::size_t at, T value) {
  ASSERT_LE(at + sizeof value, bytes.size());
  std::memcpy(bytes.data() + at, &value, sizeof value);
}

SourceIdentity identity_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return SourceIdentity::of(st).value_or(SourceIdentity{});
}

std::string as_text(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<std::string> directory_listing(const std::string& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// An INI file and its table's path in a fresh directory; sections of odd sizes.
class CompiledTable : public ::testing::Test {
 protected:
  const TempDir dir;
  const std::string ini = dir.write("rules.ini", "[rule a]\ndestination = *\nsource = 198.51.100.12\n");
  const std::string table = compiled_table_path(ini);
  const Bytes settings = bytes_of("s");
  const Bytes rules = bytes_of("thirteen byte");
  const Bytes names = bytes_of("eight by");
  const Bytes matcher = Bytes(1001, std::byte{0x5a});

  std::vector<SectionView> sections() const {
    return {{SectionTag::settings, settings},
            {SectionTag::rules, rules},
            {SectionTag::actions, {}},
            {SectionTag::text, names},
            {SectionTag::matcher, matcher}};
  }
  void write_table() const { ASSERT_EQ(write_compiled_table(table, identity_of(ini), sections()), ""); }
  CompiledTableFile read_table(const std::string& path, FileTrust trust = FileTrust::any) const {
    return CompiledTableFile::read(path, trust, identity_of(ini));
  }
  CompiledTableFile read_table() const { return read_table(table); }
  // A table written afresh, with `change` applied to its bytes, read back.
  template <typename Change>
  CompiledTableFile read_patched(Change change) const {
    write_table();
    Bytes bytes = read_file(table);
    change(bytes);
    write_file(table, bytes);
    return read_table();
  }
  std::string hint() const { return " (run srcbind --check --compile -c " + ini + ")"; }
  // `file` is refused as not a table, its problem "not a table: TABLE<reason> (run ...)".
  void expect_not_a_table(const CompiledTableFile& file, const std::string& reason) const {
    EXPECT_EQ(file.status(), Status::not_a_table) << reason;
    EXPECT_EQ(file.problem(), "not a table: " + table + reason + hint());
  }
};

TEST_F(CompiledTable, PathIsTheIniPathWithCompiledAppended) {
  EXPECT_EQ(compiled_table_path("/etc/srcbind.ini"), "/etc/srcbind.ini.compiled");
  EXPECT_EQ(table, ini + ".compiled");
}

TEST_F(CompiledTable, SourceIdentityIsTakenFromRegularFilesOnly) {
  struct stat st {};
  ASSERT_EQ(::stat(ini.c_str(), &st), 0);
  const std::optional<SourceIdentity> identity = SourceIdentity::of(st);
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->inode, st.st_ino);
  EXPECT_EQ(identity->size, static_cast<std::uint64_t>(st.st_size));
  EXPECT_EQ(identity->changed_ns, st.st_ctim.tv_nsec);
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  EXPECT_FALSE(SourceIdentity::of(st).has_value());
}

TEST_F(CompiledTable, SectionsOfOddSizesReadBackAlignedAndEqual) {
  write_table();
  const CompiledTableFile file = read_table();
  ASSERT_EQ(file.status(), Status::used) << file.problem();
  EXPECT_EQ(file.problem(), "");
  EXPECT_EQ(file.source(), identity_of(ini));
  for (const SectionView& written : sections()) {
    const auto read = file.section(written.tag);
    ASSERT_TRUE(read.has_value()) << static_cast<int>(written.tag);
    EXPECT_EQ(as_text(*read), as_text(written.bytes));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(read->data()) % 8, 0u);
  }
  EXPECT_FALSE(file.section(SectionTag::programs).has_value());
  EXPECT_EQ(std::filesystem::file_size(table) % 8, 0u);
}

TEST_F(CompiledTable, TableWithoutSectionsIsUsed) {
  ASSERT_EQ(write_compiled_table(table, identity_of(ini), {}), "");
  const CompiledTableFile file = read_table();
  EXPECT_EQ(file.status(), Status::used) << file.problem();
  EXPECT_FALSE(file.section(SectionTag::rules).has_value());
}

TEST_F(CompiledTable, MovedTableKeepsItsSections) {
  write_table();
  CompiledTableFile file = read_table();
  const std::byte* before = file.section(SectionTag::rules)->data();
  const CompiledTableFile moved = std::move(file);
  ASSERT_EQ(moved.status(), Status::used);
  EXPECT_EQ(moved.section(SectionTag::rules)->data(), before);
  EXPECT_EQ(as_text(*moved.section(SectionTag::rules)), "thirteen byte");
}

TEST_F(CompiledTable, AbsentTableIsAbsent) {
  const CompiledTableFile file = read_table();
  EXPECT_EQ(file.status(), Status::absent);
  EXPECT_EQ(file.problem(), "absent: no " + table);
  EXPECT_FALSE(file.section(SectionTag::rules).has_value());
  EXPECT_EQ(read_table(ini + "/under-a-file.compiled").status(), Status::absent);
}

TEST_F(CompiledTable, TableOfAnEditedIniIsStale) {
  write_table();
  const SourceIdentity compiled_from = identity_of(ini);
  dir.write("rules.ini", "[rule a]\ndestination = *\nsource = 198.51.100.13\n# edited\n");
  const CompiledTableFile file = read_table();
  EXPECT_EQ(file.status(), Status::stale);
  EXPECT_EQ(file.problem(), "stale: " + ini + " changed after it was compiled" + hint());
  EXPECT_EQ(file.source(), compiled_from);
  EXPECT_FALSE(file.section(SectionTag::rules).has_value());
}

TEST_F(CompiledTable, TableOfATouchedIniIsStale) {
  write_table();
  const struct timespec times[2] = {{1'000'000'000, 0}, {1'000'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, ini.c_str(), times, 0), 0);
  EXPECT_EQ(read_table().status(), Status::stale);
}

TEST_F(CompiledTable, TableCutShortAtAnyLengthIsTruncated) {
  write_table();
  const Bytes whole = read_file(table);
  for (std::size_t length = 0; length < whole.size(); ++length) {
    write_file(table, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length)));
    const CompiledTableFile file = read_table();
    ASSERT_EQ(file.status(), Status::truncated) << length << ": " << file.problem();
    ASSERT_TRUE(file.problem().starts_with("truncated: " + table + " has " + std::to_string(length) + " bytes"))
        << file.problem();
  }
}

TEST_F(CompiledTable, TableWithBytesAfterItsEndIsNotATable) {
  for (std::size_t extra : {1u, 8u}) {
    SCOPED_TRACE(extra);
    expect_not_a_table(read_patched([&](Bytes& bytes) { bytes.resize(bytes.size() + extra); }),
                       ": its header has a wrong file size");
  }
}

TEST_F(CompiledTable, OtherFilesAreNotTables) {
  write_file(table, bytes_of("[rule a]\ndestination = *\nsource = 198.51.100.12\n"));
  EXPECT_EQ(read_table().status(), Status::not_a_table);
  write_file(table, bytes_of("srcbind-tabl"));   // a prefix of the magic: cut short
  EXPECT_EQ(read_table().status(), Status::truncated);
  write_file(table, bytes_of("srcbind-tablX"));
  expect_not_a_table(read_table(), " is not a compiled srcbind table");
}

TEST_F(CompiledTable, WrongMagicIsNotATable) {
  EXPECT_EQ(read_patched([](Bytes& b) { b[3] = std::byte{'X'}; }).status(), Status::not_a_table);
  EXPECT_EQ(read_patched([](Bytes& b) { b[15] = std::byte{1}; }).status(), Status::not_a_table);
}

TEST_F(CompiledTable, OtherFormatVersionIsOtherFormat) {
  const CompiledTableFile file = read_patched([](Bytes& b) { patch(b, kFormatAt, kCompiledTableFormat + 1); });
  EXPECT_EQ(file.status(), Status::other_format);
  EXPECT_EQ(file.problem(), "other format: " + table + " is in format " + std::to_string(kCompiledTableFormat + 1) +
                                ", this srcbind reads format " + std::to_string(kCompiledTableFormat) + hint());
}

TEST_F(CompiledTable, OtherByteOrderIsOtherArchitecture) {
  const CompiledTableFile file = read_patched([](Bytes& b) { patch(b, kByteOrderAt, std::uint32_t{0x04030201}); });
  EXPECT_EQ(file.status(), Status::other_architecture);
  EXPECT_EQ(file.problem(), "other architecture: " + table + " was written in another byte order" + hint());
}

TEST_F(CompiledTable, OtherMachineOrPointerSizeIsOtherArchitecture) {
  const CompiledTableFile other_machine = read_patched([](Bytes& b) { patch(b, kMachineAt, std::uint32_t{9999}); });
  EXPECT_EQ(other_machine.status(), Status::other_architecture);
  EXPECT_TRUE(other_machine.problem().starts_with("other architecture: " + table + " was made for machine 9999 with " +
                                                  std::to_string(sizeof(void*)) + "-byte pointers, this is machine "))
      << other_machine.problem();
  EXPECT_EQ(read_patched([](Bytes& b) { patch(b, kPointerSizeAt, std::uint32_t{sizeof(void*) == 8 ? 4 : 8}); })
                .status(),
            Status::other_architecture);
}

TEST_F(CompiledTable, HeaderFieldsOutOfRangeAreNotATable) {
  struct Case {
    const char* what;
    std::size_t at;
    std::uint64_t value;
    bool wide;
  };
  const std::uint64_t size = [&] {
    write_table();
    return std::filesystem::file_size(table);
  }();
  for (const Case& c : {Case{"header size", kHeaderSizeAt, 104, false}, Case{"header size", kHeaderSizeAt, 0, false},
                        Case{"section count", kSectionCountAt, 17, false},
                        Case{"section count", kSectionCountAt, 0xffffffff, false},
                        Case{"file size", kFileSizeAt, size - 8, true}, Case{"file size", kFileSizeAt, 0, true}}) {
    const CompiledTableFile file = read_patched([&](Bytes& b) {
      c.wide ? patch(b, c.at, c.value) : patch(b, c.at, static_cast<std::uint32_t>(c.value));
    });
    SCOPED_TRACE(c.value);
    expect_not_a_table(file, std::string(": its header has a wrong ") + c.what);
  }
}

TEST_F(CompiledTable, SectionsOutsideTheirPlaceAreNotATable) {
  write_table();
  const std::uint64_t size = std::filesystem::file_size(table);
  const std::uint64_t area = kDirectoryAt + 5 * kEntrySize;   // the first section's offset
  struct Case {
    const char* what;
    std::size_t entry;
    std::uint64_t offset;
    std::uint64_t length;
  };
  for (const Case& c : {Case{"past the end", 4, size + 8, 0}, Case{"ends past the end", 4, size - 8, 16},
                        Case{"size wraps around", 4, size - 8, ~std::uint64_t{0} - 4},
                        Case{"offset wraps around", 4, ~std::uint64_t{7}, 16}, Case{"over the header", 0, 0, 8},
                        Case{"over the directory", 0, kDirectoryAt + kEntrySize, 8},
                        Case{"over the section before", 1, area, 8}, Case{"misaligned", 0, area + 4, 1}}) {
    const CompiledTableFile file = read_patched([&](Bytes& b) {
      patch(b, kDirectoryAt + c.entry * kEntrySize + 8, c.offset);
      patch(b, kDirectoryAt + c.entry * kEntrySize + 16, c.length);
    });
    EXPECT_EQ(file.status(), Status::not_a_table) << c.what;
    EXPECT_TRUE(file.problem().find("lies outside its place") != std::string::npos) << c.what << file.problem();
  }
}

TEST_F(CompiledTable, RepeatedTagOrNonZeroPaddingFieldIsNotATable) {
  const CompiledTableFile repeated = read_patched(
      [](Bytes& b) { patch(b, kDirectoryAt + 1 * kEntrySize, static_cast<std::uint32_t>(SectionTag::settings)); });
  expect_not_a_table(repeated, ": section 1 (tag 1) repeats a tag");
  EXPECT_EQ(read_patched([](Bytes& b) { patch(b, kDirectoryAt + 4, std::uint32_t{1}); }).status(),
            Status::not_a_table);
}

TEST_F(CompiledTable, AnyChangedHeaderOrDirectoryByteStopsTheTableFromBeingUsed) {
  write_table();
  const Bytes whole = read_file(table);
  for (std::size_t at = 0; at < kDirectoryAt + 5 * kEntrySize; ++at) {
    Bytes changed = whole;
    changed[at] ^= std::byte{0x10};
    write_file(table, changed);
    const CompiledTableFile file = read_table();
    ASSERT_NE(file.status(), Status::used) << "byte " << at;
    ASSERT_FALSE(file.section(SectionTag::rules).has_value());
  }
}

TEST_F(CompiledTable, ChangedTagOrChecksumFailsTheChecksum) {
  const CompiledTableFile file = read_patched(
      [](Bytes& b) { patch(b, kDirectoryAt + 2 * kEntrySize, static_cast<std::uint32_t>(SectionTag::programs)); });
  expect_not_a_table(file, ": its header does not match its checksum");
  EXPECT_EQ(read_patched([](Bytes& b) { patch(b, kChecksumAt, std::uint64_t{0}); }).status(), Status::not_a_table);
}

// Checking a section's content is its owner's: the container hands it out as read.
TEST_F(CompiledTable, ChangedSectionBytesAreHandedOutAsTheyAre) {
  write_table();
  const std::uint64_t size = std::filesystem::file_size(table);
  const CompiledTableFile file = read_patched([&](Bytes& b) { b[size - 8] = std::byte{0}; });
  ASSERT_EQ(file.status(), Status::used) << file.problem();
  EXPECT_EQ(file.section(SectionTag::matcher)->back(), std::byte{0});
}

// Whatever the bytes, read() returns (ASan and UBSan builds check how).
TEST_F(CompiledTable, RandomContentNeverCrashes) {
  write_table();
  const Bytes whole = read_file(table);
  std::mt19937_64 random(20240607);
  for (int round = 0; round < 2000; ++round) {
    Bytes bytes(random() % (whole.size() + 64));
    for (auto& b : bytes) b = static_cast<std::byte>(random());
    // Most rounds keep a valid header prefix, so that later checks are reached.
    const std::size_t keep = std::min<std::size_t>(bytes.size(), random() % (kDirectoryAt + 3 * kEntrySize));
    std::copy(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(keep), bytes.begin());
    write_file(table, bytes);
    const CompiledTableFile file = read_table();
    ASSERT_NE(file.status(), Status::used) << round;
    ASSERT_FALSE(file.problem().empty());
    ASSERT_EQ(file.problem().find('\n'), std::string::npos);
  }
}

TEST_F(CompiledTable, FifoIsRefusedWithoutWaitingForAWriter) {
  ASSERT_EQ(::mkfifo(table.c_str(), 0644), 0);
  auto reading = std::async(std::launch::async, [&] { return read_table(); });
  if (reading.wait_for(std::chrono::seconds(10)) == std::future_status::timeout) {
    // Releases the blocked open, so that the test can end.
    const int writer = ::open(table.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
    FAIL() << "read() blocked on a FIFO";
  }
  const CompiledTableFile file = reading.get();
  EXPECT_EQ(file.status(), Status::not_a_regular_file);
  EXPECT_EQ(file.problem(), "not a regular file: " + table + " is a FIFO");
}

TEST_F(CompiledTable, DirectoryAndDeviceAreNotRegularFiles) {
  ASSERT_EQ(::mkdir(table.c_str(), 0755), 0);
  const CompiledTableFile directory = read_table();
  EXPECT_EQ(directory.status(), Status::not_a_regular_file);
  EXPECT_EQ(directory.problem(), "not a regular file: " + table + " is a directory");
  const CompiledTableFile null = read_table("/dev/null");
  EXPECT_EQ(null.status(), Status::not_a_regular_file);
  EXPECT_EQ(null.problem(), "not a regular file: /dev/null is a character device");
}

TEST_F(CompiledTable, PathThatCannotBeOpenedIsUnreadable) {
  ASSERT_EQ(::symlink("loop.compiled", (dir / "loop.compiled").c_str()), 0);
  const CompiledTableFile file = read_table(dir / "loop.compiled");
  EXPECT_EQ(file.status(), Status::unreadable);
  EXPECT_EQ(file.problem(), "unreadable: cannot read " + (dir / "loop.compiled") + ": " + std::strerror(ELOOP));
}

TEST_F(CompiledTable, UnreadableFileIsUnreadable) {
  if (::geteuid() == 0) GTEST_SKIP() << "runs as root: a file without read permission is still read";
  write_table();
  ASSERT_EQ(::chmod(table.c_str(), 0), 0);
  EXPECT_EQ(read_table().status(), Status::unreadable);
}

TEST_F(CompiledTable, FileLargerThanTheCapIsNotRead) {
  write_table();
  ASSERT_EQ(::truncate(table.c_str(), static_cast<off_t>(kMaxCompiledTableSize + 1)), 0);   // sparse
  const CompiledTableFile file = read_table();
  EXPECT_EQ(file.status(), Status::too_large);
  EXPECT_EQ(file.problem(), "too large: " + table + " is larger than 512 MiB");
}

TEST_F(CompiledTable, TableWritableByGroupOrOthersIsUntrusted) {
  write_table();
  for (FileTrust trust : {FileTrust::owner_or_root, FileTrust::root_only}) {
    if (trust == FileTrust::root_only && ::getuid() != 0) continue;   // would fail on the owner first
    ASSERT_EQ(::chmod(table.c_str(), 0664), 0);
    const CompiledTableFile group = read_table(table, trust);
    EXPECT_EQ(group.status(), Status::untrusted);
    EXPECT_EQ(group.problem(),
              "untrusted: " + table + " is writable by group (mode 0664); run chmod go-w " + table);
    ASSERT_EQ(::chmod(table.c_str(), 0646), 0);
    EXPECT_EQ(read_table(table, trust).status(), Status::untrusted);
  }
  EXPECT_EQ(read_table(table, FileTrust::any).status(), Status::used);
  ASSERT_EQ(::chmod(table.c_str(), 0644), 0);
  EXPECT_EQ(read_table(table, FileTrust::owner_or_root).status(), Status::used);
}

TEST_F(CompiledTable, TableOwnedBySomeoneElseIsUntrusted) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to chown a file to uid 65534";
  write_table();
  ASSERT_EQ(::chown(table.c_str(), 65534, 65534), 0);
  const CompiledTableFile root_only = read_table(table, FileTrust::root_only);
  EXPECT_EQ(root_only.status(), Status::untrusted);
  EXPECT_EQ(root_only.problem(),
            "untrusted: " + table + " is owned by uid 65534, not by root; run chown root " + table);
  EXPECT_EQ(read_table(table, FileTrust::owner_or_root).status(), Status::untrusted);
  EXPECT_EQ(read_table(table, FileTrust::any).status(), Status::used);
}

TEST_F(CompiledTable, TableOwnedByTheUserIsTrustedForSrcbindConfigOnly) {
  if (::getuid() == 0) GTEST_SKIP() << "runs as root: every file created here is owned by root";
  write_table();
  EXPECT_EQ(read_table(table, FileTrust::owner_or_root).status(), Status::used);
  EXPECT_EQ(read_table(table, FileTrust::root_only).status(), Status::untrusted);
}

TEST_F(CompiledTable, SymlinkedTableIsFollowedAndItsTargetJudged) {
  write_table();
  const std::string link = dir / "link.compiled";
  ASSERT_EQ(::symlink(table.c_str(), link.c_str()), 0);
  const CompiledTableFile file = read_table(link, FileTrust::owner_or_root);
  ASSERT_EQ(file.status(), Status::used) << file.problem();
  EXPECT_EQ(as_text(*file.section(SectionTag::rules)), "thirteen byte");
  ASSERT_EQ(::chmod(table.c_str(), 0664), 0);
  EXPECT_EQ(read_table(link, FileTrust::owner_or_root).status(), Status::untrusted);
}

TEST_F(CompiledTable, WriteReplacesTheTableAndAnEarlierReaderKeepsItsBytes) {
  write_table();
  const std::uint64_t first_inode = identity_of(table).inode;
  const CompiledTableFile earlier = read_table();
  ASSERT_EQ(earlier.status(), Status::used);
  const Bytes newer_rules = bytes_of("the rules, compiled again");
  const SectionView newer[] = {{SectionTag::rules, newer_rules}};
  ASSERT_EQ(write_compiled_table(table, identity_of(ini), newer), "");
  EXPECT_NE(identity_of(table).inode, first_inode);
  EXPECT_EQ(as_text(*earlier.section(SectionTag::rules)), "thirteen byte");
  EXPECT_EQ(as_text(*read_table().section(SectionTag::rules)), "the rules, compiled again");
  EXPECT_EQ(directory_listing(dir.path()), (std::vector<std::string>{"rules.ini", "rules.ini.compiled"}));
}

TEST_F(CompiledTable, WriteReplacesASymlinkInsteadOfWritingThroughIt) {
  const std::string elsewhere = dir.write("elsewhere", "not to be overwritten");
  ASSERT_EQ(::symlink(elsewhere.c_str(), table.c_str()), 0);
  write_table();
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(table)));
  EXPECT_EQ(as_text(read_file(elsewhere)), "not to be overwritten");
  EXPECT_EQ(read_table().status(), Status::used);
}

TEST_F(CompiledTable, FailedWriteLeavesNothingBehind) {
  const std::string missing = dir / "missing/rules.ini.compiled";
  EXPECT_EQ(write_compiled_table(missing, identity_of(ini), sections()),
            "cannot write " + missing + ": " + std::strerror(ENOENT));
  // The temporary is made, then the rename fails: a directory is in the way.
  ASSERT_EQ(::mkdir(table.c_str(), 0755), 0);
  EXPECT_EQ(write_compiled_table(table, identity_of(ini), sections()),
            "cannot write " + table + ": " + std::strerror(EISDIR));
  EXPECT_EQ(directory_listing(dir.path()), (std::vector<std::string>{"rules.ini", "rules.ini.compiled"}));
  EXPECT_TRUE(std::filesystem::is_empty(table));
}

TEST_F(CompiledTable, WriteRefusesTooManySectionsOrARepeatedTag) {
  const Bytes byte = bytes_of("x");
  std::vector<SectionView> many;
  for (std::uint32_t tag = 1; tag <= kMaxCompiledSections + 1; ++tag) many.push_back({SectionTag{tag}, byte});
  EXPECT_EQ(write_compiled_table(table, identity_of(ini), many),
            "cannot write " + table + ": 17 sections, more than 16");
  const SectionView repeated[] = {{SectionTag::rules, byte}, {SectionTag::rules, byte}};
  EXPECT_EQ(write_compiled_table(table, identity_of(ini), repeated), "cannot write " + table + ": two sections tagged 2");
  EXPECT_EQ(directory_listing(dir.path()), (std::vector<std::string>{"rules.ini"}));
}

TEST_F(CompiledTable, TableTakesTheIniModeWithoutWriteForOthersWhateverTheUmask) {
  const auto mode_of = [](const std::string& path) {
    return static_cast<unsigned>(std::filesystem::status(path).permissions());
  };
  const mode_t saved = ::umask(077);
  write_table();
  EXPECT_EQ(mode_of(table), 0644u);
  for (const auto& [ini_mode, table_mode] : {std::pair{0600u, 0600u}, {0640u, 0640u}, {0664u, 0644u}, {0755u, 0644u}}) {
    ASSERT_EQ(::chmod(ini.c_str(), ini_mode), 0);
    write_table();
    EXPECT_EQ(mode_of(table), table_mode) << std::oct << ini_mode;
  }
  const std::string lone = dir / "lone.table";   // no INI next to it
  EXPECT_EQ(write_compiled_table(lone, identity_of(ini), sections()), "");
  EXPECT_EQ(mode_of(lone), 0644u);
  ::umask(saved);
}

}  // namespace
}  // namespace srcbind::test
