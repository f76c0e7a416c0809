#include "srcbind/kernel/bpf_programs.hpp"

#include "srcbind.skel.h"
#include "srcbind/kernel/core_btf.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string_view>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace srcbind::kernel {
namespace {

// libbpf's messages (a verifier log can be thousands of lines): kept, and only
// the last meaningful line is shown, in the one-line error.
std::string& libbpf_last_line() {
  static std::string line;
  return line;
}

int keep_libbpf_message(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buffer[512];
  const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  if (n <= 0) return 0;
  std::string text(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (!text.empty() && text.find("-- END PROG LOAD LOG --") == std::string::npos) libbpf_last_line() = text;
  return 0;
}

std::string errno_text(int error) {
  const char* name = strerrorname_np(error);
  return std::string(std::strerror(error)) + (name ? std::string(" (") + name + ")" : "");
}

bool fill_one(const bpf_map* map, const void* key, const void* value, std::string& error) {
  if (bpf_map__update_elem(map, key, bpf_map__key_size(map), value, bpf_map__value_size(map), BPF_ANY) != 0) {
    error = std::string("cannot fill the BPF map ") + bpf_map__name(map) + ": " + errno_text(errno);
    return false;
  }
  return true;
}

// Arrays in one BPF_MAP_UPDATE_BATCH (Linux 5.6): 100,000 rules are then a
// handful of syscalls, not hundreds of thousands.
template <class T>
bool fill_array(const bpf_map* map, const std::vector<T>& values, std::string& error) {
  if (values.empty()) return true;
  std::vector<std::uint32_t> keys(values.size());
  for (std::uint32_t i = 0; i < keys.size(); ++i) keys[i] = i;
  std::uint32_t count = static_cast<std::uint32_t>(values.size());
  LIBBPF_OPTS(bpf_map_batch_opts, options, .elem_flags = 0, .flags = 0);
  if (bpf_map_update_batch(bpf_map__fd(map), keys.data(), values.data(), &count, &options) != 0 ||
      count != values.size()) {
    error = std::string("cannot fill the BPF map ") + bpf_map__name(map) + ": " + errno_text(errno);
    return false;
  }
  return true;
}

// An LPM trie: in one BPF_MAP_UPDATE_BATCH where the kernel has it for tries
// (6.18 does; 100,000 prefixes were 100,000 syscalls), else one update each.
template <class Key>
bool fill_trie(const bpf_map* map, const std::vector<std::pair<Key, std::uint32_t>>& prefixes, std::string& error) {
  if (prefixes.empty()) return true;
  std::vector<Key> keys;
  std::vector<std::uint32_t> values;
  keys.reserve(prefixes.size());
  values.reserve(prefixes.size());
  for (const auto& [key, slice] : prefixes) {
    keys.push_back(key);
    values.push_back(slice);
  }
  std::uint32_t count = static_cast<std::uint32_t>(prefixes.size());
  LIBBPF_OPTS(bpf_map_batch_opts, options, .elem_flags = 0, .flags = 0);
  if (bpf_map_update_batch(bpf_map__fd(map), keys.data(), values.data(), &count, &options) == 0 &&
      count == prefixes.size())
    return true;
  for (const auto& [key, slice] : prefixes) {
    if (!fill_one(map, &key, &slice, error)) return false;
  }
  return true;
}

// A family's hash tables into the programs' read-only data, before they load.
template <class Slot>
void set_hash_tables(const KernelHashTables<Slot>& hashed, volatile __u32& used, volatile __u32& count,
                     volatile sb_hash_table (&tables)[SB_HASH_TABLES]) {
  used = hashed.used ? 1 : 0;
  count = static_cast<__u32>(hashed.tables.size());
  for (std::size_t i = 0; i < hashed.tables.size(); ++i)
    std::memcpy(const_cast<sb_hash_table*>(&tables[i]), &hashed.tables[i], sizeof(sb_hash_table));
}

template <class T>
std::uint32_t entries(const std::vector<T>& v) {
  return static_cast<std::uint32_t>(std::max<std::size_t>(v.size(), 1));
}

}  // namespace

std::uint64_t current_netns_cookie() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  std::uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (::getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) cookie = 0;
  ::close(fd);
  return cookie;
}

std::unique_ptr<BpfPrograms> BpfPrograms::load(const KernelTables& tables, const LoadSettings& settings,
                                               std::string& error) {
  std::string small_btf;
  if (!settings.core_btf_directory.empty()) {
    std::size_t size = 0;
    const void* object = srcbind_bpf__elf_bytes(&size);
    std::string ignored;   // without the small BTF, libbpf reads the kernel's: slower, not wrong
    small_btf = cached_core_btf(settings.core_btf_directory, object, size, ignored);
  }
  if (!small_btf.empty()) {
    if (std::unique_ptr<BpfPrograms> programs = load_with(tables, settings, small_btf, error)) return programs;
    // Whatever is wrong with it, the next run makes it anew; this one tries the
    // kernel's whole BTF, so a bad file costs time, never a run.
    ::unlink(small_btf.c_str());
  }
  return load_with(tables, settings, {}, error);
}

std::unique_ptr<BpfPrograms> BpfPrograms::load_with(const KernelTables& tables, const LoadSettings& settings,
                                                    const std::string& small_btf, std::string& error) {
  libbpf_set_print(keep_libbpf_message);
  libbpf_last_line().clear();
  LIBBPF_OPTS(bpf_object_open_opts, options, .btf_custom_path = small_btf.empty() ? nullptr : small_btf.c_str());
  srcbind_bpf* skeleton = srcbind_bpf__open_opts(&options);
  if (skeleton == nullptr) {
    error = "cannot open the BPF object: " + errno_text(errno);
    return nullptr;
  }
  std::unique_ptr<BpfPrograms> programs(new BpfPrograms(skeleton));
  programs->small_btf_used_ = !small_btf.empty();
  skeleton->rodata->netns_cookie = settings.netns_cookie;
  skeleton->rodata->log_applied = settings.log_applied ? 1 : 0;
  skeleton->rodata->log_problems = settings.log_problems ? 1 : 0;
  skeleton->rodata->uses_programs = tables.programs.empty() ? 0 : 1;
  const auto& verdicts = socket_verdicts().table;
  static_assert(sizeof skeleton->rodata->socket_verdicts == sizeof verdicts);
  std::memcpy(const_cast<__u8*>(skeleton->rodata->socket_verdicts), verdicts.data(), sizeof verdicts);
  set_hash_tables(tables.hashed_v4, skeleton->rodata->hashed_v4, skeleton->rodata->hash_tables_v4,
                  skeleton->rodata->hash_table_v4);
  set_hash_tables(tables.hashed_v6, skeleton->rodata->hashed_v6, skeleton->rodata->hash_tables_v6,
                  skeleton->rodata->hash_table_v6);
  bpf_map__set_max_entries(skeleton->maps.hash_slots_v4, entries(tables.hashed_v4.slots));
  bpf_map__set_max_entries(skeleton->maps.hash_slots_v6, entries(tables.hashed_v6.slots));
  // A hashed family's trie is never walked: left empty.
  bpf_map__set_max_entries(skeleton->maps.prefixes_v4, tables.hashed_v4.used ? 1 : entries(tables.v4));
  bpf_map__set_max_entries(skeleton->maps.prefixes_v6, tables.hashed_v6.used ? 1 : entries(tables.v6));
  bpf_map__set_max_entries(skeleton->maps.slices, entries(tables.slices));
  bpf_map__set_max_entries(skeleton->maps.candidates, entries(tables.candidates));
  bpf_map__set_max_entries(skeleton->maps.rules, entries(tables.rules));
  bpf_map__set_max_entries(skeleton->maps.programs, entries(tables.programs));
  if (srcbind_bpf__load(skeleton) != 0) {
    const int saved = errno;
    error = "the kernel refused the BPF programs: " +
            (libbpf_last_line().empty() ? errno_text(saved) : libbpf_last_line());
    return nullptr;
  }
  if (!programs->fill(tables, error)) return nullptr;
  return programs;
}

bool BpfPrograms::fill(const KernelTables& tables, std::string& error) {
  if ((!tables.hashed_v4.used && !fill_trie(skeleton_->maps.prefixes_v4, tables.v4, error)) ||
      (!tables.hashed_v6.used && !fill_trie(skeleton_->maps.prefixes_v6, tables.v6, error)) ||
      !fill_array(skeleton_->maps.hash_slots_v4, tables.hashed_v4.slots, error) ||
      !fill_array(skeleton_->maps.hash_slots_v6, tables.hashed_v6.slots, error))
    return false;
  if (!fill_array(skeleton_->maps.slices, tables.slices, error) ||
      !fill_array(skeleton_->maps.candidates, tables.candidates, error) ||
      !fill_array(skeleton_->maps.rules, tables.rules, error)) {
    return false;
  }
  for (std::uint32_t i = 0; i < tables.programs.size(); ++i) {
    sb_program_key key{};
    std::memcpy(key.name, tables.programs[i].data(), std::min(tables.programs[i].size(), sizeof key.name - 1));
    const std::uint32_t id = i + 1;
    if (!fill_one(skeleton_->maps.programs, &key, &id, error)) return false;
  }
  return true;
}

BpfPrograms::~BpfPrograms() { srcbind_bpf__destroy(skeleton_); }

bool BpfPrograms::attach(int cgroup_fd, std::string& error) {
  const struct {
    bpf_program* program;
    bpf_attach_type type;
  } attachments[] = {
      {skeleton_->progs.connect4, BPF_CGROUP_INET4_CONNECT},
      {skeleton_->progs.connect6, BPF_CGROUP_INET6_CONNECT},
      {skeleton_->progs.sendmsg4, BPF_CGROUP_UDP4_SENDMSG},
      {skeleton_->progs.sendmsg6, BPF_CGROUP_UDP6_SENDMSG},
  };
  for (const auto& a : attachments) {
    if (bpf_prog_attach(bpf_program__fd(a.program), cgroup_fd, a.type, BPF_F_ALLOW_MULTI) != 0) {
      error = std::string("cannot attach ") + bpf_program__name(a.program) + " to the cgroup: " + errno_text(errno);
      return false;
    }
  }
  return true;
}

bool BpfPrograms::pin(const std::string& directory, std::string& error) {
  struct statfs fs {};
  if (::statfs("/sys/fs/bpf", &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
    error = "/sys/fs/bpf is not a BPF file system (systemd mounts one; else: mount -t bpf bpf /sys/fs/bpf)";
    return false;
  }
  // Under /sys/fs/bpf/srcbind/NAME; the parents are created as needed.
  for (std::size_t slash = directory.find('/', 1);; slash = directory.find('/', slash + 1)) {
    const std::string part = directory.substr(0, slash);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      error = "cannot create " + part + ": " + errno_text(errno);
      return false;
    }
    if (slash == std::string::npos) break;
  }
  const auto pin_one = [&](const std::string& name, int fd) {
    const std::string final_path = directory + "/" + name;
    const std::string new_path = final_path + "_new";   // bpffs reserves names with a dot
    ::unlink(new_path.c_str());
    if (bpf_obj_pin(fd, new_path.c_str()) != 0) {
      error = "cannot pin " + new_path + ": " + errno_text(errno);
      return false;
    }
    if (::rename(new_path.c_str(), final_path.c_str()) != 0) {
      error = "cannot rename " + new_path + " to " + final_path + ": " + errno_text(errno);
      ::unlink(new_path.c_str());
      return false;
    }
    return true;
  };
  // Maps first: when the programs switch, their maps are in place.
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skeleton_->obj) {
    const std::string_view name = bpf_map__name(map);
    if (name.find('.') != std::string_view::npos) continue;   // .rodata and the like
    if (!pin_one("map_" + std::string(name), bpf_map__fd(map))) return false;
  }
  const bpf_program* programs[] = {skeleton_->progs.connect4, skeleton_->progs.connect6, skeleton_->progs.sendmsg4,
                                   skeleton_->progs.sendmsg6};
  for (const bpf_program* program : programs) {
    if (!pin_one(bpf_program__name(program), bpf_program__fd(program))) return false;
  }
  return true;
}

int BpfPrograms::events_fd() const { return bpf_map__fd(skeleton_->maps.events); }

}  // namespace srcbind::kernel
