// Rule filters, names of the enumerations, and how a diagnostic is printed.
#include "srcbind/diagnostic.hpp"
#include "srcbind/rule.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace srcbind::test {
namespace {

TEST(Rule, LabelIsTheNameOrTheLineOrTheVariable) {
  Rule rule;
  rule.file = "rules.ini";
  rule.line = 12;
  EXPECT_EQ(rule.label(), "at line 12");
  EXPECT_EQ(rule.reference(), "rule at line 12");
  rule.name = "client-ftp";
  EXPECT_EQ(rule.label(), "client-ftp");
  Rule quick;
  quick.file = "SRCBIND_SOURCE";
  EXPECT_EQ(quick.label(), "SRCBIND_SOURCE");
}

TEST(Rule, AppliesToAFamilyWithASourceOrAnInterface) {
  Rule rule;
  EXPECT_FALSE(rule.applies_to(Family::v4));
  rule.source_v4 = ip("198.51.100.12");
  EXPECT_TRUE(rule.applies_to(Family::v4));
  EXPECT_FALSE(rule.applies_to(Family::v6));
  EXPECT_FALSE(rule.source_for(Family::v6));
  rule.interface = "eth0";
  EXPECT_TRUE(rule.applies_to(Family::v6));
}

TEST(Rule, EmptyFiltersMatchEverything) {
  const Rule rule;
  EXPECT_TRUE(rule.matches_port(0));
  EXPECT_TRUE(rule.matches_port(65535));
  EXPECT_TRUE(rule.matches_protocol(Protocol::udp));
  EXPECT_TRUE(rule.matches_program({}));
}

TEST(Rule, ProtocolAnyInTheQueryMeansNotKnownYet) {
  Rule rule;
  rule.protocol = Protocol::tcp;
  EXPECT_TRUE(rule.matches_protocol(Protocol::any));
  EXPECT_TRUE(rule.matches_protocol(Protocol::tcp));
  EXPECT_FALSE(rule.matches_protocol(Protocol::udp));
}

TEST(Rule, ProgramFilterMatchesAnyOfTheProcessNames) {
  Rule rule;
  rule.programs = {"ftp", "lftp"};
  const std::vector<std::string> lftp{"python3", "lftp"};
  const std::vector<std::string> curl{"curl"};
  EXPECT_TRUE(rule.matches_program(lftp));
  EXPECT_FALSE(rule.matches_program(curl));
  EXPECT_FALSE(rule.matches_program({}));
}

TEST(Rule, EnumerationsReadAsInTheIniFile) {
  EXPECT_EQ(to_string(Protocol::tcp), "tcp");
  EXPECT_EQ(to_string(Protocol::any), "any");
  EXPECT_EQ(to_string(OnError::proceed), "continue");
  EXPECT_EQ(to_string(OnError::fail), "fail");
  for (LogLevel level : {LogLevel::off, LogLevel::error, LogLevel::warn, LogLevel::info, LogLevel::debug}) {
    EXPECT_EQ(parse_log_level(to_string(level)), level);
  }
  EXPECT_FALSE(parse_log_level("WARN"));
  EXPECT_FALSE(parse_log_level("warning"));
}

TEST(ConfigDiagnostic, PrintsFileLineAndMessageAndMarksWarnings) {
  EXPECT_EQ((Diagnostic{"rules.ini", 7, Diagnostic::Severity::error, "port \"0\" is out of range"}).to_string(),
            "rules.ini:7: port \"0\" is out of range");
  EXPECT_EQ((Diagnostic{"rules.ini", 0, Diagnostic::Severity::error, "cannot read: x"}).to_string(),
            "rules.ini: cannot read: x");
  EXPECT_EQ((Diagnostic{"rules.ini", 3, Diagnostic::Severity::warning, "w"}).to_string(), "rules.ini:3: warning: w");
  EXPECT_FALSE(has_errors({{"f", 1, Diagnostic::Severity::warning, "w"}}));
  EXPECT_TRUE(has_errors({{"f", 1, Diagnostic::Severity::warning, "w"}, {"f", 2, Diagnostic::Severity::error, "e"}}));
}

}  // namespace
}  // namespace srcbind::test
