// The shipped examples are valid on the host they describe (made_up_host.hpp:
// eth0 with alias eth0:1, and eth1), and do what their comments say.
#include "made_up_host.hpp"

#include "srcbind/ini_parser.hpp"
#include "srcbind/matcher.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace srcbind::cli {
namespace {

const std::string kExamples = SRCBIND_TEST_EXAMPLES_DIR;

RuleTable load_example(const std::string& name) {
  std::ifstream in(kExamples + "/" + name);
  EXPECT_TRUE(in) << "cannot read " << name;
  std::stringstream text;
  text << in.rdbuf();
  return parse_config_text(text.str(), name, test::made_up_host());
}

// What the library decides for `program` connecting over TCP to address:port.
std::optional<Rule> decide(const RuleTable& t, const char* program, const char* address, std::uint16_t port) {
  const std::vector<std::string> names{program};
  const Matcher matcher(t.rules, names);
  Endpoint ep;
  ep.address = *IpAddress::parse(address);
  ep.port = port;
  const Rule* rule = matcher.find(ep, Protocol::tcp);
  return rule != nullptr ? std::optional<Rule>(*rule) : std::nullopt;
}

TEST(Examples, EveryIniFileIsValidWithoutWarningsOnTheHostItDescribes) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".ini") continue;
    ++files;
    const RuleTable t = load_example(entry.path().filename().string());
    EXPECT_FALSE(t.rules.empty()) << entry.path();
    for (const Diagnostic& d : t.diagnostics) ADD_FAILURE() << d.to_string();
  }
  EXPECT_GE(files, 2);
}

TEST(Examples, TheFtpJobLeavesFromTheAliasAddress) {
  const RuleTable t = load_example("client-ftp.ini");
  const std::optional<Rule> control = decide(t, "wget", "203.0.113.10", 21);
  ASSERT_TRUE(control);
  EXPECT_EQ(control->source_v4->to_string(), "198.51.100.12");
  EXPECT_TRUE(decide(t, "wget", "203.0.113.10", 30042)) << "passive data connections";
  EXPECT_FALSE(decide(t, "wget", "203.0.113.10", 80));
  EXPECT_FALSE(decide(t, "wget", "203.0.113.11", 21));
  EXPECT_FALSE(decide(t, "firefox", "203.0.113.10", 21)) << "only the job's programs";
}

TEST(Examples, TwoNicsPinsThePartnerTrafficToEth1) {
  const RuleTable t = load_example("two-nics.ini");
  const std::optional<Rule> rule = decide(t, "rsync", "203.0.113.200", 873);
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->interface, "eth1");
  EXPECT_EQ(rule->source_v4->to_string(), "203.0.113.5");
  const std::optional<Rule> v6 = decide(t, "rsync", "2001:db8:30::7", 873);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->interface, "eth1");
}

}  // namespace
}  // namespace srcbind::cli
