// HostInterfaces: what `@NAME`, `interface` and the source checks ask of the host.
#include "srcbind/host_interfaces.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace srcbind::test {
namespace {

TEST(HostInterfaces, CurrentHasTheLoopbackDevice) {
  const HostInterfaces host = HostInterfaces::current();
  EXPECT_TRUE(host.has_device("lo"));
  EXPECT_EQ(host.first_address("lo", Family::v4), ip("127.0.0.1"));
  EXPECT_EQ(host.device_of(ip("127.0.0.1")), "lo");
  EXPECT_TRUE(host.is_local(ip("127.0.0.1")));
  EXPECT_FALSE(host.is_local(ip("203.0.113.250")));
  EXPECT_TRUE(host.is_local(ip("127.0.0.2")));   // all of 127.0.0.0/8 is on lo
}

TEST(KernelAcceptsSource, KnowsThatAllOfLoopbackIsLocal) {
  EXPECT_EQ(kernel_accepts_source(ip("127.0.0.2")), true);
  EXPECT_EQ(kernel_accepts_source(ip("198.51.100.254")), false);
}

TEST(HostInterfaces, FirstAddressByDeviceOrLabel) {
  const HostInterfaces host = fake_host();
  EXPECT_EQ(host.first_address("eth0", Family::v4), ip("198.51.100.110"));
  EXPECT_EQ(host.first_address("eth0:1", Family::v4), ip("198.51.100.111"));
  EXPECT_FALSE(host.first_address("eth0:1", Family::v6));
  EXPECT_FALSE(host.first_address("wg0", Family::v4));
}

TEST(HostInterfaces, FirstIpv6AddressSkipsLinkLocal) {
  EXPECT_EQ(fake_host().first_address("eth0", Family::v6), ip("2001:db8::10"));
}

TEST(HostInterfaces, KnowsDevicesLabelsAndWhereAnAddressIs) {
  const HostInterfaces host = fake_host();
  EXPECT_TRUE(host.has_device("wg0"));
  EXPECT_FALSE(host.has_device("eth0:1"));
  EXPECT_TRUE(host.has_name("eth0:1"));
  EXPECT_TRUE(host.has_name("wg0"));
  EXPECT_FALSE(host.has_name("eth9"));
  EXPECT_EQ(host.device_of(ip("198.51.100.111")), "eth0");
  EXPECT_EQ(host.device_of(ip("2001:db8:2::12")), "eth1");
  EXPECT_FALSE(host.device_of(ip("203.0.113.1")));
}

TEST(HostInterfaces, DeviceOfALabelDefaultsToThePartBeforeTheColon) {
  const HostInterfaces host({{"eth3:web", "", ip("10.3.0.1")}});
  EXPECT_TRUE(host.has_device("eth3"));
  EXPECT_EQ(host.device_of(ip("10.3.0.1")), "eth3");
}

}  // namespace
}  // namespace srcbind::test
