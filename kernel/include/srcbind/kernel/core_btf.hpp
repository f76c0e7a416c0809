// The kernel types the BPF programs read through CO-RE, kept small. libbpf
// otherwise parses the whole kernel BTF (/sys/kernel/btf/vmlinux, ~5 MB and
// ~130,000 types) at every load to relocate a handful of field reads; that was
// the largest part of `srcbind --kernel`'s start-up (docs/kernel-backend.md,
// "Start-up"). The small BTF holds, for every struct or union the BPF object
// names, the running kernel's own layout of it, and it is kept for the rest of
// the boot under kCoreBtfDirectory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct btf;

namespace srcbind::kernel {

inline constexpr const char* kCoreBtfDirectory = "/run/srcbind/core-btf";

// A BTF holding the kernel's (`kernel`) definition of every named struct and
// union that `local` (the BPF object's BTF) names, member for member, as
// libbpf's CO-RE relocation compares them: member types are reduced to what
// that comparison looks at (pointers to void, named structs not named by the
// object to empty ones of the same size). nullptr with `error` on failure.
struct btf* kernel_types_for(const struct btf* local, const struct btf* kernel, std::string& error);

// The file name of the small BTF for this BPF object on this boot: the boot's
// id and a hash of the object's bytes, so a file made on another boot or for
// another build of the programs is never taken for this one.
std::string core_btf_file_name(const std::string& boot_id, const void* object, std::size_t size);

// The path of the small BTF for the BPF object `object` (its ELF bytes) in
// `directory`, made from the running kernel's BTF when it is not there yet;
// files in the directory made on other boots are removed. Empty
// (with `error`) when it can be neither found nor made: the caller then lets
// libbpf read the whole kernel BTF. The directory must be this user's alone
// (0700, as its parent must not be writable by others): a file anyone else
// could have written is never used.
std::string cached_core_btf(const std::string& directory, const void* object, std::size_t size, std::string& error);

}  // namespace srcbind::kernel
