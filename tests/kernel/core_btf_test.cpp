// The small BTF the BPF programs are relocated with (srcbind/kernel/core_btf.hpp):
// the kernel's own layout of what the programs read, kept per boot and per
// build of the programs, never taken from a directory others can write.
#include "srcbind/kernel/bpf_programs.hpp"
#include "srcbind/kernel/core_btf.hpp"

#include <gtest/gtest.h>

#include <bpf/btf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace srcbind::kernel {
namespace {

struct BtfFree {
  void operator()(struct btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfFree>;

BtfPtr kernel_btf() { return BtfPtr(btf__load_vmlinux_btf()); }

// A member of a struct, by name, with where it is.
struct Member {
  bool found = false;
  std::uint32_t bit_offset = 0;
  std::uint32_t bitfield_size = 0;
  std::uint32_t kind = 0;
};

Member member_of(const struct btf* b, const char* type, const char* member) {
  const int id = btf__find_by_name_kind(b, type, BTF_KIND_STRUCT);
  if (id <= 0) return {};
  const btf_type* t = btf__type_by_id(b, static_cast<std::uint32_t>(id));
  for (std::uint32_t i = 0; i < btf_vlen(t); ++i) {
    const struct btf_member& m = btf_members(t)[i];
    if (std::string(btf__name_by_offset(b, m.name_off)) != member) continue;
    const btf_type* mt = btf__type_by_id(b, btf__resolve_type(b, m.type));
    return {true, btf_member_bit_offset(t, i), btf_member_bitfield_size(t, i), btf_kind(mt)};
  }
  return {};
}

// What the programs name, as an object's BTF would: empty structs of those names.
BtfPtr local_btf(std::initializer_list<const char*> names) {
  BtfPtr local(btf__new_empty());
  for (const char* name : names) btf__add_struct(local.get(), name, 0);
  return local;
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    char name[] = "/tmp/srcbind-core-btf-test.XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(CoreBtf, KeepsTheKernelsLayoutOfWhatTheProgramsName) {
  const BtfPtr kernel = kernel_btf();
  if (!kernel) GTEST_SKIP() << "no kernel BTF (/sys/kernel/btf/vmlinux)";
  const BtfPtr local = local_btf({"task_struct", "sock", "sock_common___flavour"});
  std::string error;
  const BtfPtr small(kernel_types_for(local.get(), kernel.get(), error));
  ASSERT_TRUE(small) << error;
  EXPECT_LT(btf__type_cnt(small.get()), btf__type_cnt(kernel.get()) / 50) << "small, not a copy of the kernel's";

  // What the programs read: a pointer, a byte and a one-bit field.
  const struct {
    const char* type;
    const char* member;
  } read[] = {{"task_struct", "mm"}, {"sock", "sk_userlocks"}, {"sock_common", "skc_ipv6only"}};
  for (const auto& r : read) {
    const Member want = member_of(kernel.get(), r.type, r.member);
    const Member got = member_of(small.get(), r.type, r.member);
    ASSERT_TRUE(want.found) << r.type << "." << r.member << " is not in this kernel's BTF";
    ASSERT_TRUE(got.found) << r.type << "." << r.member;
    EXPECT_EQ(got.bit_offset, want.bit_offset) << r.type << "." << r.member;
    EXPECT_EQ(got.bitfield_size, want.bitfield_size) << r.type << "." << r.member;
    EXPECT_EQ(got.kind, want.kind) << r.type << "." << r.member;
  }
  // Named structs the object does not name are empty, of the kernel's size.
  const int mm = btf__find_by_name_kind(small.get(), "mm_struct", BTF_KIND_STRUCT);
  EXPECT_LT(mm, 0) << "pointers lead nowhere: mm_struct is not named by the object";
}

TEST(CoreBtf, TheFileNameTellsBootsAndBuildsApart) {
  const char a[] = "object a";
  const char b[] = "object b";
  const std::string boot1 = "9e3e6377-acec-41f1-ae46-b5610cfe0d37";
  const std::string boot2 = "0e3e6377-acec-41f1-ae46-b5610cfe0d37";
  EXPECT_EQ(core_btf_file_name(boot1, a, sizeof a), core_btf_file_name(boot1, a, sizeof a));
  EXPECT_NE(core_btf_file_name(boot1, a, sizeof a), core_btf_file_name(boot1, b, sizeof b));
  EXPECT_NE(core_btf_file_name(boot1, a, sizeof a), core_btf_file_name(boot2, a, sizeof a));
  EXPECT_NE(core_btf_file_name(boot1, a, sizeof a), core_btf_file_name(boot1, a, sizeof a - 1));
}

TEST(CoreBtf, AnotherUsersDirectoryIsNeverUsed) {
  TemporaryDirectory top;
  const std::string directory = top.path() + "/core-btf";
  ASSERT_EQ(::mkdir(directory.c_str(), 0700), 0);
  // Its parent writable by others: they could swap the directory.
  ASSERT_EQ(::chmod(top.path().c_str(), 0777), 0);
  std::string error;
  const char object[] = "not an object";
  EXPECT_EQ(cached_core_btf(directory, object, sizeof object, error), "");
  EXPECT_NE(error.find("not this user's alone"), std::string::npos) << error;
}

TEST(CoreBtf, ProgramsLoadWithItAndItIsKeptForTheNextRun) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: loads the BPF programs";
  if (!kernel_btf()) GTEST_SKIP() << "no kernel BTF (/sys/kernel/btf/vmlinux)";
  TemporaryDirectory top;
  ASSERT_EQ(::chmod(top.path().c_str(), 0700), 0);
  const std::string directory = top.path() + "/core-btf";
  ASSERT_EQ(::mkdir(directory.c_str(), 0700), 0);
  std::string boot;
  std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot);
  std::ofstream(directory + "/0e3e6377-acec-41f1-ae46-b5610cfe0d37-0123456789abcdef-1.btf") << "another boot's";
  const std::string other_build = boot + "-0123456789abcdef-1.btf";
  std::ofstream(directory + "/" + other_build) << "another build's, this boot";

  KernelTables empty;
  LoadSettings settings;
  settings.core_btf_directory = directory;
  std::string error;
  std::unique_ptr<BpfPrograms> first = BpfPrograms::load(empty, settings, error);
  ASSERT_TRUE(first) << error;
  EXPECT_TRUE(first->small_btf_used()) << "relocated with the small BTF, not the kernel's whole one";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().filename() != other_build) files.push_back(entry.path().filename());
  }
  ASSERT_EQ(files.size(), 1u) << "this build's file; another boot's removed";
  EXPECT_TRUE(files[0].ends_with(".btf"));
  EXPECT_TRUE(std::filesystem::exists(directory + "/" + other_build)) << "another build's of this boot kept";
  const auto written = std::filesystem::last_write_time(directory + "/" + files[0]);

  std::unique_ptr<BpfPrograms> second = BpfPrograms::load(empty, settings, error);
  ASSERT_TRUE(second) << error;
  EXPECT_TRUE(second->small_btf_used());
  EXPECT_EQ(std::filesystem::last_write_time(directory + "/" + files[0]), written) << "kept, not made again";

  // A broken file costs that run the kernel's whole BTF, and is made anew by the next.
  std::ofstream(directory + "/" + files[0], std::ios::trunc) << "broken";
  std::unique_ptr<BpfPrograms> third = BpfPrograms::load(empty, settings, error);
  ASSERT_TRUE(third) << error;
  EXPECT_FALSE(third->small_btf_used());
  std::unique_ptr<BpfPrograms> fourth = BpfPrograms::load(empty, settings, error);
  ASSERT_TRUE(fourth) << error;
  EXPECT_TRUE(fourth->small_btf_used());
}

}  // namespace
}  // namespace srcbind::kernel
