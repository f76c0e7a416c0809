#include "elf_inspect.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

namespace srcbind::cli {
namespace {

// Upper bounds on what is read: headers are small; these only stop hostile files.
constexpr std::uint64_t kMaxProgramHeaders = 4096;
constexpr std::uint64_t kMaxSectionHeaders = 1u << 16;
constexpr std::uint64_t kMaxNoteBytes = 1u << 20;
constexpr std::uint64_t kMaxStringTableBytes = 4u << 20;
constexpr std::uint64_t kMaxInterpreterBytes = 4096;

class File {
 public:
  explicit File(const std::string& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) {
      errno_ = errno;
      return;
    }
    struct stat st {};
    if (fstat(fd_, &st) != 0)
      errno_ = errno;
    else
      size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~File() {
    if (fd_ >= 0) close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  int error() const noexcept { return errno_; }
  std::uint64_t size() const noexcept { return size_; }

  // The whole range must lie inside the file.
  bool read_at(void* buffer, std::uint64_t length, std::uint64_t offset) const {
    if (offset > size_ || length > size_ - offset) return false;
    auto* out = static_cast<char*>(buffer);
    while (length > 0) {
      const ssize_t n = pread(fd_, out, length, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      out += n;
      length -= static_cast<std::uint64_t>(n);
      offset += static_cast<std::uint64_t>(n);
    }
    return true;
  }

 private:
  int fd_ = -1;
  int errno_ = 0;
  std::uint64_t size_ = 0;
};

template <class T>
T swap_bytes(T value) noexcept {
  T out{};
  auto* src = reinterpret_cast<const unsigned char*>(&value);
  auto* dst = reinterpret_cast<unsigned char*>(&out);
  for (std::size_t i = 0; i < sizeof(T); ++i) dst[i] = src[sizeof(T) - 1 - i];
  return out;
}

// Reads fields in the file's byte order.
struct ByteOrder {
  bool swap = false;
  template <class T>
  T operator()(T value) const noexcept {
    return swap ? swap_bytes(value) : value;
  }
};

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment) noexcept {
  return (value + alignment - 1) / alignment * alignment;
}

// Notes: namesz, descsz, type (32-bit words in both classes), name, pad, desc, pad.
bool notes_contain_go(const std::vector<char>& notes, std::uint64_t alignment, ByteOrder bo) {
  std::uint64_t pos = 0;
  while (pos + 12 <= notes.size()) {
    std::uint32_t words[3];
    std::memcpy(words, notes.data() + pos, sizeof words);
    const std::uint64_t namesz = bo(words[0]);
    const std::uint64_t descsz = bo(words[1]);
    const std::uint64_t name_at = pos + 12;
    if (namesz > notes.size() - name_at) return false;
    const std::string_view name(notes.data() + name_at, namesz);
    if (name == "Go" || name == std::string_view("Go\0", 3)) return true;
    const std::uint64_t desc_at = align_up(name_at + namesz, alignment);
    if (desc_at > notes.size() || descsz > notes.size() - desc_at) return false;
    pos = align_up(desc_at + descsz, alignment);
  }
  return false;
}

template <class Ehdr, class Phdr, class Shdr>
std::string read_elf(const File& file, ElfInfo& info, ByteOrder bo) {
  Ehdr eh{};
  if (!file.read_at(&eh, sizeof eh, 0)) return "truncated ELF header";
  info.type = bo(eh.e_type);
  info.machine = bo(eh.e_machine);

  // Program headers: PT_INTERP, PT_DYNAMIC, PT_NOTE.
  const std::uint64_t phnum = bo(eh.e_phnum);
  const std::uint64_t phoff = bo(eh.e_phoff);
  if (phnum > 0 && bo(eh.e_phentsize) != sizeof(Phdr)) return "unexpected program header size";
  if (phnum > kMaxProgramHeaders) return "too many program headers";
  std::vector<Phdr> phdrs(phnum);
  if (phnum > 0 && !file.read_at(phdrs.data(), phnum * sizeof(Phdr), phoff)) return "truncated program headers";
  for (const Phdr& ph : phdrs) {
    const auto type = bo(ph.p_type);
    const std::uint64_t offset = bo(ph.p_offset);
    const std::uint64_t size = bo(ph.p_filesz);
    if (type == PT_INTERP) {
      info.has_interpreter = true;
      std::string interp(std::min<std::uint64_t>(size, kMaxInterpreterBytes), '\0');
      if (!file.read_at(interp.data(), interp.size(), offset)) return "truncated PT_INTERP";
      interp.resize(std::strlen(interp.c_str()));
      info.interpreter = interp;
    } else if (type == PT_DYNAMIC) {
      info.has_dynamic = true;
    } else if (type == PT_NOTE && !info.go_note) {
      std::vector<char> notes(std::min<std::uint64_t>(size, kMaxNoteBytes));
      if (!file.read_at(notes.data(), notes.size(), offset)) return "truncated PT_NOTE";
      info.go_note = notes_contain_go(notes, bo(ph.p_align) == 8 ? 8 : 4, bo);
    }
  }

  // Section headers (optional: stripped of them, a file can still run): Go's
  // .go.buildinfo and .note.go.buildid.
  std::uint64_t shoff = bo(eh.e_shoff);
  std::uint64_t shnum = bo(eh.e_shnum);
  std::uint64_t shstrndx = bo(eh.e_shstrndx);
  if (shoff == 0 || bo(eh.e_shentsize) != sizeof(Shdr)) return {};
  if (shnum == 0 || shstrndx == SHN_XINDEX) {  // extended numbering lives in section 0
    Shdr first{};
    if (!file.read_at(&first, sizeof first, shoff)) return {};
    if (shnum == 0) shnum = bo(first.sh_size);
    if (shstrndx == SHN_XINDEX) shstrndx = bo(first.sh_link);
  }
  if (shnum == 0 || shnum > kMaxSectionHeaders || shstrndx >= shnum) return {};
  std::vector<Shdr> shdrs(shnum);
  if (!file.read_at(shdrs.data(), shnum * sizeof(Shdr), shoff)) return {};
  const Shdr& strtab = shdrs[shstrndx];
  std::vector<char> names(std::min<std::uint64_t>(bo(strtab.sh_size), kMaxStringTableBytes));
  if (names.empty() || !file.read_at(names.data(), names.size(), bo(strtab.sh_offset))) return {};
  names.back() = '\0';
  for (const Shdr& sh : shdrs) {
    const std::uint64_t name_at = bo(sh.sh_name);
    if (name_at >= names.size()) continue;
    const std::string_view name(names.data() + name_at);
    if (name == ".go.buildinfo") info.go_buildinfo = true;
    if (name == ".note.go.buildid") info.go_note = true;
  }
  return {};
}

}  // namespace

ElfInspection inspect_elf(const std::string& path) {
  ElfInspection result;
  const File file(path);
  if (file.error() != 0) {
    result.error = std::strerror(file.error());
    return result;
  }
  unsigned char ident[EI_NIDENT] = {};
  if (!file.read_at(ident, sizeof ident, 0) || std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
    result.status = ElfInspection::Status::not_elf;
    return result;
  }
  ElfInfo& info = result.info;
  info.elf_class = ident[EI_CLASS];
  info.byte_order = ident[EI_DATA];
  if (info.byte_order != ELFDATA2LSB && info.byte_order != ELFDATA2MSB) {
    result.error = "unknown ELF byte order";
    return result;
  }
  const bool native_lsb = std::endian::native == std::endian::little;
  const ByteOrder bo{(info.byte_order == ELFDATA2LSB) != native_lsb};
  std::string error;
  if (info.elf_class == ELFCLASS64)
    error = read_elf<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr>(file, info, bo);
  else if (info.elf_class == ELFCLASS32)
    error = read_elf<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr>(file, info, bo);
  else
    error = "unknown ELF class";
  if (!error.empty()) {
    result.error = error;
    return result;
  }
  result.status = ElfInspection::Status::elf;
  return result;
}

std::string describe_abi(const ElfInfo& info) {
  std::string out = info.elf_class == ELFCLASS32 ? "32-bit" : info.elf_class == ELFCLASS64 ? "64-bit" : "unknown-class";
  switch (info.machine) {
    case EM_X86_64: out += " x86-64"; break;
    case EM_386: out += " Intel 80386"; break;
    case EM_AARCH64: out += " AArch64"; break;
    case EM_ARM: out += " ARM"; break;
    case EM_RISCV: out += " RISC-V"; break;
    case EM_PPC64: out += " PowerPC64"; break;
    case EM_S390: out += " S/390"; break;
    default: out += " machine " + std::to_string(info.machine); break;
  }
  if (info.byte_order == ELFDATA2MSB && info.machine != EM_S390) out += " (big-endian)";
  return out;
}

}  // namespace srcbind::cli
