// The kernel backend's log lines are the library's (preload/steering.cpp).
#include "srcbind/kernel/event_log.hpp"

#include "srcbind_events.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <vector>

namespace srcbind::kernel {
namespace {

std::vector<Rule> rules() {
  std::vector<Rule> r(3);
  r[0].name = "client-ftp";
  r[1].line = 12;
  r[1].interface = "eth1";
  r[2].file = "SRCBIND_SOURCE";
  return r;
}

sb_event event(const char* destination, const char* source, unsigned port, unsigned rule) {
  sb_event e{};
  e.pid = 4242;
  e.rule = rule;
  e.port = static_cast<__u16>(port);
  e.kind = SB_EVENT_APPLIED;
  e.source_applied = 1;
  e.v4 = std::strchr(destination, ':') == nullptr;
  inet_pton(e.v4 ? AF_INET : AF_INET6, destination, e.destination);
  inet_pton(e.v4 ? AF_INET : AF_INET6, source, e.source);
  std::strcpy(e.program, "ftp");
  return e;
}

// `e` as the report of `step` failing with `error`, and what on_error made of it.
sb_event failed(sb_event e, sb_event_kind kind, sb_event_step step, int error) {
  e.kind = static_cast<__u8>(kind);
  e.step = static_cast<__u8>(step);
  e.error = error;
  return e;
}

TEST(KernelEventLog, AppliedLinesAreTheLibrarysFormat) {
  const auto r = rules();
  EXPECT_EQ(format_event(event("203.0.113.10", "198.51.100.12", 21, 0), r),
            "srcbind[4242] ftp: tcp 203.0.113.10:21 -> 198.51.100.12 (rule client-ftp)\n");
  sb_event e = event("2001:db8::1", "2001:db8:2::12", 53, 2);
  e.datagram = 1;
  EXPECT_EQ(format_event(e, r), "srcbind[4242] ftp: udp [2001:db8::1]:53 -> 2001:db8:2::12 (rule SRCBIND_SOURCE)\n");
  e = event("203.0.113.10", "198.51.100.12", 80, 1);
  e.source_applied = 0;
  e.device_applied = 1;
  EXPECT_EQ(format_event(e, r), "srcbind[4242] ftp: tcp 203.0.113.10:80 -> dev eth1 (rule at line 12)\n");
}

TEST(KernelEventLog, FailuresSayWhatOnErrorDid) {
  const auto r = rules();
  const sb_event e = event("203.0.113.10", "198.51.100.12", 21, 0);
  EXPECT_EQ(format_event(failed(e, SB_EVENT_FAILED, SB_STEP_BIND, 99), r),
            "srcbind[4242] ftp: error: tcp 203.0.113.10:21: cannot bind the source address: Cannot assign requested "
            "address (EADDRNOTAVAIL) (rule client-ftp); the call fails (on_error = fail)\n");
  EXPECT_EQ(format_event(failed(e, SB_EVENT_CONTINUED, SB_STEP_BINDTODEVICE, 19), r),
            "srcbind[4242] ftp: warning: tcp 203.0.113.10:21: cannot set SO_BINDTODEVICE: No such device (ENODEV) "
            "(rule client-ftp); sent as without srcbind (on_error = continue)\n");
}

}  // namespace
}  // namespace srcbind::kernel
