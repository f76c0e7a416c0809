// With the real libsrcbind.so (only when preload/ builds it): srcbind makes an
// unmodified program connect from the rule's source.
#include "srcbind_tree.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace srcbind::cli::test {
namespace {

#ifdef SRCBIND_TEST_LIBRARY

// A listening socket on 127.0.0.1 (port chosen by the kernel); the backlog takes
// the client's connection, nothing is accepted.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd_); }
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  unsigned port_ = 0;
};

TEST(WithLibrary, TheCommandConnectsFromTheRulesSource) {
  const SrcbindTree tree(SRCBIND_TEST_LIBRARY);
  TempDir dir;
  const std::string file = dir.write("lo.ini", "[rule lo]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n");
  const Listener listener;
  const ChildResult plain = run_child({SRCBIND_TEST_PRINT_LOCAL_ADDRESS, "127.0.0.1", listener.port()}, command_options());
  EXPECT_EQ(plain.out, "127.0.0.1\n") << describe(plain);
  const ChildResult bound =
      tree.run({"-c", file, "--", SRCBIND_TEST_PRINT_LOCAL_ADDRESS, "127.0.0.1", listener.port()});
  EXPECT_EQ(bound.exit_code, 0) << describe(bound);
  EXPECT_EQ(bound.out, "127.0.0.2\n") << describe(bound);
}

TEST(WithLibrary, ExplainAsksTheKernelEvenWhenTheLibraryIsPreloadedIntoSrcbind) {
  // After eval "$(srcbind --print-env ...)" srcbind itself runs with the library.
  TempDir dir;
  const std::string file = dir.write("lo.ini", "[rule lo]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n");
  const ChildResult r = srcbind({"--explain", "-c", file, "127.0.0.1:80"},
                                  {{"LD_PRELOAD", SRCBIND_TEST_LIBRARY}, {"SRCBIND_CONFIG", file}});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("without srcbind:  127.0.0.1\n"), std::string::npos) << r.out;
}

TEST(WithLibrary, TheBuildTreeCommandFindsTheBuildTreeLibrary) {
  const ChildResult r = srcbind({"--print-env", "-s", "127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.find("export LD_PRELOAD='" + std::string(SRCBIND_TEST_LIBRARY) + "'\n"), 0u) << r.out;
}

#else

TEST(WithLibrary, SkippedBecausePreloadDefinesNoLibraryTarget) {
  GTEST_SKIP() << "preload/ defines no srcbind_preload target in this build";
}

#endif

}  // namespace
}  // namespace srcbind::cli::test
