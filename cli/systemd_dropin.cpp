#include "systemd_dropin.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace srcbind::cli {
namespace {

namespace fs = std::filesystem;

bool plain_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_./:@+=,%-").find(c) != std::string_view::npos;
}

std::string header(const std::string& unit, std::string_view what) {
  return std::string(kDropInMarker) + " " + std::string(what) + "\n# \"srcbind disable " + unit +
         "\" removes it; edit the configuration file, not this one.\n";
}

std::string errno_text(const std::string& step, const fs::path& path) {
  return step + " " + path.string() + ": " + std::strerror(errno);
}

}  // namespace

ServiceFiles service_files(const fs::path& unit_dir, const std::string& unit) {
  ServiceFiles files;
  files.dropin_dir = unit_dir / (unit + ".d");
  files.dropin = files.dropin_dir / kDropInFileName;
  std::string stem = unit.substr(0, unit.rfind('.'));
  // A '@' would make the pin unit an instance of a template that does not exist.
  for (char& c : stem)
    if (c == '@') c = '_';
  files.pin_unit_name = "srcbind-pin-" + stem + ".service";
  files.pin_unit = unit_dir / files.pin_unit_name;
  return files;
}

std::string pin_directory(const std::string& unit) { return "/sys/fs/bpf/srcbind/" + unit; }

std::string systemd_word(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) plain = plain && plain_character(c);
  std::string out;
  if (!plain) out.push_back('"');
  for (char c : word) {
    if (c == '%') out += "%%";
    else if (!plain && (c == '"' || c == '\\')) {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  if (!plain) out.push_back('"');
  return out;
}

std::string library_dropin_text(const std::string& unit, const std::string& library, const std::string& config) {
  return header(unit, "It preloads libsrcbind.so into " + unit + ".") +
         "# Programs that are statically linked, written in Go or set-user-ID are not\n"
         "# reached this way: use \"srcbind enable --kernel\" for them.\n"
         "[Service]\n"
         "Environment=" + systemd_word("LD_PRELOAD=" + library) + "\n"
         "Environment=" + systemd_word("SRCBIND_CONFIG=" + config) + "\n";
}

std::string kernel_dropin_text(const std::string& unit, const std::string& pin_unit_name) {
  std::string text = header(unit, "It attaches srcbind's BPF programs to " + unit + "'s cgroup.") +
                     "# systemd attaches BPFProgram= when it creates the cgroup, before ExecStartPre=,\n"
                     "# so the programs are pinned by " + pin_unit_name + ", which runs first;\n"
                     "# if it fails, " + unit + " is not started.\n"
                     "[Unit]\n"
                     "Requires=" + pin_unit_name + "\n"
                     "After=" + pin_unit_name + "\n"
                     "\n"
                     "[Service]\n";
  std::string check = "ExecStartPre=+/usr/bin/test";
  for (const char* program : kPinnedPrograms) {
    const std::string pin = systemd_word(pin_directory(unit) + "/" + program);
    text += "BPFProgram=" + std::string(program) + ":" + pin + "\n";
    check += std::string(check.ends_with("test") ? "" : " -a") + " -e " + pin;
  }
  // systemd only logs a BPFProgram= it cannot attach and starts the service
  // anyway: refuse to start when a pin has gone (removed by hand since the pin
  // unit ran). "+": /sys/fs/bpf is root's alone, whatever the service's User=.
  return text + "# Fail closed: no start without the pinned programs.\n" + check + "\n";
}

std::string pin_unit_text(const std::string& unit, const std::string& srcbind, const std::string& config) {
  return header(unit, "It pins srcbind's BPF programs for " + unit + ".") +
         "[Unit]\n"
         "Description=srcbind: BPF programs for " + unit + "\n"
         "Documentation=man:srcbind(1)\n"
         "Before=" + unit + "\n"
         "\n"
         "[Service]\n"
         "Type=oneshot\n"
         "RemainAfterExit=yes\n"
         "ExecStart=" + systemd_word(srcbind) + " --kernel --pin " + unit + " -c " + systemd_word(config) + "\n"
         "ExecStop=/bin/rm -rf " + systemd_word(pin_directory(unit)) + "\n";
}

bool written_by_srcbind(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  return in && std::getline(in, first) && std::string_view(first).starts_with(kDropInMarker);
}

std::string write_file_atomically(const fs::path& path, std::string_view content) {
  std::string temp = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return errno_text("cannot create a file in", path.parent_path());
  std::string error;
  std::size_t written = 0;
  while (error.empty() && written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno_text("cannot write", temp);
    else written += static_cast<std::size_t>(n);
  }
  if (error.empty() && fchmod(fd, 0644) != 0) error = errno_text("cannot chmod", temp);
  if (error.empty() && fsync(fd) != 0) error = errno_text("cannot flush", temp);
  if (close(fd) != 0 && error.empty()) error = errno_text("cannot close", temp);
  if (error.empty() && rename(temp.c_str(), path.c_str()) != 0) error = errno_text("cannot rename to", path);
  if (!error.empty()) unlink(temp.c_str());
  return error;
}

}  // namespace srcbind::cli
