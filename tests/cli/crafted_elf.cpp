#include "crafted_elf.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace srcbind::cli::test {
namespace {

// resize + memcpy, not insert: GCC 12 at -O3 reports inserting into an empty
// vector as an overflow (-Wstringop-overflow false positive).
void append(std::vector<char>& out, const void* data, std::size_t size) {
  const std::size_t at = out.size();
  out.resize(at + size);
  std::memcpy(out.data() + at, data, size);
}

void pad4(std::vector<char>& out) {
  while (out.size() % 4 != 0) out.push_back('\0');
}

void add_note(std::vector<char>& notes, const std::string& name, std::uint32_t type, const std::string& desc) {
  const std::uint32_t words[3] = {static_cast<std::uint32_t>(name.size() + 1), static_cast<std::uint32_t>(desc.size()),
                                  type};
  append(notes, words, sizeof words);
  append(notes, name.c_str(), name.size() + 1);
  pad4(notes);
  append(notes, desc.data(), desc.size());
  pad4(notes);
}

template <class Ehdr, class Phdr, class Shdr>
std::vector<char> build(const CraftedElf& spec) {
  const std::string interp = "/lib64/ld-linux-x86-64.so.2";
  std::vector<char> notes;
  if (spec.other_note) add_note(notes, "GNU", NT_GNU_BUILD_ID, std::string(20, '\x11'));
  if (spec.go_note) add_note(notes, "Go", 4, "crafted-go-build-id");
  const std::string shstrtab = std::string("\0.go.buildinfo\0.shstrtab\0", 25);

  std::vector<Phdr> phdrs;
  const std::size_t phoff = sizeof(Ehdr);
  std::size_t phnum = (spec.interpreter ? 1 : 0) + (spec.dynamic ? 1 : 0) + (notes.empty() ? 0 : 1);
  std::size_t data = phoff + phnum * sizeof(Phdr);
  auto segment = [&](std::uint32_t type, std::size_t offset, std::size_t size) {
    Phdr ph{};
    ph.p_type = type;
    ph.p_offset = offset;
    ph.p_filesz = size;
    ph.p_memsz = size;
    ph.p_align = 4;
    phdrs.push_back(ph);
  };
  std::vector<char> body;  // everything after the program headers
  if (spec.interpreter) {
    segment(PT_INTERP, data + body.size(), interp.size() + 1);
    append(body, interp.c_str(), interp.size() + 1);
    pad4(body);
  }
  if (spec.dynamic) segment(PT_DYNAMIC, data + body.size(), 0);
  if (!notes.empty()) {
    segment(PT_NOTE, data + body.size(), notes.size());
    append(body, notes.data(), notes.size());
  }
  std::size_t shoff = 0;
  std::vector<Shdr> shdrs;
  if (spec.go_buildinfo_section) {
    const std::size_t strtab_at = data + body.size();
    append(body, shstrtab.data(), shstrtab.size());
    while ((data + body.size()) % 8 != 0) body.push_back('\0');
    shoff = data + body.size();
    Shdr null{}, buildinfo{}, strtab{};
    buildinfo.sh_name = 1;
    buildinfo.sh_type = SHT_PROGBITS;
    strtab.sh_name = 15;
    strtab.sh_type = SHT_STRTAB;
    strtab.sh_offset = strtab_at;
    strtab.sh_size = shstrtab.size();
    shdrs = {null, buildinfo, strtab};
  }

  Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = sizeof(Ehdr) == sizeof(Elf64_Ehdr) ? ELFCLASS64 : ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_DYN;
  eh.e_machine = spec.machine;
  eh.e_version = EV_CURRENT;
  eh.e_phoff = phoff;
  eh.e_ehsize = sizeof(Ehdr);
  eh.e_phentsize = sizeof(Phdr);
  eh.e_phnum = static_cast<std::uint16_t>(phdrs.size());
  eh.e_shentsize = sizeof(Shdr);
  eh.e_shoff = shoff;
  eh.e_shnum = static_cast<std::uint16_t>(shdrs.size());
  eh.e_shstrndx = shdrs.empty() ? 0 : 2;

  std::vector<char> out;
  append(out, &eh, sizeof eh);
  for (const Phdr& ph : phdrs) append(out, &ph, sizeof ph);
  out.insert(out.end(), body.begin(), body.end());
  for (const Shdr& sh : shdrs) append(out, &sh, sizeof sh);
  if (spec.truncate_program_headers) out.resize(phoff + sizeof(Phdr) / 2);
  return out;
}

}  // namespace

void write_crafted_elf(const std::string& path, const CraftedElf& spec) {
  const std::vector<char> bytes =
      spec.is_64bit ? build<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr>(spec) : build<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr>(spec);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error("cannot write " + path);
}

std::string write_crafted_elf(const srcbind::test::TempDir& dir, std::string_view name, const CraftedElf& spec) {
  const std::string path = dir / name;
  write_crafted_elf(path, spec);
  return path;
}

}  // namespace srcbind::cli::test
