// A snapshot of this host's interface addresses (getifaddrs), taken when a
// configuration is loaded: resolves `source = @NAME`, checks that sources exist and
// that a rule's source belongs to its interface. Tests build one by hand.
#pragma once

#include "srcbind/address.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind {

struct InterfaceAddress {
  std::string label;     // "eth0" or an IPv4 alias label such as "eth0:1"
  std::string device;    // the device the address is on: "eth0"
  IpAddress address;
};

class HostInterfaces {
 public:
  HostInterfaces() = default;
  explicit HostInterfaces(std::vector<InterfaceAddress> addresses, std::vector<std::string> devices = {});
  static HostInterfaces current();    // getifaddrs(); empty on failure

  // The first address of `name` (a device or a label) of that family, in
  // getifaddrs order. For IPv6, link-local addresses are skipped.
  std::optional<IpAddress> first_address(std::string_view name, Family family) const;
  bool has_name(std::string_view name) const;        // device or label
  bool has_device(std::string_view device) const;    // also devices with no address
  // The device that carries `address`, if it is on this host.
  std::optional<std::string> device_of(const IpAddress& address) const;
  bool is_local(const IpAddress& address) const { return device_of(address).has_value(); }
  const std::vector<InterfaceAddress>& addresses() const { return addresses_; }

 private:
  std::vector<InterfaceAddress> addresses_;
  std::vector<std::string> devices_;
};

}  // namespace srcbind
