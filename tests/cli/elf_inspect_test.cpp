// ELF inspection (docs/linux-facts.md Q9): what decides whether LD_PRELOAD reaches a program.
#include "elf_inspect.hpp"
#include "crafted_elf.hpp"
#include "temp_dir.hpp"

#include <elf.h>
#include <gtest/gtest.h>

namespace srcbind::cli {
namespace {

using test::CraftedElf;
using srcbind::test::TempDir;
using test::write_crafted_elf;

ElfInfo inspect_ok(const std::string& path) {
  const ElfInspection r = inspect_elf(path);
  EXPECT_EQ(r.status, ElfInspection::Status::elf) << path << ": " << r.error;
  return r.info;
}

TEST(ElfInspect, SeesTheInterpreterOfADynamicProgram) {
  const ElfInfo info = inspect_ok(SRCBIND_TEST_HELLO_DYNAMIC);
  EXPECT_TRUE(info.has_interpreter);
  EXPECT_FALSE(info.interpreter.empty());
  EXPECT_FALSE(info.is_static());
  EXPECT_FALSE(info.is_go());
}

TEST(ElfInspect, CallsAProgramWithoutInterpreterStatic) {
#ifdef SRCBIND_TEST_HELLO_STATIC
  const ElfInfo info = inspect_ok(SRCBIND_TEST_HELLO_STATIC);
  EXPECT_TRUE(info.is_static());
  EXPECT_EQ(info.type, ET_EXEC);
#else
  GTEST_SKIP() << "the C compiler cannot link with -static (no libc.a?)";
#endif
}

TEST(ElfInspect, CallsAStaticPieStaticDespiteItsDynamicSegment) {
#ifdef SRCBIND_TEST_HELLO_STATIC_PIE
  const ElfInfo info = inspect_ok(SRCBIND_TEST_HELLO_STATIC_PIE);
  EXPECT_TRUE(info.has_dynamic) << "a static-pie has PT_DYNAMIC: the test would prove nothing";
  EXPECT_EQ(info.type, ET_DYN);
  EXPECT_TRUE(info.is_static());
#else
  GTEST_SKIP() << "the C compiler cannot link with -static-pie";
#endif
}

TEST(ElfInspect, FindsTheGoNoteInAProgramHeader) {
  // No Go toolchain is needed: a crafted ELF carries the note Go's linker writes.
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "go-note", CraftedElf{.go_note = true});
  const ElfInfo info = inspect_ok(path);
  EXPECT_TRUE(info.go_note);
  EXPECT_TRUE(info.is_go());
  EXPECT_FALSE(info.is_static());
}

TEST(ElfInspect, FindsTheGoBuildinfoSection) {
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "go-buildinfo", CraftedElf{.go_buildinfo_section = true});
  const ElfInfo info = inspect_ok(path);
  EXPECT_FALSE(info.go_note);
  EXPECT_TRUE(info.go_buildinfo);
  EXPECT_TRUE(info.is_go());
}

TEST(ElfInspect, DoesNotTakeOtherNotesForGo) {
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "gnu-note-only", CraftedElf{});
  EXPECT_FALSE(inspect_ok(path).is_go());
  EXPECT_FALSE(inspect_ok(SRCBIND_TEST_HELLO_DYNAMIC).is_go());
}

TEST(ElfInspect, ReadsThirtyTwoBitFiles) {
  TempDir dir;
  const std::string path =
      write_crafted_elf(dir, "elf32", CraftedElf{.is_64bit = false, .machine = EM_386, .go_note = true});
  const ElfInfo info = inspect_ok(path);
  EXPECT_EQ(info.elf_class, ELFCLASS32);
  EXPECT_EQ(info.machine, EM_386);
  EXPECT_TRUE(info.has_interpreter);
  EXPECT_TRUE(info.go_note);
  EXPECT_FALSE(info.same_abi_as(inspect_ok(SRCBIND_TEST_HELLO_DYNAMIC)));
  EXPECT_EQ(describe_abi(info), "32-bit Intel 80386");
}

TEST(ElfInspect, ReportsATruncatedFileAsAnError) {
  TempDir dir;
  const std::string path = write_crafted_elf(dir, "truncated", CraftedElf{.truncate_program_headers = true});
  const ElfInspection r = inspect_elf(path);
  EXPECT_EQ(r.status, ElfInspection::Status::error);
  EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
}

TEST(ElfInspect, SaysNotElfForAScript) {
  TempDir dir;
  EXPECT_EQ(inspect_elf(dir.write("script", "#!/bin/sh\necho hi\n", 0755)).status, ElfInspection::Status::not_elf);
  EXPECT_EQ(inspect_elf(dir.write("empty", "")).status, ElfInspection::Status::not_elf);
}

TEST(ElfInspect, ReportsAMissingFileAsAnError) {
  const ElfInspection r = inspect_elf("/nonexistent/srcbind-test");
  EXPECT_EQ(r.status, ElfInspection::Status::error);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace srcbind::cli
