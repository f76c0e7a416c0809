#include "srcbind/kernel/core_btf.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace srcbind::kernel {
namespace {

// libbpf matches a local type to the kernel's by its "essential" name: a
// `___flavour` suffix is not part of it.
std::string essential_name(std::string_view name) {
  const std::size_t flavour = name.find("___");
  return std::string(name.substr(0, flavour));
}

bool is_composite(const btf_type* t) { return btf_is_struct(t) || btf_is_union(t); }

// The named structs and unions of the BPF object: every type a CO-RE relocation
// can start from or step into by name.
std::unordered_set<std::string> names_in(const struct btf* local) {
  std::unordered_set<std::string> names;
  for (std::uint32_t id = 1; id < btf__type_cnt(local); ++id) {
    const btf_type* t = btf__type_by_id(local, id);
    const char* name = btf__name_by_offset(local, t->name_off);
    if (is_composite(t) && name != nullptr && name[0] != '\0') names.insert(essential_name(name));
  }
  return names;
}

// Copies kernel types into `out`, reduced to what libbpf's CO-RE field
// comparison (bpf_core_fields_are_compat) looks at: modifiers and typedefs are
// skipped on both sides, any pointer matches any pointer, any struct any
// struct; integers, enums and arrays compare their kind and element; sizes and
// offsets are what a relocation computes.
class KernelTypeCopy {
 public:
  KernelTypeCopy(const struct btf* kernel, struct btf* out, std::unordered_set<std::string> wanted)
      : kernel_(kernel), out_(out), wanted_(std::move(wanted)) {}

  // Every struct or union the object names, as the kernel defines it (all of
  // them where the kernel has several of one name: libbpf considers each).
  bool copy_wanted() {
    for (std::uint32_t id = 1; id < btf__type_cnt(kernel_); ++id) {
      const btf_type* t = btf__type_by_id(kernel_, id);
      if (is_composite(t) && wanted_.count(name_of(t)) != 0 && composite(id) < 0) return false;
    }
    return true;
  }

 private:
  std::string name_of(const btf_type* t) const {
    const char* name = btf__name_by_offset(kernel_, t->name_off);
    return name ? name : "";
  }

  static const char* or_null(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

  std::uint32_t skip_modifiers(std::uint32_t id) const {
    for (const btf_type* t = btf__type_by_id(kernel_, id); t != nullptr && id != 0; t = btf__type_by_id(kernel_, id)) {
      if (!btf_is_typedef(t) && !btf_is_mod(t) && !btf_is_type_tag(t)) break;
      id = t->type;
    }
    return id;
  }

  int int_type(const std::string& name, std::uint32_t size, int encoding) {
    const std::string key = name + '/' + std::to_string(size) + '/' + std::to_string(encoding);
    if (const auto it = ints_.find(key); it != ints_.end()) return it->second;
    const int id = btf__add_int(out_, name.empty() ? "int" : name.c_str(), size, encoding);
    ints_[key] = id;
    return id;
  }

  int enumeration(const btf_type* t) {
    const std::string name = name_of(t);
    if (btf_is_enum(t)) {
      const int id = btf__add_enum(out_, or_null(name), t->size);
      const struct btf_enum* values = btf_enum(t);
      for (int i = 0; id >= 0 && i < btf_vlen(t); ++i) {
        if (btf__add_enum_value(out_, btf__name_by_offset(kernel_, values[i].name_off), values[i].val) < 0) return -1;
      }
      return id;
    }
    const int id = btf__add_enum64(out_, or_null(name), t->size, btf_kflag(t));
    const struct btf_enum64* values = btf_enum64(t);
    for (int i = 0; id >= 0 && i < btf_vlen(t); ++i) {
      if (btf__add_enum64_value(out_, btf__name_by_offset(kernel_, values[i].name_off), btf_enum64_value(&values[i])) < 0)
        return -1;
    }
    return id;
  }

  // The type of a member, reduced. -1: a kind a member cannot have.
  int member_type(std::uint32_t kernel_id) {
    const std::uint32_t id = skip_modifiers(kernel_id);
    if (id == 0) return 0;
    if (const auto it = done_.find(id); it != done_.end()) return it->second;
    const btf_type* t = btf__type_by_id(kernel_, id);
    int copied = -1;
    if (btf_is_int(t)) {
      copied = int_type(name_of(t), t->size, btf_int_encoding(t));
    } else if (btf_is_ptr(t)) {
      copied = btf__add_ptr(out_, 0);
    } else if (btf_is_enum(t) || btf_is_enum64(t)) {
      copied = enumeration(t);
    } else if (btf_is_float(t)) {
      copied = btf__add_float(out_, name_of(t).c_str(), t->size);
    } else if (btf_is_array(t)) {
      const struct btf_array* array = btf_array(t);
      const int element = member_type(array->type);
      const int index = int_type("unsigned int", 4, 0);
      if (element >= 0 && index >= 0) copied = btf__add_array(out_, index, element, array->nelems);
    } else if (is_composite(t)) {
      const std::string name = name_of(t);
      // Anonymous members are searched through by name; named ones are stepped
      // into only when the object names them too.
      if (name.empty() || wanted_.count(name) != 0) return composite(id);
      copied = btf_is_union(t) ? btf__add_union(out_, name.c_str(), t->size) : btf__add_struct(out_, name.c_str(), t->size);
    }
    if (copied >= 0) done_[id] = copied;
    return copied;
  }

  int composite(std::uint32_t id) {
    if (const auto it = done_.find(id); it != done_.end()) return it->second;
    const btf_type* t = btf__type_by_id(kernel_, id);
    const int members = btf_vlen(t);
    // A struct's fields follow it in the BTF: their types are made first.
    std::vector<int> types(static_cast<std::size_t>(members));
    for (int i = 0; i < members; ++i) {
      types[static_cast<std::size_t>(i)] = member_type(btf_members(t)[i].type);
      if (types[static_cast<std::size_t>(i)] < 0) return -1;
    }
    const std::string name = name_of(t);
    const int copied = btf_is_union(t) ? btf__add_union(out_, or_null(name), t->size)
                                       : btf__add_struct(out_, or_null(name), t->size);
    if (copied < 0) return -1;
    for (int i = 0; i < members; ++i) {
      const struct btf_member& m = btf_members(t)[i];
      const char* member_name = btf__name_by_offset(kernel_, m.name_off);
      if (btf__add_field(out_, member_name && member_name[0] ? member_name : nullptr, types[static_cast<std::size_t>(i)],
                         btf_member_bit_offset(t, static_cast<std::uint32_t>(i)),
                         btf_member_bitfield_size(t, static_cast<std::uint32_t>(i))) < 0)
        return -1;
    }
    done_[id] = copied;
    return copied;
  }

  const struct btf* kernel_;
  struct btf* out_;
  std::unordered_set<std::string> wanted_;
  std::unordered_map<std::uint32_t, int> done_;
  std::unordered_map<std::string, int> ints_;
};

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Ours alone: a directory of this user, writable by nobody else.
bool private_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

bool make_private_directory(const std::string& directory, std::string& error) {
  const std::string parent = directory.substr(0, directory.rfind('/'));
  if (!parent.empty()) ::mkdir(parent.c_str(), 0755);
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + directory + ": " + std::strerror(errno);
    return false;
  }
  if ((!parent.empty() && !private_directory(parent)) || !private_directory(directory) ||
      ::chmod(directory.c_str(), 0700) != 0) {
    error = directory + " or its parent is not this user's alone";
    return false;
  }
  return true;
}

bool usable_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && st.st_size > 0;
  ::close(fd);
  return ok;
}

// A temporary file NAME.PID.tmp whose writer is gone.
bool abandoned(const std::string& name) {
  if (!name.ends_with(".tmp")) return false;
  const std::string stem = name.substr(0, name.size() - 4);
  const std::string digits = stem.substr(stem.rfind('.') + 1);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return true;
  return ::kill(static_cast<pid_t>(std::stol(digits)), 0) != 0 && errno == ESRCH;
}

// Files of other boots, and writes cut short, are of no further use. Those of
// other builds of srcbind on this boot stay: two installed builds would
// otherwise remove each other's at every run.
void remove_stale(const std::string& directory, const std::string& boot) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if ((name.ends_with(".btf") && !name.starts_with(boot + "-")) || abandoned(name))
      ::unlinkat(::dirfd(dir), name.c_str(), 0);
  }
  ::closedir(dir);
}

struct BtfFree {
  void operator()(struct btf* b) const { btf__free(b); }
};
struct ObjectClose {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};

// Written under a temporary name and renamed: a concurrent run sees the whole
// file or none.
bool write_file(const std::string& directory, const std::string& name, const void* data, std::size_t size,
                std::string& error) {
  const std::string temporary = directory + "/" + name + "." + std::to_string(::getpid()) + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create " + temporary + ": " + std::strerror(errno);
    return false;
  }
  const bool written = ::write(fd, data, size) == static_cast<ssize_t>(size);
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temporary.c_str(), (directory + "/" + name).c_str()) != 0) {
    error = "cannot write " + directory + "/" + name + ": " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace

struct btf* kernel_types_for(const struct btf* local, const struct btf* kernel, std::string& error) {
  std::unique_ptr<struct btf, BtfFree> out(btf__new_empty());
  if (!out) {
    error = "cannot create a BTF";
    return nullptr;
  }
  KernelTypeCopy copy(kernel, out.get(), names_in(local));
  if (!copy.copy_wanted()) {
    error = "cannot copy the kernel's types";
    return nullptr;
  }
  return out.release();
}

std::string core_btf_file_name(const std::string& boot, const void* object, std::size_t size) {
  // FNV-1a over 8-byte words: ~0.1 ms for the ~0.7 MB object; not a defence
  // against anyone (the directory is), only a name for this build of it.
  std::uint64_t hash = 14695981039346656037ull;
  const auto* bytes = static_cast<const unsigned char*>(object);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    hash = (hash ^ word) * 1099511628211ull;
  }
  for (; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return boot + "-" + text + "-" + std::to_string(size) + ".btf";
}

std::string cached_core_btf(const std::string& directory, const void* object, std::size_t size, std::string& error) {
  const std::string boot = boot_id();
  if (boot.size() < 32) {
    error = "no boot id in /proc/sys/kernel/random/boot_id";
    return {};
  }
  if (!make_private_directory(directory, error)) return {};
  const std::string name = core_btf_file_name(boot, object, size);
  const std::string path = directory + "/" + name;
  if (usable_file(path)) return path;

  remove_stale(directory, boot);
  std::unique_ptr<bpf_object, ObjectClose> opened(bpf_object__open_mem(object, size, nullptr));
  std::unique_ptr<struct btf, BtfFree> kernel(btf__load_vmlinux_btf());
  if (!opened || !kernel || bpf_object__btf(opened.get()) == nullptr) {
    error = "cannot read the BPF object's or the kernel's BTF";
    return {};
  }
  std::unique_ptr<struct btf, BtfFree> small(kernel_types_for(bpf_object__btf(opened.get()), kernel.get(), error));
  if (!small) return {};
  std::uint32_t raw_size = 0;
  const void* raw = btf__raw_data(small.get(), &raw_size);
  if (raw == nullptr || !write_file(directory, name, raw, raw_size, error)) return {};
  return path;
}

}  // namespace srcbind::kernel
