// Reads just enough of an ELF file to tell whether LD_PRELOAD can reach it
// (docs/linux-facts.md Q9): the ELF interpreter (PT_INTERP), Go markers, class and machine.
//
// A file is read with pread, never mapped or executed; every offset is checked
// against the file size, so a truncated or hostile file gives an error, not a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace srcbind::cli {

struct ElfInfo {
  unsigned elf_class = 0;  // ELFCLASS32 or ELFCLASS64
  unsigned byte_order = 0;  // ELFDATA2LSB or ELFDATA2MSB
  std::uint16_t type = 0;  // ET_EXEC, ET_DYN, ...
  std::uint16_t machine = 0;  // EM_X86_64, ...
  bool has_interpreter = false;  // PT_INTERP: the dynamic loader runs, so LD_PRELOAD is read
  std::string interpreter;  // e.g. /lib64/ld-linux-x86-64.so.2
  bool has_dynamic = false;  // PT_DYNAMIC (a static-pie has one too: proves nothing alone)
  bool go_note = false;  // a note named "Go" (PT_NOTE or .note.go.buildid)
  bool go_buildinfo = false;  // a .go.buildinfo section

  // No PT_INTERP: static or static-pie; the loader never reads LD_PRELOAD.
  bool is_static() const noexcept { return !has_interpreter; }
  bool is_go() const noexcept { return go_note || go_buildinfo; }
  bool same_abi_as(const ElfInfo& other) const noexcept {
    return elf_class == other.elf_class && byte_order == other.byte_order && machine == other.machine;
  }
};

struct ElfInspection {
  enum class Status { elf, not_elf, error };
  Status status = Status::error;
  ElfInfo info;  // valid when status == elf
  std::string error;  // why, when status == error ("truncated program headers", strerror...)
};

ElfInspection inspect_elf(const std::string& path);

// "64-bit x86-64", "32-bit Intel 80386", "64-bit AArch64", "64-bit machine 1234".
std::string describe_abi(const ElfInfo& info);

}  // namespace srcbind::cli
