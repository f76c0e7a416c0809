// What a systemd service runs: its normalised name and the executables of its
// ExecStart= lines, from the running systemd (`systemctl show`) or, when systemd
// is not running, from the unit file and its drop-ins.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srcbind::cli {

// systemd looks up an ExecStart= name without a slash in these directories
// (systemd.service(5), "Command lines").
inline constexpr std::string_view kSystemdExecPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct UnitName {
  std::string name;  // "nginx.service"; empty on error
  std::string error;
};

// "nginx" -> "nginx.service". Only services: the library form needs
// Environment= in [Service]. Names are limited to [A-Za-z0-9:_.@-], so that they
// can be written into unit files and paths without escaping.
UnitName normalise_unit_name(std::string_view given);

// Where systemd reads unit files, most important first.
std::vector<std::filesystem::path> unit_directories(const std::filesystem::path& root);

// The executable named by one ExecStart= value: the prefixes @ - : + ! stripped,
// the first word unquoted. nullopt for an empty value.
std::optional<std::string> executable_of_exec_line(std::string_view value);

// The executables in `systemctl show -p ExecStart --value UNIT`'s output:
// "{ path=/usr/sbin/nginx ; argv[]=... ; ... }", one group per command.
std::vector<std::string> parse_systemctl_exec_start(std::string_view text);

struct ExecStartLookup {
  std::vector<std::string> executables;  // absolute paths when found
  std::string source;  // where they were read ("systemctl show", a unit file)
  std::string error;  // why none could be found
};

// From the unit file under `root`'s unit directories (a template instance falls
// back to its template) and its drop-ins (`ExecStart=` with no value resets).
ExecStartLookup exec_start_from_unit_files(const std::string& unit, const std::filesystem::path& root);

// systemctl when systemd runs (and `root` is "/"), else the unit files.
ExecStartLookup exec_start_of(const std::string& unit, const std::filesystem::path& root);

// True when systemd is the running init system (sd_booted(3)).
bool systemd_is_running();

}  // namespace srcbind::cli
