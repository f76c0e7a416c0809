// The command line: getopt_long with "+" so COMMAND's options are COMMAND's.
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

TEST(Options, StopsAtTheFirstNonOptionSoTheCommandKeepsItsOptions) {
  const ParsedOptions p = parse({"-s", "198.51.100.12", "curl", "-v", "-s", "http://x/"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.mode, Mode::run);
  EXPECT_EQ(p.options.sources, std::vector<std::string>{"198.51.100.12"});
  EXPECT_EQ(p.options.verbosity, Verbosity::normal);
  EXPECT_EQ(p.options.operands, (std::vector<std::string>{"curl", "-v", "-s", "http://x/"}));
}

TEST(Options, AcceptsDoubleDashBeforeTheCommand) {
  const ParsedOptions p = parse({"-c", "f.ini", "-v", "--", "wget", "-q"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.config_file, "f.ini");
  EXPECT_EQ(p.options.verbosity, Verbosity::verbose);
  EXPECT_EQ(p.options.operands, (std::vector<std::string>{"wget", "-q"}));
}

TEST(Options, CollectsRepeatedSources) {
  const ParsedOptions p = parse({"-s", "198.51.100.12", "--source=2001:db8::12", "-i", "eth0", "true"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.joined_sources(), "198.51.100.12,2001:db8::12");
  EXPECT_EQ(p.options.interface, "eth0");
}

TEST(Options, ParsesExplainWithOptionsAfterTheDestination) {
  const ParsedOptions p = parse({"--explain", "-c", "f.ini", "[2001:db8::1]:443", "--udp", "--program", "curl"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.mode, Mode::explain);
  EXPECT_TRUE(p.options.udp);
  EXPECT_EQ(p.options.program, "curl");
  EXPECT_EQ(p.options.operands, std::vector<std::string>{"[2001:db8::1]:443"});
}

TEST(Options, RejectsWhatDoesNotFit) {
  EXPECT_EQ(parse({}).error, "no COMMAND given");
  EXPECT_EQ(parse({"--bogus", "true"}).error, "unknown option '--bogus'");
  EXPECT_EQ(parse({"-x", "true"}).error, "unknown option '-x'");
  EXPECT_EQ(parse({"true", "-c"}).error, "");  // COMMAND's option, not ours
  EXPECT_EQ(parse({"-c"}).error, "option -c needs an argument");
  EXPECT_EQ(parse({"--config"}).error, "option --config needs an argument");
  EXPECT_EQ(parse({"--check", "--explain", "x"}).error, "--check and --explain cannot be combined");
  EXPECT_EQ(parse({"-v", "-q", "true"}).error, "-v and -q cannot be combined");
  EXPECT_EQ(parse({"--udp", "true"}).error, "--udp is only valid with --explain");
  EXPECT_EQ(parse({"--explain"}).error, "--explain needs a destination: DEST[:PORT]");
  EXPECT_EQ(parse({"--explain", "a", "b"}).error, "--explain takes one destination, got also 'b'");
  EXPECT_EQ(parse({"--check", "extra"}).error, "unexpected argument 'extra' after --check");
  EXPECT_EQ(parse({"--check", "-v"}).error, "-v is not valid with --check");
}

TEST(Options, HelpAndVersionWinOverEverythingElse) {
  EXPECT_EQ(parse({"--help"}).options.mode, Mode::help);
  EXPECT_EQ(parse({"-c", "x", "--version"}).options.mode, Mode::version);
  EXPECT_EQ(version_text(), "srcbind " SRCBIND_TEST_VERSION "\n");
  EXPECT_NE(usage_text().find("--print-env"), std::string::npos);
}

TEST(Options, CanBeParsedTwiceInOneProcess) {
  ASSERT_TRUE(parse({"-s", "198.51.100.1", "true"}).ok());
  const ParsedOptions p = parse({"--check", "-c", "x.ini"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.options.mode, Mode::check);
}

// The kernel backend: --kernel, --pin NAME, --check --kernel.
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
