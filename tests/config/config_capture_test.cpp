// ConfigFile taken by mapping (what the library does at start): the text is the
// file's as it was when taken, unless the file changed on disk since; nothing
// that happens to the file afterwards can crash the reader.
#include "srcbind/config_file.hpp"
#include "srcbind/rule_table.hpp"

#include "fault_safe_copy.hpp"

#include "test_support.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kRule = "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n";
constexpr std::string_view kOtherRule = "[rule b]\ndestination = 203.0.113.0/24\nsource = 198.51.100.13\n";

ConfigFile mapped(const std::string& path, FileTrust trust = FileTrust::any) {
  return ConfigFile::open(path, trust, ConfigFile::Capture::map);
}

// Rewrites `path` in place: same inode, new size and times.
void rewrite_in_place(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

TEST(CopyThroughKernel, CopiesMoreThanAPipeHoldsExactly) {
  std::string from(3 * 1024 * 1024 + 123, '\0');
  for (std::size_t i = 0; i < from.size(); ++i) from[i] = static_cast<char>(i * 7 + i / 4096);
  std::string to(from.size(), 'x');
  errno = ENOTTY;
  EXPECT_EQ(detail::copy_through_kernel(from.data(), from.size(), to.data()), 0);
  EXPECT_EQ(errno, ENOTTY) << "errno is kept";
  EXPECT_TRUE(to == from);
}

TEST(CopyThroughKernel, PagesPastATruncatedFilesEndFailWithEfault) {
  const TempDir dir;
  const std::string path = dir.write("rules.ini", std::string(64 * 1024, ';'));
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  void* mapping = ::mmap(nullptr, 64 * 1024, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  ASSERT_NE(mapping, MAP_FAILED);
  ASSERT_EQ(::truncate(path.c_str(), 4096), 0);
  std::string to(64 * 1024, 'x');
  EXPECT_EQ(detail::copy_through_kernel(mapping, 4096, to.data()), 0) << "the page still in the file";
  EXPECT_EQ(detail::copy_through_kernel(mapping, to.size(), to.data()), EFAULT);
  ::munmap(mapping, 64 * 1024);
}

TEST(ConfigCapture, MappedTextIsTheFile) {
  const TempDir dir;
  ConfigFile file = mapped(dir.write("rules.ini", kRule));
  EXPECT_EQ(file.error(), "");
  EXPECT_EQ(file.text(), kRule);
  EXPECT_EQ(file.text(), kRule) << "a second call returns the same text";
}

TEST(ConfigCapture, FileRemovedAfterTakingStillGivesItsText) {
  const TempDir dir;
  const std::string path = dir.write("rules.ini", kRule);
  ConfigFile file = mapped(path);
  ASSERT_EQ(::unlink(path.c_str()), 0);   // as after a chroot: the path no longer leads to it
  EXPECT_EQ(file.text(), kRule);
  EXPECT_EQ(file.error(), "");
}

TEST(ConfigCapture, FileReplacedByRenameIsReadAgain) {
  const TempDir dir;
  const std::string path = dir.write("rules.ini", kRule);
  ConfigFile file = mapped(path);
  const std::string replacement = dir.write("new.ini", kOtherRule);
  ASSERT_EQ(::rename(replacement.c_str(), path.c_str()), 0);
  EXPECT_EQ(file.text(), kOtherRule);
}

TEST(ConfigCapture, FileRewrittenInPlaceIsReadAgainWhole) {
  const TempDir dir;
  const std::string path = dir.write("rules.ini", kRule);
  ConfigFile file = mapped(path);
  const std::string longer = std::string(kOtherRule) + "; a comment that makes the file longer than it was\n";
  rewrite_in_place(path, longer);
  EXPECT_EQ(file.text(), longer);
}

TEST(ConfigCapture, FileTruncatedAfterTakingIsReadAgainNeverFaults) {
  const TempDir dir;
  std::string large(64 * 1024, ';');   // several pages, all beyond the new end
  large += "\n";
  const std::string path = dir.write("rules.ini", large);
  ConfigFile file = mapped(path);
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  EXPECT_EQ(file.text(), "");
  EXPECT_EQ(file.error(), "");
}

// The parser reads the text for as long as parsing takes (a fifth of a second
// for 100,000 rules): a file truncated in place meanwhile must not take the text
// away. Run in a child, so that a SIGBUS fails this test instead of the suite.
TEST(ConfigCaptureDeathTest, FileTruncatedWhileTheTextIsReadDoesNotFault) {
  const TempDir dir;
  std::string large(64 * 1024, ';');
  large += "\n";
  const std::string path = dir.write("rules.ini", large);
  EXPECT_EXIT(
      {
        ConfigFile file = mapped(path);
        const std::string_view text = file.text();
        if (::truncate(path.c_str(), 0) != 0) std::_Exit(2);
        std::size_t semicolons = 0;
        for (const char c : text) semicolons += c == ';' ? 1 : 0;
        std::_Exit(semicolons == large.size() - 1 ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(ConfigCapture, FileTruncatedAndRemovedGivesAnErrorNotAFault) {
  const TempDir dir;
  std::string large(64 * 1024, ';');
  large += "\n";
  const std::string path = dir.write("rules.ini", large);
  ConfigFile file = mapped(path);
  ASSERT_EQ(::truncate(path.c_str(), 100), 0);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(file.text(), "");
  EXPECT_THAT(file.error(), HasSubstr("cannot read: No such file or directory"));
}

TEST(ConfigCapture, UntrustedFileIsTakenWithItsProblemForTheCallerToJudge) {
  const TempDir dir;
  ConfigFile file = mapped(dir.write("rules.ini", kRule, 0666), FileTrust::owner_or_root);
  EXPECT_THAT(file.trust_problem(), HasSubstr("not trusted: writable by group and others (mode 0666)"));
  EXPECT_EQ(file.text(), kRule);
  EXPECT_THAT(messages(parse_config_file(file, fake_host(), true)),
              ::testing::ElementsAre(HasSubstr("not trusted")));
}

TEST(ConfigCapture, EmptyFileAndDevNullAreEmptyText) {
  const TempDir dir;
  ConfigFile empty = mapped(dir.write("empty.ini", ""));
  EXPECT_EQ(empty.text(), "");
  EXPECT_EQ(empty.error(), "");
  ConfigFile null = mapped("/dev/null");
  EXPECT_EQ(null.text(), "");
  EXPECT_EQ(null.error(), "");
}

TEST(ConfigCapture, ReleaseGivesTheMemoryBack) {
  const TempDir dir;
  ConfigFile file = mapped(dir.write("rules.ini", kRule));
  ASSERT_EQ(file.text(), kRule);
  file.release();
  EXPECT_EQ(file.text(), "");
}

TEST(ConfigCapture, CapturedConfigurationLoadsLikeTheFile) {
  const TempDir dir;
  Environment env;
  env.config = dir.write("rules.ini", kRule);
  CapturedConfiguration captured = capture_configuration(env, ConfigFile::Capture::map, "/nonexistent/srcbind.ini");
  EXPECT_EQ(captured.origin, ConfigOrigin::variable);
  const RuleTable table = load_configuration(captured, fake_host(), LoadPurpose::library);
  EXPECT_TRUE(table.ok());
  EXPECT_THAT(rule_names(table), ElementsAre("a"));
}

}  // namespace
}  // namespace srcbind::test
