// srcbind warns when LD_PRELOAD cannot affect COMMAND (SPEC: "Warns when COMMAND is
// a static executable"; docs/linux-facts.md Q9, Q10).
#include "preload_coverage.hpp"
#include "crafted_elf.hpp"
#include "elf_inspect.hpp"
#include "temp_dir.hpp"

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace srcbind::cli {
namespace {

using Kind = CoverageProblem::Kind;
using test::CraftedElf;
using srcbind::test::TempDir;
using test::write_crafted_elf;

std::optional<ElfInfo> this_library_abi() {
  // Any shared object built by this toolchain has the ABI libsrcbind.so will have.
  const ElfInspection r = inspect_elf(SRCBIND_TEST_FAKE_PRELOAD);
  return r.status == ElfInspection::Status::elf ? std::optional(r.info) : std::nullopt;
}

std::vector<Kind> kinds_for(const std::vector<std::string>& chain) {
  std::vector<Kind> kinds;
  for (const CoverageProblem& p : find_coverage_problems(ExecChain{chain}, this_library_abi())) kinds.push_back(p.kind);
  return kinds;
}

TEST(PreloadCoverage, HasNoObjectionToADynamicProgram) { EXPECT_TRUE(kinds_for({SRCBIND_TEST_HELLO_DYNAMIC}).empty()); }

TEST(PreloadCoverage, WarnsAboutAStaticExecutable) {
#ifdef SRCBIND_TEST_HELLO_STATIC
  EXPECT_EQ(kinds_for({SRCBIND_TEST_HELLO_STATIC}), std::vector{Kind::static_executable});
#else
  GTEST_SKIP() << "no -static toolchain";
#endif
}

TEST(PreloadCoverage, WarnsAboutAStaticPieExecutable) {
#ifdef SRCBIND_TEST_HELLO_STATIC_PIE
  EXPECT_EQ(kinds_for({SRCBIND_TEST_HELLO_STATIC_PIE}), std::vector{Kind::static_executable});
#else
  GTEST_SKIP() << "no -static-pie toolchain";
#endif
}

TEST(PreloadCoverage, WarnsAboutADynamicallyLinkedGoProgram) {
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "gocgo", CraftedElf{.go_note = true});
  EXPECT_EQ(kinds_for({path}), std::vector{Kind::go_program});
}

TEST(PreloadCoverage, WarnsAboutAThirtyTwoBitProgram) {
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "prog32", CraftedElf{.is_64bit = false, .machine = EM_386});
  const auto problems = find_coverage_problems(ExecChain{{path}}, this_library_abi());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, Kind::foreign_abi);
  EXPECT_NE(problems[0].reason.find("32-bit"), std::string::npos) << problems[0].reason;
}

TEST(PreloadCoverage, JudgesTheInterpreterOfAScriptNotTheScript) {
  TempDir dir;
  const std::string go = write_crafted_elf(dir, "go-interpreter", CraftedElf{.go_note = true});
  const std::string script = dir.write("script", "#!" + go + "\n", 0755);
  EXPECT_EQ(kinds_for({script, go}), std::vector{Kind::go_program});
  EXPECT_TRUE(kinds_for({script, SRCBIND_TEST_HELLO_DYNAMIC}).empty());
}

TEST(PreloadCoverage, WarnsAboutASetuidProgramOwnedBySomeoneElse) {
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "setuid-copy", CraftedElf{});
  ASSERT_EQ(chmod(path.c_str(), 04755), 0);
  const uid_t other = getuid() == 0 ? 65534 : 0;
  if (chown(path.c_str(), other, static_cast<gid_t>(-1)) != 0)
    GTEST_SKIP() << "cannot give a file to another user here (not root)";
  ASSERT_EQ(chmod(path.c_str(), 04755), 0);  // chown clears the set-user-ID bit
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_NOSUID) != 0)
    GTEST_SKIP() << dir.path() << " is on a nosuid mount: the bit means nothing there";
  EXPECT_EQ(kinds_for({path}), std::vector{Kind::secure_execution});
}

TEST(PreloadCoverage, IgnoresTheSetuidBitOfAProgramTheCallerOwns) {
  // ld.so keeps LD_PRELOAD when the effective user does not change (Q10, case 5).
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "own-setuid", CraftedElf{});
  ASSERT_EQ(chmod(path.c_str(), 04755), 0);
  EXPECT_TRUE(kinds_for({path}).empty());
}

TEST(PreloadCoverage, NamesTheKernelAlternatives) {
  const std::string hint = kernel_alternatives_hint();
  EXPECT_NE(hint.find("ip route"), std::string::npos);
  EXPECT_NE(hint.find("ip rule"), std::string::npos);
  EXPECT_NE(hint.find("SNAT"), std::string::npos);
}

}  // namespace
}  // namespace srcbind::cli
