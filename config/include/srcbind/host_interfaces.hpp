// A snapshot of this host's interface addresses (getifaddrs), taken when a
// configuration is loaded: resolves `source = @NAME`, checks that sources exist and
// that a rule's source belongs to its interface. Tests build one by hand.
//
// current() reads the addresses on first use only: a file without `@NAME` and
// `interface` never needs them, and reading them (two netlink dumps) was a
// quarter of the start-up the library adds to every program (bench/README.md).
// Used by one thread at a time (the load), like any value.
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
  // This host: getifaddrs() on first use (empty on failure); is_local() asks the
  // kernel instead.
  static HostInterfaces current();

  // The first address of `name` (a device or a label) of that family, in
  // getifaddrs order. For IPv6, link-local addresses are skipped.
  std::optional<IpAddress> first_address(std::string_view name, Family family) const;
  bool has_name(std::string_view name) const;        // device or label
  bool has_device(std::string_view device) const;    // also devices with no address
  // The device that carries `address`, if it is on this host.
  std::optional<std::string> device_of(const IpAddress& address) const;
  // Whether a socket can bind `address`. For current(), the kernel is asked (a
  // bind of a throwaway socket: exactly the question a source raises, with
  // net.ipv4.ip_nonlocal_bind and all of 127.0.0.0/8 answered right); for a
  // host built by hand, its list.
  bool is_local(const IpAddress& address) const;
  const std::vector<InterfaceAddress>& addresses() const;

 private:
  void read_if_pending() const;

  mutable std::vector<InterfaceAddress> addresses_;
  mutable std::vector<std::string> devices_;
  mutable bool read_pending_ = false;   // current(): getifaddrs() not called yet
  bool ask_kernel_ = false;             // current(): is_local() binds a throwaway socket
};

// Whether a socket can bind `source` (port 0) on this host: the kernel's own
// answer (a throwaway socket), which also knows that all of 127.0.0.0/8 is local
// and honours net.ipv4.ip_nonlocal_bind. nullopt when it cannot tell (no socket of
// that family, another error than EADDRNOTAVAIL). Raw syscalls: inside the
// preload library the C library's socket(), bind() and close() are its own hooks.
std::optional<bool> kernel_accepts_source(const IpAddress& source);

}  // namespace srcbind
