// The files `srcbind enable` writes for a systemd service, and how they are
// written and removed (srcbind(1), "SYSTEMD SERVICES"):
//
//   UNIT.d/srcbind.conf     library form: Environment=LD_PRELOAD=... and
//                           Environment=SRCBIND_CONFIG=...; kernel form:
//                           BPFProgram= for the four pinned programs, and
//                           Requires=/After= on the pin unit
//   srcbind-pin-NAME.service  kernel form only: a oneshot unit that runs
//                           `srcbind --kernel --pin UNIT -c FILE` before UNIT
//
// Each file starts with kDropInMarker; `srcbind disable` removes only files that
// carry it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace srcbind::cli {

inline constexpr std::string_view kDropInMarker = "# Written by \"srcbind enable\".";
inline constexpr const char* kDropInFileName = "srcbind.conf";

struct ServiceFiles {
  std::filesystem::path dropin_dir;  // UNIT_DIR/UNIT.d
  std::filesystem::path dropin;  // UNIT_DIR/UNIT.d/srcbind.conf
  std::string pin_unit_name;  // srcbind-pin-NAME.service
  std::filesystem::path pin_unit;  // UNIT_DIR/srcbind-pin-NAME.service
};

ServiceFiles service_files(const std::filesystem::path& unit_dir, const std::string& unit);

// Where `srcbind --kernel --pin UNIT` pins the programs (bpffs).
std::string pin_directory(const std::string& unit);
inline constexpr const char* kPinnedPrograms[] = {"connect4", "connect6", "sendmsg4", "sendmsg6"};

// One word of a unit file line: as is when plain, else double-quoted with \ and "
// escaped; % is doubled everywhere (systemd reads it as a specifier).
std::string systemd_word(std::string_view word);

std::string library_dropin_text(const std::string& unit, const std::string& library, const std::string& config);
std::string kernel_dropin_text(const std::string& unit, const std::string& pin_unit_name);
std::string pin_unit_text(const std::string& unit, const std::string& srcbind, const std::string& config);

// True when the file's first line is the marker.
bool written_by_srcbind(const std::filesystem::path& file);

// Writes `content` to a temporary file in the same directory (mode 0644,
// flushed to disk) and renames it over `path`: a reader sees the old file or the
// new one, never a part. Empty on success, else why not.
std::string write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace srcbind::cli
