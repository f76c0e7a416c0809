// HostInterfaces: a getifaddrs() snapshot and the questions the parser asks it.
#include "srcbind/host_interfaces.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

namespace srcbind {
namespace {

// getifaddrs names an IPv4 alias by its label ("eth0:1"); the device is the part
// before the colon.
std::string_view device_of_label(std::string_view label) { return label.substr(0, label.find(':')); }

bool is_link_local_v6(const IpAddress& a) {
  return a.family == Family::v6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

void add_unique(std::vector<std::string>& names, std::string_view name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
}

}  // namespace

HostInterfaces::HostInterfaces(std::vector<InterfaceAddress> addresses, std::vector<std::string> devices)
    : addresses_(std::move(addresses)), devices_(std::move(devices)) {
  for (auto& a : addresses_) {
    if (a.device.empty()) a.device = device_of_label(a.label);
    add_unique(devices_, a.device);
  }
}

HostInterfaces HostInterfaces::current() {
  HostInterfaces host;
  host.read_pending_ = true;
  host.ask_kernel_ = true;
  return host;
}

// getifaddrs(): every device (AF_PACKET entries), every IPv4 and IPv6 address.
static HostInterfaces read_host_interfaces() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  try {
    std::vector<InterfaceAddress> addresses;
    std::vector<std::string> devices;
    for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
      if (ifa->ifa_name == nullptr) continue;
      const std::string_view label = ifa->ifa_name;
      // Every device, with or without an address, has an AF_PACKET entry.
      add_unique(devices, device_of_label(label));
      if (ifa->ifa_addr == nullptr) continue;
      if (ifa->ifa_addr->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
        addresses.push_back({std::string(label), std::string(device_of_label(label)), IpAddress::v4(in->sin_addr)});
      } else if (ifa->ifa_addr->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr);
        addresses.push_back({std::string(label), std::string(device_of_label(label)), IpAddress::v6(in6->sin6_addr)});
      }
    }
    freeifaddrs(list);
    return HostInterfaces(std::move(addresses), std::move(devices));
  } catch (const std::bad_alloc&) {
    freeifaddrs(list);
    return {};
  }
}

void HostInterfaces::read_if_pending() const {
  if (!read_pending_) return;
  read_pending_ = false;
  HostInterfaces read = read_host_interfaces();
  addresses_ = std::move(read.addresses_);
  devices_ = std::move(read.devices_);
}

const std::vector<InterfaceAddress>& HostInterfaces::addresses() const {
  read_if_pending();
  return addresses_;
}

bool HostInterfaces::is_local(const IpAddress& address) const {
  if (ask_kernel_) {
    if (const auto bindable = kernel_accepts_source(address)) return *bindable;
  }
  return device_of(address).has_value();
}

std::optional<IpAddress> HostInterfaces::first_address(std::string_view name, Family family) const {
  read_if_pending();
  for (const auto& a : addresses_) {
    if (a.address.family != family || (a.label != name && a.device != name)) continue;
    if (is_link_local_v6(a.address)) continue;   // needs a scope id; not a usable source
    return a.address;
  }
  return std::nullopt;
}

bool HostInterfaces::has_name(std::string_view name) const {
  read_if_pending();
  return has_device(name) || std::any_of(addresses_.begin(), addresses_.end(),
                                         [name](const InterfaceAddress& a) { return a.label == name; });
}

bool HostInterfaces::has_device(std::string_view device) const {
  read_if_pending();
  return std::find(devices_.begin(), devices_.end(), device) != devices_.end();
}

std::optional<std::string> HostInterfaces::device_of(const IpAddress& address) const {
  read_if_pending();
  for (const auto& a : addresses_) {
    if (a.address == address) return a.device;
  }
  // 127.0.0.1/8 on lo makes the whole of 127.0.0.0/8 local (the kernel's local
  // route covers the prefix): 127.0.0.2 binds without being listed.
  if (address.family == Family::v4 && address.bytes[0] == 127) {
    for (const auto& a : addresses_) {
      if (a.address.family == Family::v4 && a.address.bytes[0] == 127) return a.device;
    }
  }
  return std::nullopt;
}

std::optional<bool> kernel_accepts_source(const IpAddress& source) {
  const auto fd = static_cast<int>(
      ::syscall(SYS_socket, source.family == Family::v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd < 0) return std::nullopt;
  socklen_t length = 0;
  const sockaddr_storage address = to_sockaddr(source, 0, length);
  const bool bound = ::syscall(SYS_bind, fd, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  const int error = errno;
  ::syscall(SYS_close, fd);
  if (bound) return true;
  if (error == EADDRNOTAVAIL) return false;
  return std::nullopt;
}

}  // namespace srcbind
