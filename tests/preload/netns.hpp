// A private network namespace for tests that need addresses, devices or
// sysctls (IPv6 2001:db8::/32 on lo, a dummy NIC, TCP Fast Open).
#pragma once

#include <string>

namespace srcbind::test {

// As root: unshare(CLONE_NEWNET | CLONE_NEWNS) and set up the addresses below.
// Otherwise (or on failure) remembers why, for skip_reason().
void enter_test_network();
// Empty when the namespace is ready; else why the tests must skip.
const std::string& netns_skip_reason();

// Inside it:
//   lo:     127.0.0.1/8, 2001:db8::1/128, 2001:db8::2/128, 2001:db8::3/128
//   nic0:   203.0.113.1/24, 203.0.113.2/24, a veth whose far end (nic0peer)
//           has no address; 203.0.113.99 is a black hole there (a static
//           neighbour that nobody answers for: a blocking connect waits)
//           link-local fe80::a on nic0 and fe80::b on nic0peer (so that
//           fe80::b%nic0 is reached through the veth)
//   net.ipv4.tcp_fastopen = 3; ping sockets allowed for every group
}  // namespace srcbind::test

#define SRCBIND_REQUIRE_NETNS()                                                            \
  do {                                                                                     \
    if (!::srcbind::test::netns_skip_reason().empty())                                     \
      GTEST_SKIP() << "needs a private network namespace: " << ::srcbind::test::netns_skip_reason(); \
  } while (0)
