// ConfigFile taken by mapping (what the library does at start): the text is the
// file's as it was when taken, unless the file changed on disk since; nothing
// that happens to the file afterwards can crash the reader.
#include "srcbind/config_file.hpp"
#include "srcbind/rule_table.hpp"

#include "test_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
