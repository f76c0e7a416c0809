#include "netns.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace srcbind::test {
namespace {

std::string& reason() {
  static std::string r = "not set up";
  return r;
}

}  // namespace

void enter_test_network() {
  if (geteuid() != 0) {
    reason() = "not root (CI runs as root)";
    return;
  }
  if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
    reason() = std::string("unshare: ") + std::strerror(errno);
    return;
  }
  // Mounts made by the tests (resolv.conf, /etc) stay in this namespace.
  mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
  const char* setup =
      "set -e; ip link set lo up;"
      "for a in 1 2 3; do ip addr add 2001:db8::$a/128 dev lo nodad; done;"
      "ip link add nic0 type veth peer name nic0peer; ip link set nic0peer up;"
      "ip addr add 203.0.113.1/24 dev nic0; ip addr add 203.0.113.2/24 dev nic0;"
      "ip link set nic0 up; ip neigh add 203.0.113.99 lladdr 02:00:00:00:00:99 dev nic0;"
      "ip -6 addr add fe80::a/64 dev nic0 nodad; ip -6 addr add fe80::b/64 dev nic0peer nodad;"
      "sysctl -qw net.ipv4.tcp_fastopen=3; sysctl -qw net.ipv4.ping_group_range='0 2147483647'";
  if (std::system(setup) != 0) {
    reason() = "setting up the namespace with ip(8) failed";
    return;
  }
  reason().clear();
}

const std::string& netns_skip_reason() { return reason(); }

}  // namespace srcbind::test
