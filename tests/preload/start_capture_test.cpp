// The constructor's capture (preload/start_capture.hpp) against the C++ path it
// stands in for (capture_configuration with Environment::from_process): the same
// file chosen, with the same origin, trust, verdict and text, for each way of
// naming it; and the cases it leaves to that path.
#include "start_capture.hpp"

#include "srcbind/config_file.hpp"
#include "srcbind/rule_table.hpp"
#include "temp_dir.hpp"

#include <gmock/gmock.h>

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace srcbind::preload {
namespace {

using test::TempDir;

// Sets the variables for one case and puts them back afterwards.
class ScopedEnvironment {
 public:
  ScopedEnvironment(std::vector<std::pair<std::string, std::optional<std::string>>> values) {
    for (auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old != nullptr ? std::optional<std::string>(old) : std::nullopt);
      set(name, value);
    }
  }
  ~ScopedEnvironment() {
    for (auto& [name, value] : saved_) set(name, value);
  }

 private:
  static void set(const std::string& name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::unique_ptr<StartCapture> capture() {
  auto c = std::make_unique<StartCapture>();
  if (!capture_start(*c)) return nullptr;
  return c;
}

// Both ways agree on everything the rules are built from.
void expect_same_as_the_cpp_path(StartCapture& c) {
  CapturedConfiguration full = capture_configuration(Environment::from_process(), ConfigFile::Capture::map);
  ConfigFile file = c.config_path != nullptr ? ConfigFile::adopt(c.config_path, c.trust, c.file) : ConfigFile();
  c.file.mapping = nullptr;
  EXPECT_EQ(c.origin, full.origin);
  EXPECT_EQ(file.path(), full.file.path());
  EXPECT_EQ(file.trust(), full.file.trust());
  EXPECT_EQ(file.error(), full.file.error());
  EXPECT_EQ(file.trust_problem(), full.file.trust_problem());
  EXPECT_EQ(file.text(), full.file.text());
  const Environment& env = full.env;
  auto same = [](const char* captured, const std::optional<std::string>& value) {
    return captured == nullptr ? !value.has_value() : value && *value == captured;
  };
  EXPECT_TRUE(same(c.variables[StartCapture::kConfig], env.config));
  EXPECT_TRUE(same(c.variables[StartCapture::kSource], env.source));
  EXPECT_TRUE(same(c.variables[StartCapture::kInterface], env.interface));
  EXPECT_TRUE(same(c.variables[StartCapture::kLog], env.log));
  EXPECT_TRUE(same(c.variables[StartCapture::kLogFile], env.log_file));
}

constexpr const char* kRules = "[rule backup]\ndestination = 198.51.100.0/24\nsource = 127.0.0.2\n";

TEST(StartCapture, NamedFileIsTheOneTheCppPathOpens) {
  TempDir dir;
  const std::string path = dir.write("named.ini", kRules);
  ScopedEnvironment env({{"SRCBIND_CONFIG", path}, {"SRCBIND_SOURCE", "127.0.0.3"}, {"SRCBIND_LOG", "info"}});
  auto c = capture();
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->file.mapping, nullptr);
  expect_same_as_the_cpp_path(*c);
}

TEST(StartCapture, PerUserFileBelowXdgConfigHomeAndBelowHome) {
  TempDir dir;
  dir.write("xdg/srcbind/srcbind.ini", kRules);
  dir.write("home/.config/srcbind/srcbind.ini", kRules);
  {
    ScopedEnvironment env({{"SRCBIND_CONFIG", std::nullopt}, {"XDG_CONFIG_HOME", dir / "xdg"}, {"HOME", dir / "home"}});
    auto c = capture();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(std::string(c->config_path), dir / "xdg/srcbind/srcbind.ini");
    expect_same_as_the_cpp_path(*c);
  }
  {
    // An empty SRCBIND_CONFIG and a relative XDG_CONFIG_HOME count as unset.
    ScopedEnvironment env({{"SRCBIND_CONFIG", ""}, {"XDG_CONFIG_HOME", "relative"}, {"HOME", dir / "home"}});
    auto c = capture();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->origin, ConfigOrigin::per_user);
    expect_same_as_the_cpp_path(*c);
  }
}

TEST(StartCapture, NoPerUserFileFallsToTheSystemFileAsTheCppPathDoes) {
  TempDir dir;
  ScopedEnvironment env({{"SRCBIND_CONFIG", std::nullopt}, {"XDG_CONFIG_HOME", std::nullopt}, {"HOME", dir.path()}});
  auto c = capture();
  ASSERT_NE(c, nullptr);
  expect_same_as_the_cpp_path(*c);   // /etc/srcbind.ini or no file, whichever this host has
}

TEST(StartCapture, FilesThatCannotBeUsedGiveTheSameVerdict) {
  TempDir dir;
  const std::string fifo = dir / "fifo.ini";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string writable = dir.write("writable.ini", kRules, 0666);
  ASSERT_EQ(::chmod(writable.c_str(), 0666), 0);
  for (const std::string& path : {dir / "missing.ini", fifo, dir.path(), writable, std::string("/dev/null")}) {
    SCOPED_TRACE(path);
    ScopedEnvironment env({{"SRCBIND_CONFIG", path}});
    auto c = capture();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->file.mapping != nullptr, path == writable);   // mapped only when a regular file
    expect_same_as_the_cpp_path(*c);
  }
}

// Left to the C++ path, with nothing left open or mapped.
TEST(StartCapture, LeavesToTheCppPathWhatSystemCallsAloneCannotDo) {
  TempDir dir;
  const std::string empty = dir.write("empty.ini", "");
  {
    ScopedEnvironment env({{"SRCBIND_CONFIG", empty}});   // read, not mapped: its size may lie
    EXPECT_EQ(capture(), nullptr);
  }
  {
    // No HOME: the per-user file is in the password database.
    ScopedEnvironment env({{"SRCBIND_CONFIG", std::nullopt}, {"XDG_CONFIG_HOME", std::nullopt}, {"HOME", std::nullopt}});
    EXPECT_EQ(capture(), nullptr);
  }
  {
    ScopedEnvironment env({{"SRCBIND_CONFIG", dir.write("a.ini", kRules)},
                           {"SRCBIND_SOURCE", std::string(StartCapture::kTextBytes, 'x')}});
    EXPECT_EQ(capture(), nullptr);
  }
}

}  // namespace
}  // namespace srcbind::preload
