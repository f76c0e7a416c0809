// Asks the kernel which source address it would pick for a destination, without
// sending anything (docs/linux-facts.md Q13): a UDP socket, connect(), getsockname().
// This is what getaddrinfo's RFC 6724 probe does; not even ARP leaves the host.
#pragma once

#include "srcbind/address.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace srcbind::cli {

struct KernelChoice {
  std::optional<IpAddress> source;  // set on success
  int error = 0;  // errno of the failing step otherwise
  std::string step;  // "socket", "SO_BINDTODEVICE", "connect", "getsockname"
};

// `device` non-empty: ask with SO_BINDTODEVICE set on the probe socket, as a rule
// with `interface =` would.
KernelChoice kernel_source_for(const IpAddress& destination, std::uint16_t port, const std::string& device = {});

// "198.51.100.102", or "no route (ENETUNREACH: Network is unreachable)",
// or "unknown (SO_BINDTODEVICE: ENODEV: No such device)".
std::string describe(const KernelChoice& choice);

}  // namespace srcbind::cli
