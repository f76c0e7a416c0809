// A host that has the documentation addresses the tests and examples use.
#pragma once

#include "srcbind/host_interfaces.hpp"

namespace srcbind::cli::test {

// lo: 127.0.0.1, ::1; eth0: 198.51.100.10 (+ alias eth0:1 198.51.100.12),
// 2001:db8:2::12; eth1: 203.0.113.5, 2001:db8:3::5. The examples/ tell this story.
inline HostInterfaces made_up_host() {
  auto a = [](const char* label, const char* device, const char* address) {
    return InterfaceAddress{label, device, *IpAddress::parse(address)};
  };
  return HostInterfaces({a("lo", "lo", "127.0.0.1"), a("lo", "lo", "::1"), a("eth0", "eth0", "198.51.100.10"),
                         a("eth0:1", "eth0", "198.51.100.12"), a("eth0", "eth0", "2001:db8:2::12"),
                         a("eth1", "eth1", "203.0.113.5"), a("eth1", "eth1", "2001:db8:3::5")},
                        {"lo", "eth0", "eth1"});
}

}  // namespace srcbind::cli::test
