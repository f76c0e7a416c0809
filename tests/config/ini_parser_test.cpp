// The INI file's keys and values (SPEC "The INI file"), and the message for each
// mistake, at its exact line.
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace srcbind::test {
namespace {

using ::testing::ElementsAre;

constexpr const char* kSpecExample = R"(; global settings, all optional
[srcbind]
on_error = fail          ; fail | continue   (default fail)
log = warn               ; as SRCBIND_LOG
log_file = /var/log/srcbind.log

; any number of rules; the name is optional but must be unique when given
[rule client-ftp]
destination = 203.0.113.10, 203.0.113.64/26, 2001:db8:1::/48   ; required; * = any
port = 21, 30000-30100   ; optional, default any
protocol = tcp           ; tcp | udp | any (default any)
program = ftp, lftp, wget; optional: executable name (basename of /proc/self/exe or argv[0])
source = 198.51.100.12, 2001:db8:2::12   ; at most one address per family
interface = eth1         ; optional: SO_BINDTODEVICE
on_error = continue      ; optional per-rule override
)";

TEST(Ini, ReadsTheSpecExampleWithEveryKey) {
  const RuleTable table = parse(kSpecExample);
  EXPECT_THAT(messages(table), ElementsAre());
  EXPECT_EQ(table.settings.on_error, OnError::fail);
  EXPECT_EQ(table.settings.log_level, LogLevel::warn);
  EXPECT_EQ(table.settings.log_file, "/var/log/srcbind.log");
  ASSERT_EQ(table.rules.size(), 1u);
  const Rule& rule = table.rules[0];
  EXPECT_EQ(rule.name, "client-ftp");
  EXPECT_EQ(rule.label(), "client-ftp");
  EXPECT_EQ(rule.file, "rules.ini");
  EXPECT_EQ(rule.line, 8u);
  ASSERT_EQ(rule.destinations.size(), 3u);
  EXPECT_EQ(rule.destinations[0].prefix.to_string(), "203.0.113.10/32");
  EXPECT_EQ(rule.destinations[1].prefix.to_string(), "203.0.113.64/26");
  EXPECT_EQ(rule.destinations[2].prefix.to_string(), "2001:db8:1::/48");
  EXPECT_FALSE(rule.destinations[0].wildcard);
  EXPECT_THAT(rule.ports, ElementsAre(PortRange{21, 21}, PortRange{30000, 30100}));
  EXPECT_EQ(rule.protocol, Protocol::tcp);
  EXPECT_THAT(rule.programs, ElementsAre("ftp", "lftp", "wget"));
  EXPECT_EQ(rule.source_v4, ip("198.51.100.12"));
  EXPECT_EQ(rule.source_v6, ip("2001:db8:2::12"));
  EXPECT_EQ(rule.interface, "eth1");
  EXPECT_EQ(rule.on_error, OnError::proceed);
}

TEST(Ini, RuleWithOnlyDestinationAndSourceHasDefaults) {
  const RuleTable table = parse("[rule]\ndestination = 203.0.113.0/24\nsource = 198.51.100.12\n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 1u);
  const Rule& rule = table.rules[0];
  EXPECT_EQ(rule.name, "");
  EXPECT_EQ(rule.label(), "at line 1");
  EXPECT_TRUE(rule.ports.empty());
  EXPECT_EQ(rule.protocol, Protocol::any);
  EXPECT_TRUE(rule.programs.empty());
  EXPECT_FALSE(rule.source_v6);
  EXPECT_EQ(rule.interface, "");
  EXPECT_EQ(rule.on_error, OnError::fail);
}

TEST(Ini, SettingsOnErrorIsTheDefaultOfEveryRuleEvenWhenWrittenAfterThem) {
  const RuleTable table = parse(
      "[rule a]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule b]\ndestination = *\nsource = 198.51.100.12\non_error = fail\n"
      "[srcbind]\non_error = continue\nlog = debug\n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 2u);
  EXPECT_EQ(table.settings.on_error, OnError::proceed);
  EXPECT_EQ(table.settings.log_level, LogLevel::debug);
  EXPECT_EQ(table.rules[0].on_error, OnError::proceed);
  EXPECT_EQ(table.rules[1].on_error, OnError::fail);
}

TEST(Ini, EveryLogLevelIsAccepted) {
  for (const auto& [text, level] : {std::pair{"off", LogLevel::off}, std::pair{"error", LogLevel::error},
                                    std::pair{"warn", LogLevel::warn}, std::pair{"info", LogLevel::info},
                                    std::pair{"debug", LogLevel::debug}}) {
    const RuleTable table = parse(std::string("[srcbind]\nlog = ") + text + "\n");
    EXPECT_EQ(table.settings.log_level, level) << text;
    EXPECT_TRUE(table.ok()) << text;
  }
}

TEST(Ini, DestinationStarIsAnyIpv4AndAnyIpv6Wildcard) {
  const RuleTable table = parse("[rule]\ndestination = *\ninterface = eth0\n");
  ASSERT_EQ(table.rules.size(), 1u);
  const auto& d = table.rules[0].destinations;
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].prefix.to_string(), "0.0.0.0/0");
  EXPECT_EQ(d[1].prefix.to_string(), "::/0");
  EXPECT_TRUE(d[0].wildcard);
  EXPECT_TRUE(d[1].wildcard);
}

TEST(Ini, DestinationStarMixesWithOtherEntries) {
  const RuleTable table = parse("[rule]\ndestination = 127.0.0.0/8, *, ::1\ninterface = eth0\n");
  EXPECT_TRUE(table.ok());
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].destinations.size(), 4u);
}

TEST(Ini, MappedDestinationPrefixBecomesIpv4) {
  const RuleTable table = parse("[rule]\ndestination = ::ffff:203.0.113.0/120\nsource = 198.51.100.12\n");
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].destinations[0].prefix.to_string(), "203.0.113.0/24");
}

TEST(Ini, PortEdgesOneAnd65535AreValidAndRangesMayBeOnePort) {
  const RuleTable table = parse("[rule]\ndestination = *\nsource = 198.51.100.12\nport = 1, 65535, 7-7, 1 - 65535\n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_THAT(table.rules[0].ports,
              ElementsAre(PortRange{1, 1}, PortRange{65535, 65535}, PortRange{7, 7}, PortRange{1, 65535}));
}

TEST(Ini, BadPortsAreReportedWithTheirLine) {
  const RuleTable table = parse(
      "[rule]\n"
      "destination = *\n"
      "source = 198.51.100.12\n"
      "port = 0, 65536, 5-3, ftp, 99999999999, 1-0, -5, 21 22\n");
  EXPECT_THAT(errors(table),
              ElementsAre("rules.ini:4: port \"0\" is out of range (1-65535)",
                          "rules.ini:4: port \"65536\" is out of range (1-65535)",
                          "rules.ini:4: port range \"5-3\" is reversed (the first port must not be above the last)",
                          "rules.ini:4: port \"ftp\" is not a port or a range (expected e.g. 21 or 30000-30100)",
                          "rules.ini:4: port \"99999999999\" is out of range (1-65535)",
                          "rules.ini:4: port \"0\" is out of range (1-65535)",
                          "rules.ini:4: port \"-5\" is not a port or a range (expected e.g. 21 or 30000-30100)",
                          "rules.ini:4: port \"21 22\" is not a port or a range (expected e.g. 21 or 30000-30100)"));
  EXPECT_TRUE(table.rules.empty());
}

TEST(Ini, ProtocolMustBeTcpUdpOrAny) {
  for (const auto& [text, protocol] : {std::pair{"tcp", Protocol::tcp}, std::pair{"udp", Protocol::udp},
                                       std::pair{"any", Protocol::any}}) {
    const RuleTable table = parse(std::string("[rule]\ndestination = *\nsource = 198.51.100.12\nprotocol = ") + text);
    ASSERT_EQ(table.rules.size(), 1u) << text;
    EXPECT_EQ(table.rules[0].protocol, protocol);
  }
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 198.51.100.12\nprotocol = sctp\n")),
              ElementsAre("rules.ini:4: protocol \"sctp\" is not known (expected tcp, udp or any)"));
}

TEST(Ini, ProgramIsANameNotAPath) {
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 198.51.100.12\nprogram = curl, /usr/bin/wget\n")),
              ElementsAre("rules.ini:4: program \"/usr/bin/wget\" is a path; give the executable's name (wget)"));
}

TEST(Ini, MalformedDestinationsAreEachReported) {
  const RuleTable table = parse(
      "[rule]\n"
      "destination = 203.0.113.7/24, 10.0.0.0/33, 2001:db8::/129, 10.0.0.0/x, example.com, 2001:db8::1/64\n"
      "source = 198.51.100.12\n");
  EXPECT_THAT(errors(table),
              ElementsAre("rules.ini:2: destination \"203.0.113.7/24\" has host bits set (did you mean 203.0.113.0/24?)",
                          "rules.ini:2: prefix length in \"10.0.0.0/33\" is out of range (0-32 for IPv4)",
                          "rules.ini:2: prefix length in \"2001:db8::/129\" is out of range (0-128 for IPv6)",
                          "rules.ini:2: prefix length in \"10.0.0.0/x\" is not a number",
                          "rules.ini:2: destination \"example.com\" is not an IPv4 or IPv6 address or prefix (or *)",
                          "rules.ini:2: destination \"2001:db8::1/64\" has host bits set (did you mean 2001:db8::/64?)"));
}

TEST(Ini, EmptyListEntriesAreErrors) {
  EXPECT_THAT(errors(parse("[rule]\ndestination = 10.0.0.1,,10.0.0.2\nsource = 198.51.100.12,\n")),
              ElementsAre("rules.ini:2: empty entry in the destination list (two commas in a row, or one at an end?)",
                          "rules.ini:3: empty entry in the source list (two commas in a row, or one at an end?)"));
}

TEST(Ini, KeyWithoutValueIsAnError) {
  EXPECT_THAT(errors(parse("[rule]\ndestination =\nsource = 198.51.100.12\n")),
              ElementsAre("rules.ini:2: key \"destination\" has no value"));
}

TEST(Ini, TwoSourcesOfOneFamilyAreAnError) {
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 198.51.100.12, 198.51.100.110\n")),
              ElementsAre("rules.ini:3: two IPv4 sources (198.51.100.12 and 198.51.100.110); a rule has at most one "
                          "source per family"));
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 2001:db8:2::12, 2001:db8::10\n")),
              ElementsAre("rules.ini:3: two IPv6 sources (2001:db8:2::12 and 2001:db8::10); a rule has at most one "
                          "source per family"));
}

TEST(Ini, SourceMustBeOneUsableAddress) {
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 198.51.100.0/24, eth0, 0.0.0.0, ::\n")),
              ElementsAre("rules.ini:3: source \"198.51.100.0/24\" is a prefix; a source is one address",
                          "rules.ini:3: source \"eth0\" is not an IPv4 or IPv6 address (or @INTERFACE)",
                          "rules.ini:3: source \"0.0.0.0\" is the unspecified address; it would not choose a source",
                          "rules.ini:3: source \"::\" is the unspecified address; it would not choose a source"));
}

TEST(Ini, SourceNotOnThisHostIsOnlyAWarningOncePerAddress) {
  const RuleTable table = parse(
      "[rule a]\ndestination = 10.0.0.0/8\nsource = 203.0.113.99\n"
      "[rule b]\ndestination = 10.1.0.0/16\nsource = 203.0.113.99\n");
  EXPECT_TRUE(table.ok());
  EXPECT_EQ(table.rules.size(), 2u);
  EXPECT_THAT(messages(table), ElementsAre("rules.ini:3: warning: source 203.0.113.99 is not an address of this host "
                                           "(binding it will fail with EADDRNOTAVAIL)"));
}

TEST(Ini, AtNameGivesTheFirstIpv4AndFirstGlobalIpv6OfTheDevice) {
  const RuleTable table = parse("[rule]\ndestination = *\nsource = @eth0\n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].source_v4, ip("198.51.100.110"));
  EXPECT_EQ(table.rules[0].source_v6, ip("2001:db8::10"));   // fe80::10 is skipped
}

TEST(Ini, AtAliasLabelGivesTheAliasAddress) {
  const RuleTable table = parse("[rule]\ndestination = *\nsource = @eth0:1\n");
  EXPECT_THAT(messages(table), ElementsAre());
  ASSERT_EQ(table.rules.size(), 1u);
  EXPECT_EQ(table.rules[0].source_v4, ip("198.51.100.111"));
  EXPECT_FALSE(table.rules[0].source_v6);
}

TEST(Ini, AtNameProblemsAreErrorsWithTheirLine) {
  const RuleTable table = parse(
      "[rule a]\ndestination = *\nsource = @eth9\n"
      "[rule b]\ndestination = *\nsource = @wg0\n"
      "[rule c]\ndestination = *\nsource = 198.51.100.12, @eth0\n"
      "[rule d]\ndestination = *\nsource = @\n");
  EXPECT_THAT(errors(table),
              ElementsAre("rules.ini:3: source \"@eth9\": there is no interface or alias label \"eth9\" on this host",
                          "rules.ini:6: source \"@wg0\": \"wg0\" has no IPv4 or IPv6 address",
                          "rules.ini:9: two IPv4 sources (198.51.100.12 and 198.51.100.110 from @eth0); a rule has at "
                          "most one source per family",
                          "rules.ini:12: source \"@\" needs an interface or alias label after the @ (e.g. @eth0 or "
                          "@eth0:1)"));
}

TEST(Ini, InterfaceMustExistOnThisHost) {
  EXPECT_TRUE(parse("[rule]\ndestination = *\ninterface = wg0\n").ok());
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\ninterface = eth9\n")),
              ElementsAre("rules.ini:3: interface \"eth9\" is not on this host (SO_BINDTODEVICE would fail with ENODEV)"));
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\ninterface = eth0:1\n")),
              ElementsAre("rules.ini:3: interface \"eth0:1\" is an alias label, not a device (use interface = eth0)"));
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\ninterface = averyveryverylongname\n")),
              ElementsAre("rules.ini:3: interface \"averyveryverylongname\" is longer than 15 bytes, the longest "
                          "interface name"));
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\ninterface = eth0, eth1\n")),
              ElementsAre("rules.ini:3: interface \"eth0, eth1\" names more than one interface (a rule has one)"));
}

TEST(Ini, SourceOnAnotherInterfaceThanTheRulesInterfaceIsAnError) {
  const RuleTable table = parse("[rule]\ndestination = *\nsource = 198.51.100.12\ninterface = eth0\n");
  EXPECT_THAT(errors(table),
              ElementsAre("rules.ini:3: source 198.51.100.12 is on interface eth1, not on eth0: packets would leave "
                          "through eth0 and replies arrive on eth1 (a silent hang)"));
  EXPECT_TRUE(table.rules.empty());
}

TEST(Ini, SourceOnTheRulesInterfaceOrNotOnThisHostIsAccepted) {
  EXPECT_TRUE(parse("[rule]\ndestination = *\ninterface = eth0\nsource = 198.51.100.111, 2001:db8::10\n").ok());
  EXPECT_TRUE(parse("[rule]\ndestination = *\ninterface = eth0\nsource = @eth0:1\n").ok());
  EXPECT_TRUE(parse("[rule]\ndestination = *\ninterface = eth0\nsource = 203.0.113.99\n").ok());   // warning only
}

TEST(Ini, RuleWithoutSourceOrInterfaceIsAnError) {
  EXPECT_THAT(errors(parse("\n[rule web]\ndestination = *\nport = 80\n")),
              ElementsAre("rules.ini:2: rule \"web\" has neither source nor interface (it needs one of them, or both)"));
}

TEST(Ini, RuleWithoutDestinationIsAnError) {
  EXPECT_THAT(errors(parse("[rule]\nsource = 198.51.100.12\n")),
              ElementsAre("rules.ini:1: rule has no destination (add destination = ADDRESS[/LENGTH], ... or *)"));
  EXPECT_THAT(errors(parse("[rule empty]\n")),
              ElementsAre("rules.ini:1: rule \"empty\" has no destination (add destination = ADDRESS[/LENGTH], ... or *)",
                          "rules.ini:1: rule \"empty\" has neither source nor interface (it needs one of them, or both)"));
}

TEST(Ini, DuplicateRuleNamesAreAnError) {
  const RuleTable table = parse(
      "[rule ftp]\ndestination = *\nsource = 198.51.100.12\n"
      "[rule ftp]\ndestination = *\nsource = 198.51.100.12\n");
  EXPECT_THAT(errors(table), ElementsAre("rules.ini:4: rule name \"ftp\" is already used on line 1"));
  EXPECT_EQ(table.rules.size(), 1u);   // what could be parsed, for --check
}

// The name table starts small and grows (rule_names.cpp): a duplicate is still
// found after many regrowths, and only it.
TEST(Ini, DuplicateRuleNameIsFoundAmongAThousand) {
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text += "[rule r" + std::to_string(i) + "]\ndestination = *\nsource = 198.51.100.12\n";
  }
  text += "[rule r7]\ndestination = *\nsource = 198.51.100.12\n";
  const RuleTable table = parse(text);
  EXPECT_THAT(errors(table), ElementsAre("rules.ini:3001: rule name \"r7\" is already used on line 22"));
  EXPECT_EQ(table.rules.size(), 1000u);
}

TEST(Ini, RuleNameMustNotContainBlanks) {
  EXPECT_THAT(errors(parse("[rule my ftp]\ndestination = *\nsource = 198.51.100.12\n")),
              ElementsAre("rules.ini:1: rule name \"my ftp\" must not contain blanks or brackets"));
}

TEST(Ini, DuplicateKeyInARuleIsAnError) {
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 198.51.100.12\ndestination = 10.0.0.0/8\n")),
              ElementsAre("rules.ini:4: key \"destination\" is already set on line 2"));
  EXPECT_THAT(errors(parse("[srcbind]\nlog = info\nlog = debug\n")),
              ElementsAre("rules.ini:3: key \"log\" is already set on line 2"));
}

TEST(Ini, UnknownKeysSayWhatIsExpected) {
  EXPECT_THAT(errors(parse("[rule]\nsource = 198.51.100.12\ndestnation = *\n")),
              ElementsAre("rules.ini:1: rule has no destination (add destination = ADDRESS[/LENGTH], ... or *)",
                          "rules.ini:3: key \"destnation\" is not known in a [rule] section (expected destination, port, "
                          "protocol, program, source, interface, on_error)"));
  EXPECT_THAT(errors(parse("[srcbind]\nverbose = yes\n")),
              ElementsAre("rules.ini:2: key \"verbose\" is not known in a [srcbind] section (expected on_error, log, "
                          "log_file)"));
}

TEST(Ini, UnknownSectionIsReportedOnceAndItsKeysIgnored) {
  EXPECT_THAT(errors(parse("[rules]\ndestination = *\nsource = 198.51.100.12\n[Rule]\n")),
              ElementsAre("rules.ini:1: section [rules] is not known (expected [srcbind], [rule] or [rule NAME])",
                          "rules.ini:4: section [Rule] is not known (expected [srcbind], [rule] or [rule NAME])"));
}

TEST(Ini, KeyOutsideAnySectionIsAnError) {
  EXPECT_THAT(errors(parse("; comment\nlog = info\n[srcbind]\n")),
              ElementsAre("rules.ini:2: key \"log\" is outside any section (put it under [srcbind] or [rule NAME])"));
}

TEST(Ini, BadSettingsValuesAreErrors) {
  EXPECT_THAT(errors(parse("[srcbind]\non_error = ignore\nlog = loud\nlog_file = srcbind.log\n")),
              ElementsAre("rules.ini:2: on_error \"ignore\" is not known (expected fail or continue)",
                          "rules.ini:3: log level \"loud\" is not known (expected off, error, warn, info or debug)",
                          "rules.ini:4: log_file \"srcbind.log\" must be an absolute path"));
  EXPECT_THAT(errors(parse("[rule]\ndestination = *\nsource = 198.51.100.12\non_error = retry\n")),
              ElementsAre("rules.ini:4: on_error \"retry\" is not known (expected fail or continue)"));
}

TEST(Ini, SeveralErrorsInOneFileAreAllReportedInLineOrder) {
  const RuleTable table = parse(
      "[srcbind]\n"                     // 1
      "log = chatty\n"                  // 2
      "[rule a]\n"                      // 3
      "destination = 10.0.0.1/8\n"      // 4
      "source = 198.51.100.12\n"        // 5
      "port = 70000\n"                  // 6
      "[rule b]\n"                      // 7
      "destination = *\n"               // 8
      "[bogus]\n"                       // 9
      "[rule c]\n"                      // 10
      "destination = *\n"               // 11
      "source = @nowhere\n"             // 12
      "colour = blue\n");               // 13
  EXPECT_THAT(errors(table),
              ElementsAre("rules.ini:2: log level \"chatty\" is not known (expected off, error, warn, info or debug)",
                          "rules.ini:4: destination \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)",
                          "rules.ini:6: port \"70000\" is out of range (1-65535)",
                          "rules.ini:7: rule \"b\" has neither source nor interface (it needs one of them, or both)",
                          "rules.ini:9: section [bogus] is not known (expected [srcbind], [rule] or [rule NAME])",
                          "rules.ini:12: source \"@nowhere\": there is no interface or alias label \"nowhere\" on this "
                          "host",
                          "rules.ini:13: key \"colour\" is not known in a [rule] section (expected destination, port, "
                          "protocol, program, source, interface, on_error)"));
  EXPECT_FALSE(table.ok());
  EXPECT_TRUE(table.rules.empty());
}

TEST(Ini, ValidRulesAreKeptNextToBrokenOnesForCheck) {
  const RuleTable table = parse(
      "[rule good]\ndestination = 10.0.0.0/8\nsource = 198.51.100.12\n"
      "[rule bad]\ndestination = 10.0.0.0/33\nsource = 198.51.100.12\n");
  EXPECT_FALSE(table.ok());
  EXPECT_THAT(rule_names(table), ElementsAre("good"));
}

}  // namespace
}  // namespace srcbind::test
