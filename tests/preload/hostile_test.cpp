// Programs that are hard on a preload library. Each runs
// a real program under the library against a real server.
#include "preload_test_support.hpp"

#include <gmock/gmock.h>

#include <regex>
#include <set>

namespace srcbind::test {
namespace {

std::set<std::string> distinct(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

const std::string kRule = "[rule r1]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n";

std::vector<std::string> hostile(const std::string& mode, const Peer& peer, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{SRCBIND_HOSTILE_CLIENT_PATH, mode, "127.0.0.1", peer.port_text()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TEST(Hostile, SixtyFourThreadsTimesFiveHundredConnectionsWithAlternatingSources) {
  Peer a{Peer::Kind::tcp, "127.0.0.1"};
  Peer b{Peer::Kind::tcp, "127.0.0.3"};
  ChildOptions options;
  options.deadline = std::chrono::seconds(240);
  ChildResult r = run_with_config(kRule + "[rule r2]\ndestination = 127.0.0.3\nsource = 127.0.0.4\n",
                                  {test_client(), "tcp", "127.0.0.1", a.port_text(), "127.0.0.3", b.port_text(),
                                   "--threads", "64", "--count", "500"},
                                  options);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(a.wait_for(16000, std::chrono::seconds(30)) && b.wait_for(16000, std::chrono::seconds(30))) << describe(r);
  EXPECT_THAT(distinct(a.sources()), ElementsAre("127.0.0.2"));
  EXPECT_THAT(distinct(b.sources()), ElementsAre("127.0.0.4"));
}

TEST(Hostile, ForkWithoutExecKeepsTheRulesInBothProcesses) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(kRule, hostile("fork", peer));
  expect_sources(peer, r, {"127.0.0.2", "127.0.0.2"});
}

TEST(Hostile, VforkAndExecChildIsSteered) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(kRule, hostile("vfork", peer));
  expect_sources(peer, r, {"127.0.0.2"});
}

TEST(Hostile, PosixSpawnChildIsSteered) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(kRule, hostile("spawn", peer));
  expect_sources(peer, r, {"127.0.0.2"});
}

TEST(Hostile, ShellChainReachesCurl) {
  SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD();
  Peer peer{Peer::Kind::tcp};
  std::string curl = "curl -s -o /dev/null --max-time 5 http://127.0.0.1:" + peer.port_text() + "/";
  ChildResult r = run_with_config(kRule, {"sh", "-c", "sh -c '" + curl + "'"});
  expect_sources(peer, r, {"127.0.0.2"});
}

TEST(Hostile, ConnectFromASignalHandler) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(kRule, hostile("signal", peer));
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("handler rc=0 local=127.0.0.2"));
}

TEST(Hostile, ConnectInADependencysConstructorBeforeOursIsSteered) {
  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.env["EARLY_TARGET"] = "127.0.0.1 " + peer.port_text();
  ChildResult r = run_with_config(kRule, {SRCBIND_EARLY_MAIN_PATH}, options);
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.2"}));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

// With HOME unset, and a start that the constructor's bare capture leaves to
// config/'s objects (preload/start_capture.hpp; here a variable longer than its
// room), the library asks the C library for the user's home (the per-user file)
// while it takes its start-up snapshot. A passwd module that connects there (a
// directory service's) must neither wait for the snapshot it is part of nor
// leave the program without its rules: that connect goes out as the program
// would send it, and the program's own is steered.
TEST(Hostile, ConnectFromInsideTheStartUpSnapshotNeitherHangsNorDisablesTheRules) {
  if (!is_root()) GTEST_SKIP() << "needs root for a private mount namespace with its own nsswitch.conf (CI runs as root)";
  Peer directory{Peer::Kind::tcp};
  Peer peer{Peer::Kind::tcp};
  TempFile nsswitch("passwd: srcbindtest\ngroup: files\nhosts: files\n");
  ChildOptions options;
  options.deadline = std::chrono::seconds(10);
  options.env["HOME"] = std::nullopt;
  options.env["XDG_CONFIG_HOME"] = std::string(16 * 1024, 'x');   // relative: ignored, as unset
  options.env["LD_LIBRARY_PATH"] = SRCBIND_NSS_MODULE_DIR;
  options.env["NSS_TARGET"] = "127.0.0.1 " + directory.port_text();
  std::vector<std::string> argv{"unshare", "--mount", "--propagation", "private", "sh", "-c",
                                "mount --bind \"$0\" /etc/nsswitch.conf && exec \"$@\"", nsswitch.path()};
  for (const std::string& arg : hostile("plain", peer)) argv.push_back(arg);
  ChildResult r = run_with_config(kRule, argv, options);
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.2"}));
  EXPECT_THAT(r.out, HasSubstr("nss rc=0")) << describe(r);
  ASSERT_TRUE(directory.wait_for(1)) << describe(r);
  EXPECT_THAT(directory.sources(), ElementsAre("127.0.0.1"));
}

TEST(Hostile, LibraryDlopenedLateIsSteered) {
  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.env["EARLY_TARGET"] = "127.0.0.1 " + peer.port_text();
  ChildResult r = run_with_config(kRule, hostile("dlopen", peer, {SRCBIND_EARLY_LIBRARY_PATH}), options);
  expect_sources(peer, r, {"127.0.0.2"});
}

// Another interposer already preloaded, in either order: both keep working.
TEST(Hostile, AnotherPreloadLibraryAndSrcbindBothWorkInEitherOrder) {
  for (bool srcbind_first : {true, false}) {
    Peer peer{Peer::Kind::tcp};
    TempFile config(kRule);
    ChildOptions options;
    options.env["SRCBIND_CONFIG"] = config.path();
    options.env["LD_PRELOAD"] = srcbind_first ? preload_list() + " " + SRCBIND_COUNT_SHIM_PATH
                                              : std::string(SRCBIND_COUNT_SHIM_PATH) + " " + preload_list();
    ChildResult r = run_child(hostile("plain", peer), options);
    ASSERT_TRUE(peer.wait_for(1)) << describe(r);
    EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.2")) << "srcbind first: " << srcbind_first;
    EXPECT_THAT(r.err, HasSubstr("count_shim: 1 connect calls")) << describe(r);
  }
}

TEST(Hostile, BadCallsFailExactlyAsWithoutTheLibrary) {
  Peer peer{Peer::Kind::tcp};
  ChildResult plain = run_child(hostile("badcalls", peer));
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "debug";
  ChildResult with = run_with_config(kRule, hostile("badcalls", peer), options);
  auto strip = [](const std::string& out) { return std::regex_replace(out, std::regex(" local=[^ \n]*"), ""); };
  EXPECT_EQ(strip(with.out), strip(plain.out)) << describe(plain) << describe(with);
  EXPECT_THAT(plain.out, HasSubstr("pipe rc=-1 errno=ENOTSOCK"));
  EXPECT_THAT(plain.out, HasSubstr("closed rc=-1 errno=EBADF"));
  EXPECT_THAT(plain.out, HasSubstr("exhausted errno=EMFILE"));
  // The library needs no descriptor of its own to bind: still steered.
  EXPECT_THAT(with.out, HasSubstr("after-exhaustion rc=0 errno=0 local=127.0.0.2")) << describe(with);
  EXPECT_EQ(with.exit_code, 0);
}

// What the fd table knows must never be wrong: for sockets
// made, bound, closed or duplicated behind its back, and across exec, the
// library asks the kernel, leaves the program's own bind alone, and steers the
// rest. 127.0.0.3 is the program's bind; 127.0.0.2 the rule's source.
// pthread_cancel acts inside the C library's function, under our hook: the
// unwinding must pass through the library (a noexcept frame there aborted the
// program: "terminate called without an active exception").
TEST(Hostile, ThreadCancelledInsideAHookedCallUnwindsThroughTheLibrary) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan leaves the redzones of frames that a cancellation unwinds poisoned, and reports them "
                  "when the thread exits (google/sanitizers#1399, open); the normal and TSan builds run this";
#endif
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(kRule, hostile("cancel", peer));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out,
            "cancel-connect cancelled=1\ncancel-sendto cancelled=1\ncancel-sendmsg cancelled=1\n"
            "cancel-sendmmsg cancelled=1\ncancel-accept cancelled=1\ncancel-accept4 cancelled=1\n"
            "cancel-close cancelled=1\n")
      << describe(r);
}

TEST(FdTable, DescriptorsBehindTheLibrarysBackAreAskedAboutNotGuessed) {
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(kRule, hostile("behind", peer));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("raw-socket rc=0 errno=0 local=127.0.0.2")) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("raw-bound rc=0 errno=0 local=127.0.0.3")) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("reused-after-close rc=0 errno=0 local=127.0.0.3")) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("stale-entry rc=0 errno=0 local=127.0.0.3")) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("dup2-over rc=0 errno=0 local=127.0.0.3")) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("inherited-unbound rc=0 errno=0 local=127.0.0.2")) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("inherited-bound rc=0 errno=0 local=127.0.0.3")) << describe(r);
  // The descriptor numbers were really reused, or the cases prove less.
  EXPECT_THAT(r.out, Not(HasSubstr("reused no"))) << describe(r);
  expect_sources(peer, r, {"127.0.0.2", "127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.2", "127.0.0.3"});
}

TEST(FdTable, DatagramSocketsBehindTheLibrarysBackAreAskedAboutNotGuessed) {
  Peer peer{Peer::Kind::udp};
  ChildResult r = run_with_config(kRule, hostile("behind-udp", peer));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.out, Not(HasSubstr("reused no"))) << describe(r);
  ASSERT_TRUE(peer.wait_for(2)) << describe(r);
  EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.2", "127.0.0.3")) << describe(r);
}

// Security: the library adds no privilege. As nobody, a source that is not on
// the host stays unbindable (the kernel decides), and the log file is never
// followed through a symbolic link.
TEST(Security, LogFileIsNotFollowedThroughASymlink) {
  Peer peer{Peer::Kind::tcp};
  TempFile target("precious\n", ".txt");
  std::string link = target.path() + ".link";
  ASSERT_EQ(symlink(target.path().c_str(), link.c_str()), 0);
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  options.env["SRCBIND_LOG_FILE"] = link;
  ChildResult r = run_with_config(kRule, hostile("plain", peer), options);
  ASSERT_TRUE(peer.wait_for(1)) << describe(r);
  unlink(link.c_str());
  FILE* f = fopen(target.path().c_str(), "r");
  ASSERT_NE(f, nullptr);
  char buf[64] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  EXPECT_EQ(std::string(buf, n), "precious\n");
}

TEST(Security, UnprivilegedUserCannotBindAnAddressThatIsNotOnTheHost) {
  if (!is_root()) GTEST_SKIP() << "needs root to switch to nobody (CI runs as root)";
  Peer peer{Peer::Kind::tcp};
  TempFile config("[rule r1]\ndestination = 127.0.0.1\nsource = 198.51.100.99\n");
  chmod(config.path().c_str(), 0644);
  ChildOptions options;
  options.env = {{"LD_PRELOAD", preload_list()}, {"SRCBIND_CONFIG", config.path()}};
  // The file belongs to root: trusted for nobody too (owner or root).
  ChildResult r = run_child({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SRCBIND_HOSTILE_CLIENT_PATH,
                             "plain", "127.0.0.1", peer.port_text()},
                            options);
  EXPECT_THAT(r.out, HasSubstr("plain rc=-1 errno=EADDRNOTAVAIL")) << describe(r);
  EXPECT_FALSE(peer.wait_for(1, std::chrono::milliseconds(300)));
}

// A soak: 100,000 connections from one process; no descriptor leaks, memory
// stays flat, no ephemeral port runs out.
TEST(Soak, HundredThousandConnectionsLeakNothing) {
  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.deadline = std::chrono::seconds(300);
  ChildResult r = run_with_config(kRule, tcp_client(peer, {"--count", "100000", "--report"}), options);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  std::smatch start, end;
  ASSERT_TRUE(std::regex_search(r.out, start, std::regex(R"(report start fds=(\d+) rss_kib=(\d+))"))) << describe(r);
  ASSERT_TRUE(std::regex_search(r.out, end, std::regex(R"(report end fds=(\d+) rss_kib=(\d+))"))) << describe(r);
  EXPECT_EQ(end[1], start[1]) << "descriptors leaked";
  EXPECT_LT(std::stol(end[2]) - std::stol(start[2]), 2048) << "resident memory grew by more than 2 MiB";
  EXPECT_THAT(r.out, HasSubstr("done failures=0"));
  ASSERT_TRUE(peer.wait_for(100000, std::chrono::seconds(60)));
  EXPECT_THAT(distinct(peer.sources()), ElementsAre("127.0.0.2"));
  std::printf("soak: %s", r.out.substr(r.out.find("report start")).c_str());
}

// The file is taken when the program starts and read at its first network call:
// a file that is gone by then (a chroot, a cleaned-up temporary) still counts.
TEST(Hostile, ConfigurationRemovedBeforeTheFirstConnectionStillApplies) {
  Peer peer{Peer::Kind::tcp};
  TempFile file(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"));
  ChildOptions options;
  for (const auto& [k, v] : preload_env(file.path())) options.env.emplace(k, v);
  ChildResult r = run_child(tcp_client(peer, {"--run", "rm " + file.path()}), options);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(peer.wait_for(1, std::chrono::seconds(10)));
  EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.2")) << describe(r);
}

// Rewritten in place before the first network call (same inode): the new text
// is the truth, read whole, never a mixture of the two.
TEST(Hostile, ConfigurationRewrittenBeforeTheFirstConnectionIsReadAgain) {
  Peer peer{Peer::Kind::tcp};
  TempFile file(one_rule("destination = 127.0.0.1\nsource = 127.0.0.2"));
  ChildOptions options;
  for (const auto& [k, v] : preload_env(file.path())) options.env.emplace(k, v);
  const std::string rewrite = "printf '[rule r1]\\ndestination = 127.0.0.1\\nsource = 127.0.0.3\\n; longer\\n' > " + file.path();
  ChildResult r = run_child(tcp_client(peer, {"--run", rewrite}), options);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(peer.wait_for(1, std::chrono::seconds(10)));
  EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.3")) << describe(r);
}

// Truncated in place: no SIGBUS from the mapping, and no rules from an empty file.
TEST(Hostile, ConfigurationTruncatedBeforeTheFirstConnectionDoesNotCrash) {
  Peer peer{Peer::Kind::tcp};
  std::string config = one_rule("destination = 127.0.0.1\nsource = 127.0.0.2");
  while (config.size() < 64 * 1024) config += "; padding, so that whole pages lie beyond the new end\n";
  TempFile file(config);
  ChildOptions options;
  for (const auto& [k, v] : preload_env(file.path())) options.env.emplace(k, v);
  ChildResult r = run_child(tcp_client(peer, {"--run", "truncate -s 0 " + file.path()}), options);
  EXPECT_EQ(r.signal, 0) << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(peer.wait_for(1, std::chrono::seconds(10)));
  EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.1")) << describe(r);
}

// 80,000 rules: the text is mapped, not allocated; the rules' array is what
// outgrows a failing allocator (more than 8 MiB of rules).
std::string rules_outgrowing_the_allocator() {
  std::string config;
  for (unsigned i = 0; i < 80000; ++i) {
    config += "[rule]\ndestination = 10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." +
              std::to_string(i & 255) + "\nsource = 127.0.0.2\n";
  }
  return config;
}

// Out of memory while loading: one clear line, the program goes on, no rules.
TEST(Hostile, OutOfMemoryWhileLoadingSaysSoOnceAndTheProgramGoesOn) {
#ifdef SRCBIND_SANITIZED_BUILD
  GTEST_SKIP() << "the sanitizer runtime owns malloc: the failing allocator cannot be put in front of it";
#endif
  TempFile file(rules_outgrowing_the_allocator());
  ChildOptions options;
  options.env["LD_PRELOAD"] = std::string(SRCBIND_BIG_ALLOC_FAILS_PATH) + ":" + preload_list();
  options.env["SRCBIND_CONFIG"] = file.path();
  ChildResult r = run_child({test_client(), "udp", "127.0.0.1", "9"}, options);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("out of memory while loading the configuration; no rules applied"));
  std::size_t count = 0;
  for (std::size_t at = r.err.find("no rules applied"); at != std::string::npos; at = r.err.find("no rules applied", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << r.err;
}

// Out of memory so deep that the exception reporting it cannot be allocated
// either: the library throws it from its static emergency room
// (preload/exception_memory.cpp), catches it, and the program goes on.
TEST(Hostile, OutOfMemoryEvenForTheExceptionTheProgramGoesOn) {
#ifdef SRCBIND_SANITIZED_BUILD
  GTEST_SKIP() << "the sanitizer runtime owns malloc: the failing allocator cannot be put in front of it";
#endif
  TempFile file(rules_outgrowing_the_allocator());
  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.env["LD_PRELOAD"] = std::string(SRCBIND_ALLOC_FAILS_AFTER_BIG_PATH) + ":" + preload_list();
  options.env["SRCBIND_CONFIG"] = file.path();
  ChildResult r = run_child(tcp_client(peer, {}), options);
  EXPECT_EQ(r.signal, 0) << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  ASSERT_TRUE(peer.wait_for(1, std::chrono::seconds(10))) << describe(r);
  EXPECT_THAT(peer.sources(), ElementsAre("127.0.0.1")) << describe(r);   // no rules applied
}

// Start-up allocates nothing (preload/start_capture.hpp): a process that never
// uses the network, most of a cron job, pays a few system calls and no more.
TEST(Startup, AProcessThatNeverUsesTheNetworkAllocatesNothing) {
#ifdef SRCBIND_SANITIZED_BUILD
  GTEST_SKIP() << "the sanitizer runtime owns malloc, and the shared C++ runtime allocates at load";
#endif
  TempFile file("[rule backup]\ndestination = 198.51.100.0/24\nsource = 127.0.0.2\n"
                "[rule everything-else]\ndestination = *\nsource = 127.0.0.3\n");
  ChildOptions options;
  options.env["SRCBIND_CONFIG"] = file.path();
  options.env["HOME"] = "/nonexistent";
  options.env["LD_PRELOAD"] = std::string(SRCBIND_ALLOC_COUNT_PATH);
  ChildResult plain = run_child({"/bin/true"}, options);
  ASSERT_EQ(plain.exit_code, 0) << describe(plain);
  ASSERT_THAT(plain.err, HasSubstr("alloc_count: 0\n")) << "/bin/true allocates by itself: " << plain.err;
  options.env["LD_PRELOAD"] = std::string(SRCBIND_ALLOC_COUNT_PATH) + ":" + preload_list();
  ChildResult r = run_child({"/bin/true"}, options);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("alloc_count: 0\n")) << describe(r);
}

// A library loaded with RTLD_DEEPBIND (as PHP loads its extensions) binds its
// connect() to the C library's: srcbind points its imports at the hooks.
// The sanitizer runtimes refuse RTLD_DEEPBIND outright (google/sanitizers#611:
// the program aborts, with or without srcbind).
#ifdef SRCBIND_SANITIZED_BUILD
constexpr bool kDeepBindWorks = false;
#else
constexpr bool kDeepBindWorks = true;
#endif

TEST(DeepBind, LibraryLoadedWithDeepBindIsSteered) {
  if (!kDeepBindWorks) GTEST_SKIP() << "the sanitizer runtime aborts any RTLD_DEEPBIND load (google/sanitizers#611)";
  Peer peer{Peer::Kind::tcp};
  ChildOptions options;
  options.env["SRCBIND_LOG"] = "info";
  ChildResult r = run_with_config(kRule, {SRCBIND_DLOPEN_MAIN_PATH, "deep", SRCBIND_DEEP_CONNECT_PATH, "127.0.0.1",
                                          peer.port_text()},
                                  options);
  ASSERT_NO_FATAL_FAILURE(expect_sources(peer, r, {"127.0.0.2"}));
  EXPECT_THAT(r.err, HasSubstr("is loaded with RTLD_DEEPBIND: its socket calls go through srcbind"));
}

// dlopen is interposed: a library found by name through the *caller's* RUNPATH
// must still be found (the C library sees the program as the caller).
TEST(DeepBind, DlopenByNameStillUsesTheCallersRunpath) {
  // The sanitizer runtimes' own dlopen makes them the caller: a bare name is not
  // found through the program's RUNPATH there, with or without srcbind.
  if (!kDeepBindWorks) GTEST_SKIP() << "under a sanitizer runtime the caller of dlopen is the runtime itself";
  Peer peer{Peer::Kind::tcp};
  for (const char* mode : {"plain", "deep"}) {
    ChildResult r = run_with_config(kRule, {SRCBIND_DLOPEN_MAIN_PATH, mode, "libdeep_connect.so", "127.0.0.1",
                                            peer.port_text()});
    EXPECT_EQ(r.exit_code, 0) << mode << ": " << describe(r);
    EXPECT_THAT(r.out, HasSubstr("connect rc=0")) << mode << ": " << describe(r);
  }
  ASSERT_TRUE(peer.wait_for(2));
  EXPECT_EQ(peer.sources()[0], "127.0.0.2");   // plain: ordinary lookup finds the hooks
}

TEST(DeepBind, PhpSocketConnectIsSteered) {
  if (!kDeepBindWorks) GTEST_SKIP() << "the sanitizer runtime aborts any RTLD_DEEPBIND load (google/sanitizers#611)";
  if (std::system("php -r 'exit(function_exists(\"socket_connect\") ? 0 : 1);' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "php with the sockets extension is not installed (apt-get install php-cli)";
  Peer peer{Peer::Kind::tcp};
  ChildResult r = run_with_config(
      kRule, {"php", "-r",
              "$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP); socket_connect($s, '127.0.0.1', " +
                  peer.port_text() + "); socket_close($s);"});
  expect_sources(peer, r, {"127.0.0.2"});
}

}  // namespace
}  // namespace srcbind::test
