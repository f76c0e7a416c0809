// Unit names, ExecStart= parsing (unit files, drop-ins, systemctl show) and the
// drop-in text and file helpers behind srcbind enable / disable.
#include "systemd_dropin.hpp"
#include "systemd_unit.hpp"
#include "temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace srcbind::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(UnitName, ServiceIsAddedWhenThereIsNoSuffix) {
  EXPECT_EQ(normalise_unit_name("nginx").name, "nginx.service");
  EXPECT_EQ(normalise_unit_name("nginx.service").name, "nginx.service");
  EXPECT_EQ(normalise_unit_name("getty@tty1").name, "getty@tty1.service");
  EXPECT_EQ(normalise_unit_name("php8.2-fpm").name, "php8.2-fpm.service");
}

TEST(UnitName, OtherUnitTypesTemplatesAndOddCharactersAreRefused) {
  EXPECT_THAT(normalise_unit_name("nginx.socket").error, HasSubstr("is a .socket unit"));
  EXPECT_THAT(normalise_unit_name("getty@").error, HasSubstr("is a template"));
  EXPECT_THAT(normalise_unit_name("a b").error, HasSubstr("not a unit name"));
  EXPECT_THAT(normalise_unit_name("../../etc/passwd").error, HasSubstr("not a unit name"));
  EXPECT_THAT(normalise_unit_name("foo\\x2dbar").error, HasSubstr("not a unit name"));
  EXPECT_FALSE(normalise_unit_name("").error.empty());
  EXPECT_FALSE(normalise_unit_name("-x").error.empty());
}

TEST(ExecLine, PrefixesAreStrippedAndTheFirstWordIsTheExecutable) {
  EXPECT_EQ(executable_of_exec_line("/usr/sbin/nginx -g 'daemon on;'"), "/usr/sbin/nginx");
  EXPECT_EQ(executable_of_exec_line("-/usr/bin/true"), "/usr/bin/true");
  EXPECT_EQ(executable_of_exec_line("@/usr/bin/prog argv0name"), "/usr/bin/prog");
  EXPECT_EQ(executable_of_exec_line("+!!-:/usr/bin/prog"), "/usr/bin/prog");
  EXPECT_EQ(executable_of_exec_line("\"/opt/my dir/prog\" x"), "/opt/my dir/prog");
  EXPECT_EQ(executable_of_exec_line("  "), std::nullopt);
}

TEST(ExecLine, SystemctlShowGivesEveryCommandsPath) {
  const std::string text =
      "{ path=/usr/bin/one ; argv[]=/usr/bin/one path=/not/this ; ignore_errors=no ; start_time=[n/a] ; "
      "stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n"
      "{ path=/usr/bin/two ; argv[]=/usr/bin/two ; ignore_errors=yes ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; "
      "code=(null) ; status=0/0 }\n";
  EXPECT_THAT(parse_systemctl_exec_start(text), ElementsAre("/usr/bin/one", "/usr/bin/two"));
  EXPECT_THAT(parse_systemctl_exec_start(""), ElementsAre());
}

class UnitFiles : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& text) {
    const fs::path path = fs::path(dir.path()) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  ExecStartLookup lookup(const std::string& unit) { return exec_start_from_unit_files(unit, dir.path()); }
  srcbind::test::TempDir dir;
};

TEST_F(UnitFiles, EtcComesBeforeLibAndOnlyServiceLinesCount) {
  write("lib/systemd/system/a.service", "[Service]\nExecStart=/bin/false\n");
  write("etc/systemd/system/a.service",
        "[Unit]\nExecStart=/not/a/service/line\n[Service]\n# ExecStart=/commented\nExecStart=/bin/true \\\n  --x\n");
  const ExecStartLookup r = lookup("a.service");
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.executables, ElementsAre("/bin/true"));
}

TEST_F(UnitFiles, DropInsResetAndAddInNameOrder) {
  write("lib/systemd/system/a.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
  write("etc/systemd/system/a.service.d/20-add.conf", "[Service]\nExecStart=sh\n");
  write("lib/systemd/system/a.service.d/10-reset.conf", "[Service]\nExecStart=\nExecStart=/bin/true\n");
  write("etc/systemd/system/a.service.d/notes.txt", "[Service]\nExecStart=/ignored\n");
  const ExecStartLookup r = lookup("a.service");
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.executables.size(), 2u);
  EXPECT_EQ(r.executables[0], "/bin/true");
  EXPECT_THAT(r.executables[1], ::testing::EndsWith("/sh"));  // a bare name, found in systemd's fixed path
}

TEST_F(UnitFiles, AnInstanceFallsBackToItsTemplate) {
  write("usr/lib/systemd/system/getty@.service", "[Service]\nExecStart=-/bin/true %I\n");
  EXPECT_THAT(lookup("getty@tty1.service").executables, ElementsAre("/bin/true"));
}

TEST_F(UnitFiles, MissingMaskedAndUnexpandableAreErrors) {
  EXPECT_THAT(lookup("none.service").error, HasSubstr("no unit file for none.service"));
  fs::create_directories(dir / "etc/systemd/system");
  fs::create_symlink("/dev/null", dir / "etc/systemd/system/masked.service");
  EXPECT_THAT(lookup("masked.service").error, HasSubstr("is masked"));
  write("lib/systemd/system/spec.service", "[Service]\nExecStart=/opt/%i/bin/prog\n");
  EXPECT_THAT(lookup("spec.service").error, HasSubstr("specifier"));
  write("lib/systemd/system/empty.service", "[Service]\nType=oneshot\n");
  EXPECT_THAT(lookup("empty.service").error, HasSubstr("has no ExecStart="));
}

TEST(DropIn, WordsAreQuotedOnlyWhenNeededAndPercentIsDoubled) {
  EXPECT_EQ(systemd_word("LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libsrcbind.so"),
            "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libsrcbind.so");
  EXPECT_EQ(systemd_word("SRCBIND_CONFIG=/etc/my dir/a.ini"), "\"SRCBIND_CONFIG=/etc/my dir/a.ini\"");
  EXPECT_EQ(systemd_word("/etc/100%.ini"), "/etc/100%%.ini");
  EXPECT_EQ(systemd_word("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(DropIn, FileNames) {
  const ServiceFiles files = service_files("/etc/systemd/system", "getty@tty1.service");
  EXPECT_EQ(files.dropin, "/etc/systemd/system/getty@tty1.service.d/srcbind.conf");
  EXPECT_EQ(files.pin_unit_name, "srcbind-pin-getty_tty1.service");
  EXPECT_EQ(pin_directory("getty@tty1.service"), "/sys/fs/bpf/srcbind/getty@tty1.service");
}

TEST(DropIn, TheMarkerIsTheFirstLineOfEveryFileAndIsRecognised) {
  srcbind::test::TempDir dir;
  for (const std::string& text : {library_dropin_text("a.service", "/lib/libsrcbind.so", "/etc/a.ini"),
                                  kernel_dropin_text("a.service", "srcbind-pin-a.service"),
                                  pin_unit_text("a.service", "/usr/bin/srcbind", "/etc/a.ini")}) {
    const std::string path = dir.write("x.conf", text);
    EXPECT_TRUE(written_by_srcbind(path)) << text;
  }
  EXPECT_FALSE(written_by_srcbind(dir.write("mine.conf", "[Service]\n# Written by \"srcbind enable\".\n")));
  EXPECT_FALSE(written_by_srcbind(dir / "absent.conf"));
}

TEST(DropIn, AtomicWriteReplacesTheFileAndLeavesNoTemporary) {
  srcbind::test::TempDir dir;
  const fs::path path = dir / "srcbind.conf";
  EXPECT_EQ(write_file_atomically(path, "one\n"), "");
  EXPECT_EQ(write_file_atomically(path, "two\n"), "");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "two");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
  EXPECT_THAT(write_file_atomically(dir / "no/such/dir/x.conf", "x"), HasSubstr("cannot create a file in"));
}

}  // namespace
}  // namespace srcbind::cli
