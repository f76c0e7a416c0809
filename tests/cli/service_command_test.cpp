// srcbind enable / disable on files under a private root
// ($SRCBIND_TEST_SYSTEMD_ROOT): what is written, that disable leaves the unit
// directory byte for byte as it was, what is refused, and systemd-analyze
// verify on the result.
#include "srcbind_tree.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace srcbind::cli::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every entry under `dir`: its type, mode and, for files, its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    lstat(entry.path().c_str(), &st);
    std::string description = std::to_string(st.st_mode);
    if (entry.is_regular_file()) description += ":" + read_file(entry.path());
    entries[fs::relative(entry.path(), dir).string()] = description;
  }
  return entries;
}

class ServiceCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(unit_dir);
    fs::create_directories(root / "lib/systemd/system");
    write_unit("demo.service", std::string("ExecStart=-") + SRCBIND_TEST_HELLO_DYNAMIC + " --flag\n");
  }

  void write_unit(const std::string& name, const std::string& service_lines) {
    std::ofstream(root / "lib/systemd/system" / name)
        << "[Unit]\nDescription=srcbind test unit\n\n[Service]\n" << service_lines;
  }

  ChildResult srcbind(std::vector<std::string> args) const {
    return tree.run(std::move(args), {{"SRCBIND_TEST_SYSTEMD_ROOT", root.string()}});
  }

  TempDir dir;
  SrcbindTree tree;
  fs::path root = dir / "root";
  fs::path unit_dir = root / "etc/systemd/system";
  fs::path dropin = unit_dir / "demo.service.d/srcbind.conf";
  fs::path pin_unit = unit_dir / "srcbind-pin-demo.service";
  std::string config = write_loopback_config(dir);
};

TEST_F(ServiceCommand, EnableWritesTheLibraryFormAndSaysToReload) {
  const ChildResult r = srcbind({"enable", "demo", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "wrote " + dropin.string())) << r.out;
  EXPECT_TRUE(contains(r.out, "systemctl daemon-reload")) << r.out;
  const std::string text = read_file(dropin);
  EXPECT_TRUE(text.starts_with("# Written by \"srcbind enable\".")) << text;
  EXPECT_TRUE(contains(text, "\n[Service]\nEnvironment=LD_PRELOAD=" + tree.library() + "\nEnvironment=SRCBIND_CONFIG=" +
                                 config + "\n"))
      << text;
  struct stat st {};
  ASSERT_EQ(stat(dropin.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // No temporary file left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dropin.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(ServiceCommand, EnableWritesTheKernelFormWithItsPinUnit) {
  const ChildResult r = srcbind({"enable", "demo.service", "--kernel", "-c", config});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string text = read_file(dropin);
  EXPECT_TRUE(contains(text, "[Unit]\nRequires=srcbind-pin-demo.service\nAfter=srcbind-pin-demo.service\n")) << text;
  for (const char* program : {"connect4", "connect6", "sendmsg4", "sendmsg6"})
    EXPECT_TRUE(contains(text, std::string("\nBPFProgram=") + program + ":/sys/fs/bpf/srcbind/demo.service/" + program +
                                   "\n"))
        << text;
  EXPECT_TRUE(contains(text, "\nExecStartPre=+/usr/bin/test -e /sys/fs/bpf/srcbind/demo.service/connect4 -a -e "
                             "/sys/fs/bpf/srcbind/demo.service/connect6 -a -e /sys/fs/bpf/srcbind/demo.service/sendmsg4 "
                             "-a -e /sys/fs/bpf/srcbind/demo.service/sendmsg6\n"))
      << text;
  EXPECT_FALSE(contains(text, "LD_PRELOAD")) << text;
  const std::string pin = read_file(pin_unit);
  EXPECT_TRUE(contains(pin, "Type=oneshot\nRemainAfterExit=yes\n")) << pin;
  EXPECT_TRUE(contains(pin, "Before=demo.service\n")) << pin;
  EXPECT_TRUE(contains(pin, "ExecStart=" + tree.exe() + " --kernel --pin demo.service -c " + config + "\n")) << pin;
  EXPECT_TRUE(contains(pin, "ExecStop=/bin/rm -rf /sys/fs/bpf/srcbind/demo.service\n")) << pin;

  const ChildResult off = srcbind({"disable", "demo"});
  ASSERT_EQ(off.exit_code, 0) << describe(off);
  EXPECT_TRUE(contains(off.out, "removed " + pin_unit.string())) << off.out;
  EXPECT_TRUE(contains(off.out, "systemctl stop srcbind-pin-demo.service")) << off.out;
}

TEST_F(ServiceCommand, RoundTripsLeaveTheUnitDirectoryAsItWas) {
  // One unit with no drop-in directory, one whose directory holds someone else's.
  write_unit("other.service", std::string("ExecStart=") + SRCBIND_TEST_HELLO_DYNAMIC + "\n");
  fs::create_directories(unit_dir / "other.service.d");
  std::ofstream(unit_dir / "other.service.d/limits.conf") << "[Service]\nLimitNOFILE=4096\n";
  std::ofstream(unit_dir / "unrelated.service") << "[Service]\nExecStart=/bin/true\n";
  const auto before = snapshot(root);
  for (const std::string unit : {"demo", "other.service"}) {
    for (const bool kernel : {false, true}) {
      std::vector<std::string> args = {"enable", unit, "-c", config};
      if (kernel) args.push_back("--kernel");
      const ChildResult on = srcbind(args);
      ASSERT_EQ(on.exit_code, 0) << describe(on);
      EXPECT_NE(snapshot(root), before);
      const ChildResult off = srcbind({"disable", unit});
      ASSERT_EQ(off.exit_code, 0) << describe(off);
      EXPECT_EQ(snapshot(root), before) << unit << (kernel ? " --kernel" : "");
    }
  }
  // Enabled twice, and from one form to the other: one disable still restores all.
  ASSERT_EQ(srcbind({"enable", "demo", "--kernel", "-c", config}).exit_code, 0);
  ASSERT_EQ(srcbind({"enable", "demo", "-c", config}).exit_code, 0);
  EXPECT_FALSE(fs::exists(pin_unit));
  ASSERT_EQ(srcbind({"enable", "demo", "--kernel", "-c", config}).exit_code, 0);
  ASSERT_EQ(srcbind({"disable", "demo"}).exit_code, 0);
  EXPECT_EQ(snapshot(root), before);
}

TEST_F(ServiceCommand, DisableOfAUnitNotEnabledChangesNothing) {
  const auto before = snapshot(root);
  const ChildResult r = srcbind({"disable", "demo"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "not enabled")) << r.out;
  EXPECT_EQ(snapshot(root), before);
}

TEST_F(ServiceCommand, ADropInSrcbindDidNotWriteIsNeverTouched) {
  fs::create_directories(dropin.parent_path());
  std::ofstream(dropin) << "[Service]\nEnvironment=LD_PRELOAD=/opt/mine.so\n";
  const auto before = snapshot(root);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"disable", "demo"}, std::vector<std::string>{"enable", "demo", "-c", config},
        std::vector<std::string>{"enable", "demo", "--kernel", "-c", config}}) {
    const ChildResult r = srcbind(args);
    EXPECT_EQ(r.exit_code, 125) << describe(r);
    EXPECT_TRUE(contains(r.err, dropin.string() + " exists and was not written by srcbind enable")) << r.err;
    EXPECT_EQ(snapshot(root), before) << args[0];
  }
}

TEST_F(ServiceCommand, APinUnitSrcbindDidNotWriteIsNeverTouched) {
  std::ofstream(pin_unit) << "[Service]\nExecStart=/bin/true\n";
  const auto before = snapshot(root);
  EXPECT_EQ(srcbind({"enable", "demo", "--kernel", "-c", config}).exit_code, 125);
  EXPECT_EQ(srcbind({"disable", "demo"}).exit_code, 125);
  EXPECT_EQ(snapshot(root), before);
}

TEST_F(ServiceCommand, ABrokenConfigurationIsRefusedAndNothingIsWritten) {
  const std::string broken = dir.write("broken.ini", "[rule x]\ndestination = 127.0.0.1\nsource = nowhere\n");
  const auto before = snapshot(root);
  for (const bool kernel : {false, true}) {
    std::vector<std::string> args = {"enable", "demo", "-c", broken};
    if (kernel) args.push_back("--kernel");
    const ChildResult r = srcbind(args);
    EXPECT_EQ(r.exit_code, 125) << describe(r);
    EXPECT_TRUE(contains(r.err, broken + ":3: ")) << r.err;
    EXPECT_EQ(snapshot(root), before);
  }
}

TEST_F(ServiceCommand, AStaticExecutableIsRefusedUnlessKernel) {
#ifndef SRCBIND_TEST_HELLO_STATIC
  GTEST_SKIP() << "the compiler cannot link a static executable here";
#else
  write_unit("demo.service", std::string("ExecStart=") + SRCBIND_TEST_HELLO_STATIC + "\n");
  const auto before = snapshot(root);
  const ChildResult r = srcbind({"enable", "demo", "-c", config});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_TRUE(contains(r.err, std::string(SRCBIND_TEST_HELLO_STATIC) + ": it is statically linked")) << r.err;
  EXPECT_TRUE(contains(r.err, "srcbind enable demo.service --kernel")) << r.err;
  EXPECT_EQ(snapshot(root), before);
  EXPECT_EQ(srcbind({"enable", "demo", "--kernel", "-c", config}).exit_code, 0);
#endif
}

TEST_F(ServiceCommand, ASetuidExecutableIsRefused) {
  const std::string setuid = dir / "setuid-hello";
  fs::copy_file(SRCBIND_TEST_HELLO_DYNAMIC, setuid);
  ASSERT_EQ(chmod(setuid.c_str(), 04755), 0);
  write_unit("demo.service", "ExecStart=!!" + setuid + " arg\n");
  const ChildResult r = srcbind({"enable", "demo", "-c", config});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_TRUE(contains(r.err, setuid + ": it is set-user-ID")) << r.err;
  EXPECT_FALSE(fs::exists(dropin));
}

TEST_F(ServiceCommand, TheExecStartOfADropInCounts) {
  // The unit file names a static program, a drop-in replaces it with a dynamic one.
  write_unit("demo.service", "ExecStart=/nonexistent/static-program\n");
  fs::create_directories(unit_dir / "demo.service.d");
  std::ofstream(unit_dir / "demo.service.d/override.conf")
      << "[Service]\nExecStart=\nExecStart=" << SRCBIND_TEST_HELLO_DYNAMIC << "\n";
  const ChildResult r = srcbind({"enable", "demo", "-c", config});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(ServiceCommand, AMissingUnitOrAMissingProgramIsAnError) {
  ChildResult r = srcbind({"enable", "absent", "-c", config});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_TRUE(contains(r.err, "no unit file for absent.service")) << r.err;
  write_unit("demo.service", "ExecStart=/nonexistent/program\n");
  r = srcbind({"enable", "demo", "-c", config});
  EXPECT_EQ(r.exit_code, 125) << describe(r);
  EXPECT_TRUE(contains(r.err, "/nonexistent/program: it does not exist")) << r.err;
}

TEST_F(ServiceCommand, BadCommandLinesAreRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"enable"}, std::vector<std::string>{"enable", "a", "b"},
        std::vector<std::string>{"disable", "demo", "--kernel"}, std::vector<std::string>{"enable", "demo.socket"},
        std::vector<std::string>{"enable", "de mo"}, std::vector<std::string>{"enable", "demo", "--bogus"}}) {
    const ChildResult r = srcbind(args);
    EXPECT_EQ(r.exit_code, 125) << describe(r);
    EXPECT_FALSE(r.err.empty());
  }
  EXPECT_EQ(srcbind({"enable", "--help"}).exit_code, 0);
  // After "--", "enable" is a COMMAND like any other.
  const ChildResult command = srcbind({"-s", "127.0.0.1", "--", "enable", "demo"});
  EXPECT_EQ(command.exit_code, 127) << describe(command);
}

// systemd's own reading of what was written: the drop-in with the test unit, and
// the pin unit.
TEST_F(ServiceCommand, SystemdAnalyzeVerifyAcceptsBothForms) {
  const char* analyze = nullptr;
  for (const char* candidate : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"})
    if (access(candidate, X_OK) == 0) analyze = candidate;
  if (analyze == nullptr) GTEST_SKIP() << "systemd-analyze is not installed (package systemd)";
  const std::string unit_path =
      unit_dir.string() + ":" + (root / "lib/systemd/system").string() + ":";  // trailing ':': and the defaults
  for (const bool kernel : {false, true}) {
    std::vector<std::string> args = {"enable", "demo", "-c", config};
    if (kernel) args.push_back("--kernel");
    ASSERT_EQ(srcbind(args).exit_code, 0);
    std::vector<std::string> verify = {analyze, "verify", "--man=no", (root / "lib/systemd/system/demo.service").string()};
    if (kernel) verify.push_back(pin_unit.string());
    const ChildResult r = run_child(verify, command_options({{"SYSTEMD_UNIT_PATH", unit_path}}));
    if (r.exit_code != 0 && contains(r.err, "Failed to") && !contains(r.err, "srcbind"))
      GTEST_SKIP() << "systemd-analyze verify cannot run here: " << r.err;
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    // Warnings do not change the exit status: none may name srcbind's files.
    EXPECT_FALSE(contains(r.err, "srcbind")) << r.err;
    EXPECT_FALSE(contains(r.out, "srcbind")) << r.out;
  }
}

}  // namespace
}  // namespace srcbind::cli::test
