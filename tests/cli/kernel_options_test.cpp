// The options of the kernel backend: --kernel, --pin NAME, --check --kernel.
#include "options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace srcbind::cli {
namespace {

ParsedOptions parse(std::initializer_list<const char*> words) {
  std::vector<std::string> storage{"srcbind"};
  storage.insert(storage.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return parse_options(static_cast<int>(storage.size()), argv.data());
}

TEST(KernelOptions, KernelRunKeepsTheCommandsOwnOptions) {
  const ParsedOptions p = parse({"--kernel", "-c", "f.ini", "-v", "--", "restic", "--kernel"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.mode, Mode::run);
  EXPECT_TRUE(p.options.kernel);
  EXPECT_FALSE(p.options.pin);
  EXPECT_EQ(p.options.operands, (std::vector<std::string>{"restic", "--kernel"}));
}

TEST(KernelOptions, PinTakesANameAndNoCommand) {
  const ParsedOptions p = parse({"--kernel", "--pin", "backup.service", "-c", "f.ini"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.pin, "backup.service");
  EXPECT_TRUE(parse({"--pin", "x", "--kernel"}).ok());
}

TEST(KernelOptions, CheckKernel) {
  const ParsedOptions p = parse({"--check", "--kernel", "-c", "f.ini"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.mode, Mode::check);
  EXPECT_TRUE(p.options.kernel);
}

TEST(KernelOptions, RejectsWhatDoesNotFit) {
  EXPECT_EQ(parse({"--pin", "x", "-c", "f.ini"}).error, "--pin needs --kernel");
  EXPECT_EQ(parse({"--kernel", "--pin", "x", "true"}).error, "--pin takes no COMMAND, got 'true'");
  EXPECT_EQ(parse({"--kernel", "--pin", "a/b"}).error, "--pin needs a plain name (a unit name), got 'a/b'");
  EXPECT_EQ(parse({"--kernel", "--pin", ".."}).error, "--pin needs a plain name (a unit name), got '..'");
  EXPECT_EQ(parse({"--kernel", "--pin", "x", "--pin", "y"}).error, "--pin given twice");
  EXPECT_EQ(parse({"--kernel", "--explain", "203.0.113.1"}).error, "--kernel is not valid with --explain");
  EXPECT_EQ(parse({"--kernel", "--print-env"}).error, "--kernel is not valid with --print-env");
  EXPECT_EQ(parse({"--kernel"}).error, "no COMMAND given");
}

}  // namespace
}  // namespace srcbind::cli
