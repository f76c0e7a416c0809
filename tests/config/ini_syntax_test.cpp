// The file's syntax: comments, blanks, line endings, long lines and garbage
// (SPEC: "A file that cannot be read or parsed never crashes the host program").
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ini.h>

#include <random>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kRule = "[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n";

TEST(IniSyntax, CommentsBlankLinesAndBlanksAroundEqualsAndCommasAreAllowed) {
  const RuleTable table = parse(
      "# a comment\n"
      "; another\n"
      "\n"
      "   [rule a]   ; trailing comment\n"
      "\tdestination\t=\t203.0.113.10 ,203.0.113.11 ,  203.0.113.12# no blank before the comment\n"
      "  source=198.51.100.12;no blank either\n"
      "   \n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].destinations.size(), 3u);
  EXPECT_EQ(table.rules[0].source_v4, ip("198.51.100.12"));
}

TEST(IniSyntax, CrlfLineEndingsAreAccepted) {
  const RuleTable table = parse("[rule a]\r\ndestination = 203.0.113.0/24\r\nsource = 198.51.100.12\r\nport = 99999\r\n");
  EXPECT_THAT(errors(table), ElementsAre("rules.ini:4: port \"99999\" is out of range (1-65535)"));
}

TEST(IniSyntax, Utf8ByteOrderMarkIsAccepted) {
  const RuleTable table = parse("\xEF\xBB\xBF[rule a]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n");
  EXPECT_THAT(messages(table), ElementsAre());
  EXPECT_EQ(table.rules.size(), 1u);
}

TEST(IniSyntax, EmptyFileIsValidWithANoRulesWarning) {
  for (std::string_view text : {"", "\n\n", "; only a comment\n", "[srcbind]\nlog = info\n"}) {
    const RuleTable table = parse(text);
    EXPECT_TRUE(table.ok()) << text;
    EXPECT_TRUE(table.rules.empty());
    EXPECT_THAT(messages(table), ElementsAre("rules.ini: warning: no rules")) << text;
  }
}

TEST(IniSyntax, LineWithoutEqualsIsAnError) {
  EXPECT_THAT(errors(parse("[rule a]\ndestination 203.0.113.0/24\nsource = 198.51.100.12\n")),
              ElementsAre("rules.ini:1: rule \"a\" has no destination (add destination = ADDRESS[/LENGTH], ... or *)",
                          "rules.ini:2: expected KEY = VALUE or [SECTION], found \"destination 203.0.113.0/24\""));
}

TEST(IniSyntax, ColonIsNotAKeyValueSeparator) {
  EXPECT_THAT(errors(parse("[rule a]\ndestination: 2001:db8::1\nsource = 198.51.100.12\n")),
              ElementsAre("rules.ini:1: rule \"a\" has no destination (add destination = ADDRESS[/LENGTH], ... or *)",
                          "rules.ini:2: expected KEY = VALUE or [SECTION], found \"destination: 2001:db8::1\""));
  EXPECT_THAT(errors(parse("[srcbind]\nlog:x = info\n")), ElementsAre("rules.ini:2: \"log:x\" is not a valid key name"));
}

TEST(IniSyntax, MissingKeyIsAnError) {
  EXPECT_THAT(errors(parse("[srcbind]\n= info\n")), ElementsAre("rules.ini:2: missing key before \"=\""));
}

TEST(IniSyntax, MalformedSectionHeadersAreErrorsAndTheirKeysIgnored) {
  EXPECT_THAT(errors(parse("[rule a\ndestination = *\nsource = 198.51.100.12\n[rule b] x\nport = 0\n")),
              ElementsAre("rules.ini:1: section header \"[rule a\" is missing \"]\"",
                          "rules.ini:4: unexpected text after \"]\" in section header \"[rule b] x\""));
}

TEST(IniSyntax, LongLinesKeepTheirLineNumbersAndEveryEntry) {
  // inih's own buffer is 200 bytes: longer lines must not shift line numbers.
  std::string destinations;
  for (int i = 0; i < 300; ++i) destinations += (i ? ", 2001:db8:" : "2001:db8:") + std::to_string(i) + "::/48";
  const std::string text = "[rule a]\n"
                           "destination = " + destinations + "\n"
                           "source = 198.51.100.12\n"
                           "port = 0\n"
                           "log_file = /var/log/" + std::string(300, 'x') + "/srcbind log.txt\n";
  const RuleTable table = parse(text);
  EXPECT_THAT(errors(table), ElementsAre("rules.ini:4: port \"0\" is out of range (1-65535)",
                                         "rules.ini:5: key \"log_file\" is not known in a [rule] section (expected "
                                         "destination, port, protocol, program, source, interface, on_error)"));

  const RuleTable good = parse("[srcbind]\nlog_file = /var/log/" + std::string(300, 'x') + "/srcbind log.txt\n" +
                               "[rule a]\ndestination = " + destinations + "\nsource = 198.51.100.12\n");
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(good.settings.log_file, "/var/log/" + std::string(300, 'x') + "/srcbind log.txt");
  ASSERT_EQ(good.rules.size(), 1u);
  ASSERT_EQ(good.rules[0].destinations.size(), 300u);
  EXPECT_EQ(good.rules[0].destinations[299].prefix.to_string(), "2001:db8:299::/48");
}

TEST(IniSyntax, LongValueKeepsEveryBlank) {
  std::string path = "/var/log/";
  for (int i = 0; i < 120; ++i) path += "a b ";
  path += "end";
  const RuleTable table = parse("[srcbind]\nlog_file = " + path + "\n");
  EXPECT_TRUE(table.ok());
  EXPECT_EQ(table.settings.log_file, path);
}

TEST(IniSyntax, OneMebibyteLineIsAClearError) {
  const std::string text = "[rule a]\ndestination = " + std::string(1 << 20, '1') + "\nsource = 198.51.100.12\n";
  EXPECT_THAT(errors(parse(text)),
              ElementsAre("rules.ini:1: rule \"a\" has no destination (add destination = ADDRESS[/LENGTH], ... or *)",
                          "rules.ini:2: line is longer than 65536 bytes"));
}

TEST(IniSyntax, LineOfTheLongestLengthIsReadWhole) {
  // inih's buffer grows to this length and no further (config/src/line_feeder.cpp).
  const std::string head = "log_file = /var/log/";
  const std::string path = "/var/log/" + std::string(64 * 1024 - head.size(), 'x');
  const std::string line = "log_file = " + path;
  ASSERT_EQ(line.size(), 64u * 1024);
  const RuleTable table = parse("[srcbind]\n" + line + "\n" + line + "x\nlog = nonsense\n");
  EXPECT_EQ(table.settings.log_file, path);
  EXPECT_THAT(errors(table), ElementsAre("rules.ini:3: line is longer than 65536 bytes",
                                         HasSubstr("rules.ini:4: log level \"nonsense\" is not known")));
}

TEST(IniSyntax, AnIndentedLineDoesNotContinueThePreviousValue) {
  EXPECT_THAT(errors(parse("[rule a]\ndestination = 203.0.113.0/24\n    203.0.113.99\nsource = 198.51.100.12\n")),
              ElementsAre("rules.ini:3: expected KEY = VALUE or [SECTION], found \"203.0.113.99\""));
  const RuleTable table = parse("[rule a]\ndestination = 203.0.113.0/24\n    source = 198.51.100.12\n  port = 21\n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].source_v4, ip("198.51.100.12"));
  EXPECT_EQ(table.rules[0].ports.size(), 1u);
}

TEST(IniSyntax, EverySectionHeaderCountsEvenWithoutKeysOrWhenItRepeatsAName) {
  EXPECT_THAT(errors(parse("[rule]\n[rule]\ndestination = *\nsource = 198.51.100.12\n[rule]\n")),
              ElementsAre(HasSubstr("rules.ini:1: rule has no destination"),
                          HasSubstr("rules.ini:1: rule has neither source nor interface"),
                          HasSubstr("rules.ini:5: rule has no destination"),
                          HasSubstr("rules.ini:5: rule has neither source nor interface")));
}

TEST(IniSyntax, LongRuleNamesAndKeysAreKeptWhole) {
  const std::string name(80, 'n');
  const RuleTable table = parse("[rule " + name + "]\ndestination = *\nsource = 198.51.100.12\n");
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].name, name);
  const std::string key(80, 'k');
  EXPECT_THAT(errors(parse("[srcbind]\n" + key + " = 1\n")),
              ElementsAre(HasSubstr("rules.ini:2: key \"" + key.substr(0, 64) + "...\" is not known in a [srcbind]")));
}

TEST(IniSyntax, ParsingLeavesInihsSettingsAsTheyWere) {
  // A program may use a shared libinih itself: the settings are its own (here
  // ini.h's defaults, as Debian builds it).
  ini_allow_multiline = true;
  ini_use_stack = true;
  ini_allow_realloc = false;
  ini_max_line = 200;
  EXPECT_TRUE(parse(kRule).ok());
  EXPECT_TRUE(ini_allow_multiline);
  EXPECT_TRUE(ini_use_stack);
  EXPECT_FALSE(ini_allow_realloc);
  EXPECT_EQ(ini_max_line, 200);
}

TEST(IniSyntax, NulByteIsOneErrorAndNothingElseIsRead) {
  const std::string text = std::string(kRule) + "port = 2" + '\0' + "\n[rule b]\n";
  const RuleTable table = parse(text);
  EXPECT_THAT(errors(table), ElementsAre("rules.ini:4: line contains a NUL byte: this is not a text file"));
  EXPECT_TRUE(table.rules.empty());
}

TEST(IniSyntax, BinaryGarbageGivesErrorsNotACrash) {
  std::mt19937 random(42);
  for (int round = 0; round < 20; ++round) {
    std::string garbage(64 * 1024, '\0');
    for (auto& c : garbage) c = static_cast<char>(random() % 255 + 1);   // no NUL: the slow path
    const RuleTable table = parse(garbage);
    EXPECT_FALSE(table.ok());
    EXPECT_LE(table.diagnostics.size(), 102u);
  }
}

TEST(IniSyntax, StopsAfterOneHundredErrors) {
  std::string text = "[srcbind]\n";
  for (int i = 0; i < 500; ++i) text += "nonsense\n";
  const RuleTable table = parse(text);
  ASSERT_EQ(table.diagnostics.size(), 101u);
  EXPECT_EQ(table.diagnostics.back().to_string(), "rules.ini:101: too many errors; stopped reading after 100");
}

TEST(IniSyntax, ControlCharactersAreEscapedInMessages) {
  EXPECT_THAT(errors(parse("[srcbind]\nlog = in\x1b[31mfo\n")),
              ElementsAre(HasSubstr("log level \"in\\x1b[31mfo\" is not known")));
}

}  // namespace
}  // namespace srcbind::test
