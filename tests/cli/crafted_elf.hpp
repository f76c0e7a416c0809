// Writes small hand-made ELF files with exactly the features a test asks for: a Go
// note or .go.buildinfo section (no Go toolchain needed), 32-bit class, PT_INTERP...
// They are never executed.
#pragma once

#include "temp_dir.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace srcbind::cli::test {

struct CraftedElf {
  bool is_64bit = true;
  std::uint16_t machine = 62;  // EM_X86_64
  bool interpreter = true;  // PT_INTERP /lib64/ld-linux-x86-64.so.2
  bool dynamic = true;  // PT_DYNAMIC
  bool go_note = false;  // PT_NOTE with a note named "Go" (type 4, build ID)
  bool other_note = true;  // PT_NOTE with a GNU note too (before the Go one)
  bool go_buildinfo_section = false;  // a section named .go.buildinfo
  bool truncate_program_headers = false;  // cut the file in the middle of them
};

void write_crafted_elf(const std::string& path, const CraftedElf& spec);
// Writes it as dir/name; returns that path.
std::string write_crafted_elf(const srcbind::test::TempDir& dir, std::string_view name, const CraftedElf& spec);

}  // namespace srcbind::cli::test
