// dlopen: deep-bound loads get the hooks (deep_bind.hpp, docs/linux-facts.md Q19).
#include "deep_bind.hpp"

#include "errno_guard.hpp"
#include "runtime.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string_view>

// The exported dlopen: a few instructions that either jump to the C library's
// dlopen (the caller's return address untouched) or, for a deep-bound load that
// the library takes over, jump to srcbind_deep_bind_dlopen.
#if defined(__x86_64__)
asm(R"(
    .text
    .globl dlopen
    .type dlopen, @function
dlopen:
    .cfi_startproc
    endbr64
    testl $0x8, %esi                      # RTLD_DEEPBIND
    jz .Lsrcbind_pass
    pushq %rdi
    .cfi_adjust_cfa_offset 8
    pushq %rsi
    .cfi_adjust_cfa_offset 8
    subq $8, %rsp                         # 16-byte alignment for the call
    .cfi_adjust_cfa_offset 8
    movq 24(%rsp), %rdx                   # the caller's return address
    call srcbind_deep_bind_takes_over
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq %rsi
    .cfi_adjust_cfa_offset -8
    popq %rdi
    .cfi_adjust_cfa_offset -8
    testl %eax, %eax
    jnz srcbind_deep_bind_dlopen
.Lsrcbind_pass:
    movq srcbind_real_dlopen(%rip), %rax
    testq %rax, %rax
    jz .Lsrcbind_resolve
    jmp *%rax
.Lsrcbind_resolve:                        # the first dlopen: look it up, then jump
    pushq %rdi
    .cfi_adjust_cfa_offset 8
    pushq %rsi
    .cfi_adjust_cfa_offset 8
    subq $8, %rsp
    .cfi_adjust_cfa_offset 8
    call srcbind_resolve_dlopen
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq %rsi
    .cfi_adjust_cfa_offset -8
    popq %rdi
    .cfi_adjust_cfa_offset -8
    testq %rax, %rax
    jz srcbind_dlopen_unresolved
    jmp *%rax
    .cfi_endproc
    .size dlopen, .-dlopen
)");
#elif defined(__aarch64__)
asm(R"(
    .text
    .globl dlopen
    .type dlopen, %function
dlopen:
    .cfi_startproc
    tbz w1, #3, 1f                        // RTLD_DEEPBIND
    stp x29, x30, [sp, #-32]!
    .cfi_def_cfa_offset 32
    .cfi_offset 29, -32
    .cfi_offset 30, -24
    mov x29, sp
    stp x0, x1, [sp, #16]
    mov x2, x30                           // the caller's return address
    bl srcbind_deep_bind_takes_over
    mov w9, w0
    ldp x0, x1, [sp, #16]
    ldp x29, x30, [sp], #32
    .cfi_def_cfa_offset 0
    .cfi_restore 29
    .cfi_restore 30
    cbnz w9, srcbind_deep_bind_dlopen
1:
    adrp x16, srcbind_real_dlopen
    ldr x16, [x16, :lo12:srcbind_real_dlopen]
    cbz x16, 2f
    br x16
2:                                        // the first dlopen: look it up, then jump
    stp x29, x30, [sp, #-32]!
    .cfi_def_cfa_offset 32
    .cfi_offset 29, -32
    .cfi_offset 30, -24
    mov x29, sp
    stp x0, x1, [sp, #16]
    bl srcbind_resolve_dlopen
    mov x16, x0
    ldp x0, x1, [sp, #16]
    ldp x29, x30, [sp], #32
    .cfi_def_cfa_offset 0
    .cfi_restore 29
    .cfi_restore 30
    cbz x16, srcbind_dlopen_unresolved
    br x16
    .cfi_endproc
    .size dlopen, .-dlopen
)");
#define SRCBIND_DEEP_BIND_REDIRECTS 1
#endif
#if defined(__x86_64__)
#define SRCBIND_DEEP_BIND_REDIRECTS 1
#endif

namespace srcbind::preload {
namespace {

using DlopenFn = void* (*)(const char*, int);

// Two threads may look it up at once: both find the same address. Atomic, so
// that the assembly's plain load of the word sees all of it.
DlopenFn real_dlopen() noexcept {
  void* real = __atomic_load_n(&srcbind_real_dlopen, __ATOMIC_RELAXED);
  if (real == nullptr) {
    real = dlsym(RTLD_NEXT, "dlopen");
    __atomic_store_n(&srcbind_real_dlopen, real, __ATOMIC_RELAXED);
  }
  return reinterpret_cast<DlopenFn>(real);
}

#if defined(SRCBIND_DEEP_BIND_REDIRECTS)
#if defined(__x86_64__)
constexpr std::uint32_t kJumpSlot = R_X86_64_JUMP_SLOT;
constexpr std::uint32_t kGlobDat = R_X86_64_GLOB_DAT;
#else
constexpr std::uint32_t kJumpSlot = R_AARCH64_JUMP_SLOT;
constexpr std::uint32_t kGlobDat = R_AARCH64_GLOB_DAT;
#endif

struct Hook {
  const char* name;
  void* address;   // what ordinary lookup gives: the first definition, ours
};

// Every function the library interposes (exports.cpp, libsrcbind.map).
const Hook* hooks(std::size_t& count) noexcept {
  static const Hook table[] = {
      {"connect", reinterpret_cast<void*>(&::connect)},
      {"sendto", reinterpret_cast<void*>(&::sendto)},
      {"sendmsg", reinterpret_cast<void*>(&::sendmsg)},
      {"sendmmsg", reinterpret_cast<void*>(&::sendmmsg)},
      {"socket", reinterpret_cast<void*>(&::socket)},
      {"bind", reinterpret_cast<void*>(&::bind)},
      {"setsockopt", reinterpret_cast<void*>(&::setsockopt)},
      {"close", reinterpret_cast<void*>(&::close)},
      {"dup", reinterpret_cast<void*>(&::dup)},
      {"dup2", reinterpret_cast<void*>(&::dup2)},
      {"dup3", reinterpret_cast<void*>(&::dup3)},
      {"fcntl", reinterpret_cast<void*>(&::fcntl)},
      {"fcntl64", reinterpret_cast<void*>(&::fcntl64)},
      {"accept", reinterpret_cast<void*>(&::accept)},
      {"accept4", reinterpret_cast<void*>(&::accept4)},
      {"close_range", reinterpret_cast<void*>(&::close_range)},
      {"closefrom", reinterpret_cast<void*>(&::closefrom)},
  };
  count = sizeof table / sizeof table[0];
  return table;
}

void* hook_for(std::string_view name) noexcept {
  std::size_t count = 0;
  const Hook* table = hooks(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (name == table[i].name) return table[i].address;
  }
  return nullptr;
}

// The object's read-only-after-relocation range (PT_GNU_RELRO), to put back
// after writing into it.
struct RelroRange {
  ElfW(Addr) base = 0;
  ElfW(Addr) start = 0, end = 0;
};

int find_relro(dl_phdr_info* info, std::size_t, void* data) {
  auto* range = static_cast<RelroRange*>(data);
  if (info->dlpi_addr != range->base) return 0;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_GNU_RELRO) {
      range->start = info->dlpi_addr + ph.p_vaddr;
      range->end = range->start + ph.p_memsz;
    }
  }
  return 1;
}

// Writes `value` into the import slot at `slot`, lifting RELRO for the write.
bool write_slot(void** slot, void* value, const RelroRange& relro) noexcept {
  const auto page_size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto at = reinterpret_cast<std::uintptr_t>(slot);
  void* page = reinterpret_cast<void*>(at & ~(page_size - 1));
  if (::mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0) return false;
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);   // other threads may call through it now
  if (at >= relro.start && at < relro.end) ::mprotect(page, page_size, PROT_READ);
  return true;
}

// Dynamic-section pointers are absolute once the loader relocated them on most
// targets, relative on the few whose dynamic section is read-only.
template <typename T>
T* dynamic_pointer(const link_map* lm, ElfW(Addr) value) noexcept {
  return reinterpret_cast<T*>(value < lm->l_addr ? value + lm->l_addr : value);
}

// Points the object's imports of interposed functions at the hooks. Returns how
// many slots were changed.
unsigned redirect_imports(const link_map* lm) noexcept {
  const ElfW(Sym)* symbols = nullptr;
  const char* strings = nullptr;
  const ElfW(Rela)* tables[2] = {nullptr, nullptr};
  std::size_t sizes[2] = {0, 0};
  for (const ElfW(Dyn)* d = lm->l_ld; d != nullptr && d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_SYMTAB: symbols = dynamic_pointer<const ElfW(Sym)>(lm, d->d_un.d_ptr); break;
      case DT_STRTAB: strings = dynamic_pointer<const char>(lm, d->d_un.d_ptr); break;
      case DT_JMPREL: tables[0] = dynamic_pointer<const ElfW(Rela)>(lm, d->d_un.d_ptr); break;
      case DT_PLTRELSZ: sizes[0] = d->d_un.d_val; break;
      case DT_RELA: tables[1] = dynamic_pointer<const ElfW(Rela)>(lm, d->d_un.d_ptr); break;
      case DT_RELASZ: sizes[1] = d->d_un.d_val; break;
      default: break;
    }
  }
  if (symbols == nullptr || strings == nullptr) return 0;
  RelroRange relro;
  relro.base = lm->l_addr;
  dl_iterate_phdr(find_relro, &relro);
  unsigned changed = 0;
  for (int t = 0; t < 2; ++t) {
    if (tables[t] == nullptr) continue;
    for (std::size_t i = 0; i < sizes[t] / sizeof(ElfW(Rela)); ++i) {
      const ElfW(Rela)& r = tables[t][i];
      const auto type = static_cast<std::uint32_t>(ELF64_R_TYPE(r.r_info));
      if (type != kJumpSlot && type != kGlobDat) continue;
      const ElfW(Sym)& sym = symbols[ELF64_R_SYM(r.r_info)];
      if (sym.st_shndx != SHN_UNDEF) continue;
      void* hook = hook_for(strings + sym.st_name);
      if (hook == nullptr) continue;
      auto** slot = reinterpret_cast<void**>(lm->l_addr + r.r_offset);
      if (*slot != hook && write_slot(slot, hook, relro)) ++changed;
    }
  }
  return changed;
}

const link_map* last_object() noexcept {
  const link_map* lm = _r_debug.r_map;
  while (lm != nullptr && lm->l_next != nullptr) lm = lm->l_next;
  return lm;
}
#endif  // SRCBIND_DEEP_BIND_REDIRECTS

void log_line(LogLevel level, const char* what, const char* file, unsigned count = 0) noexcept {
  const Runtime* rt = Runtime::get();
  if (rt == nullptr || !rt->logger().enabled(level)) return;
  ErrnoGuard keep_errno;
  LineBuffer line = rt->logger().start();
  if (level == LogLevel::warn) line.text("warning: ");
  line.text(file != nullptr ? file : "(the program)").text(" is loaded with RTLD_DEEPBIND: ").text(what);
  if (count != 0) line.number(count).text(count == 1 ? " import" : " imports").text(" of interposed calls redirected");
  rt->logger().write(line);
}

bool in_base_namespace(const void* caller) noexcept {
  Dl_info info;
  link_map* lm = nullptr;
  if (dladdr1(caller, &info, reinterpret_cast<void**>(&lm), RTLD_DL_LINKMAP) == 0 || lm == nullptr) return false;
  Lmid_t ns = LM_ID_NEWLM;
  return dlinfo(lm, RTLD_DI_LMID, &ns) == 0 && ns == LM_ID_BASE;
}

}  // namespace
}  // namespace srcbind::preload

using namespace srcbind::preload;

// Referred to from the assembly above only: kept, and under these names.
#define SRCBIND_ASM_VISIBLE __attribute__((used, noinline))

extern "C" {

__attribute__((used)) void* srcbind_real_dlopen = nullptr;

SRCBIND_ASM_VISIBLE int srcbind_deep_bind_takes_over(const char* file, int, const void* caller) {
#if defined(SRCBIND_DEEP_BIND_REDIRECTS)
  ErrnoGuard keep_errno;
  if (file != nullptr && std::strchr(file, '/') != nullptr && std::strchr(file, '$') == nullptr &&
      in_base_namespace(caller)) {
    return 1;
  }
#else
  (void)caller;
#endif
  log_line(srcbind::LogLevel::info,
           "not checked (loaded by name or from another namespace); its socket calls may bypass srcbind "
           "(srcbind --kernel reaches them)",
           file);
  return 0;
}

SRCBIND_ASM_VISIBLE void* srcbind_deep_bind_dlopen(const char* file, int mode) {
  DlopenFn real = real_dlopen();
  if (real == nullptr) return nullptr;
#if defined(SRCBIND_DEEP_BIND_REDIRECTS)
  const link_map* before = last_object();
  void* handle = real(file, mode);
  if (handle == nullptr || before == nullptr) return handle;
  ErrnoGuard keep_errno;
  unsigned changed = 0;
  for (const link_map* lm = before->l_next; lm != nullptr; lm = lm->l_next) changed += redirect_imports(lm);
  if (changed != 0) log_line(srcbind::LogLevel::info, "its socket calls go through srcbind: ", file, changed);
  return handle;
#else
  return real(file, mode);
#endif
}

SRCBIND_ASM_VISIBLE void* srcbind_resolve_dlopen(void) { return reinterpret_cast<void*>(real_dlopen()); }

SRCBIND_ASM_VISIBLE void* srcbind_dlopen_unresolved(const char* file, int mode) {
  DlopenFn real = real_dlopen();
  return real != nullptr ? real(file, mode) : nullptr;
}

}  // extern "C"

#if !defined(__x86_64__) && !defined(__aarch64__)
// Elsewhere: a plain wrapper (the caller seen by the C library is this library).
extern "C" __attribute__((visibility("default"))) void* dlopen(const char* file, int mode) {
  if ((mode & RTLD_DEEPBIND) && srcbind_deep_bind_takes_over(file, mode, __builtin_return_address(0)))
    return srcbind_deep_bind_dlopen(file, mode);
  return srcbind_dlopen_unresolved(file, mode);
}
#endif
