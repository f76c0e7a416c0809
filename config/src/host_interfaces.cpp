// HostInterfaces: a getifaddrs() snapshot and the questions the parser asks it.
#include "srcbind/host_interfaces.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
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

std::optional<IpAddress> HostInterfaces::first_address(std::string_view name, Family family) const {
  for (const auto& a : addresses_) {
    if (a.address.family != family || (a.label != name && a.device != name)) continue;
    if (is_link_local_v6(a.address)) continue;   // needs a scope id; not a usable source
    return a.address;
  }
  return std::nullopt;
}

bool HostInterfaces::has_name(std::string_view name) const {
  return has_device(name) || std::any_of(addresses_.begin(), addresses_.end(),
                                         [name](const InterfaceAddress& a) { return a.label == name; });
}

bool HostInterfaces::has_device(std::string_view device) const {
  return std::find(devices_.begin(), devices_.end(), device) != devices_.end();
}

std::optional<std::string> HostInterfaces::device_of(const IpAddress& address) const {
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

}  // namespace srcbind
