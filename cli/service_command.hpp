// `srcbind enable UNIT [--kernel] [-c FILE]` and `srcbind disable UNIT`: the
// systemd drop-in (and, for --kernel, the pin unit) of systemd_dropin.hpp,
// written after checking that the configuration is valid and that the library
// can reach what the service runs.
#pragma once

#include <iosfwd>
#include <string>

namespace srcbind::cli {

// argv[1] is "enable" or "disable" (`srcbind -- enable` runs a program of that name).
bool is_service_command(int argc, char* const argv[]);

// Exit status: 0 done, 125 refused or failed (nothing changed).
int run_service_command(int argc, char* argv[], std::ostream& out, std::ostream& err);

std::string service_usage_text();

// Test hook: unit files are read and written under $SRCBIND_TEST_SYSTEMD_ROOT
// (ROOT/etc/systemd/system, ...) instead of /, and systemctl is not asked.
inline constexpr const char* kSystemdRootVariable = "SRCBIND_TEST_SYSTEMD_ROOT";

}  // namespace srcbind::cli
