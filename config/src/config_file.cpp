// ConfigFile: open, check what the path names and who may have written it, take
// the text (read now, or map now and copy later); load_config_file on top.
#include "srcbind/config_file.hpp"

#include "srcbind/ini_parser.hpp"
#include "srcbind/rule_table.hpp"

#include "fault_safe_copy.hpp"
#include "file_checks.hpp"
#include "prefault.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace srcbind {
namespace {

using detail::file_kind;
using detail::RawFileDescriptor;

// Far above any real configuration (1,000,000 named rules are ~75 MB); stops a
// runaway generated file from eating the host program's memory.
constexpr off_t kMaxFileSize = off_t{256} * 1024 * 1024;

// /dev/null is the conventional "no file": an empty configuration.
bool is_dev_null(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3); }

std::string cannot_read(int error) { return std::string("cannot read: ") + std::strerror(error); }

std::string too_large() { return "is larger than " + std::to_string(kMaxFileSize / (1024 * 1024)) + " MiB"; }

}  // namespace

bool ConfigFile::maps(const struct stat& status) noexcept {
  return S_ISREG(status.st_mode) && status.st_size > 0 && status.st_size <= kMaxFileSize;
}

bool ConfigFile::take(const Opened& opened) {
  if (opened.error != 0) {
    error_ = cannot_read(opened.error);
    return false;
  }
  const struct stat& st = opened.status;
  if (is_dev_null(st)) return false;
  if (!S_ISREG(st.st_mode)) {
    error_ = "cannot read: not a regular file (" + file_kind(st.st_mode) + ")";
    return false;
  }
  if (std::string why = detail::untrusted_because(st, trust_, path_, opened.user); !why.empty()) {
    trust_problem_ = "not trusted: " + why;
  }
  if (st.st_size > kMaxFileSize) {
    error_ = too_large();
    return false;
  }
  identity_ = {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_nsec, st.st_ctim.tv_nsec,
               st.st_mtim.tv_sec, st.st_ctim.tv_sec};
  if (opened.mapping != nullptr) {
    mapping_ = opened.mapping;
    mapped_bytes_ = static_cast<std::size_t>(st.st_size);
    return false;
  }
  return true;
}

ConfigFile ConfigFile::open(const std::string& path, FileTrust trust, Capture how) noexcept {
  ConfigFile file;
  try {
    file.path_ = path;
    file.trust_ = trust;
    // Not O_NOFOLLOW: a symlinked configuration is fine; the checks are on what
    // was opened. O_NONBLOCK: opening a FIFO without a writer would otherwise
    // wait forever, in every program that loads the library (docs/linux-facts.md Q16).
    const RawFileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    Opened opened;
    if (fd.get() < 0 || ::fstat(fd.get(), &opened.status) != 0) {
      opened.error = errno;
    } else {
      opened.user = ::getuid();
      if (how == Capture::map && maps(opened.status)) {
        void* mapping = ::mmap(nullptr, static_cast<std::size_t>(opened.status.st_size), PROT_READ, MAP_PRIVATE,
                               fd.get(), 0);
        if (mapping != MAP_FAILED) opened.mapping = mapping;   // else read instead
      }
    }
    if (file.take(opened)) file.read_from(fd.get(), opened.status.st_size);
  } catch (...) {
    file.out_of_memory();
  }
  return file;
}

ConfigFile ConfigFile::adopt(const char* path, FileTrust trust, const Opened& opened) noexcept {
  ConfigFile file;
  file.mapping_ = opened.mapping;   // owned from here on, whatever happens below
  file.mapped_bytes_ = opened.mapping != nullptr ? static_cast<std::size_t>(opened.status.st_size) : 0;
  try {
    file.path_ = path;
    file.trust_ = trust;
    if (file.take(opened)) file.error_ = "cannot read: not mapped at start";
    if (!file.error_.empty()) file.release();
  } catch (...) {
    file.out_of_memory();
  }
  return file;
}

void ConfigFile::out_of_memory() noexcept {
  release();
  try {
    error_ = "cannot read: out of memory";
  } catch (...) {
    // Not even room for the message: path_ still names the file, and an empty
    // error with no text reads as an empty file, which applies no rules.
  }
}

void ConfigFile::make_room(std::size_t size) {
  text_.reserve(size);
  detail::prefault(text_.data(), text_.capacity());
  text_.resize(size);
}

void ConfigFile::read_from(int fd, off_t size) {
  // One byte more than the file, so that the read that sees its end needs no
  // larger buffer (growing would copy the whole text).
  make_room(static_cast<std::size_t>(size) + 1);
  std::size_t filled = 0;
  while (true) {
    if (filled == text_.size()) {
      // The file may grow between fstat and read; read on, up to the cap.
      if (text_.size() >= static_cast<std::size_t>(kMaxFileSize)) {
        text_.clear();
        error_ = too_large();
        return;
      }
      text_.resize(text_.size() + 4096);
    }
    const ssize_t n = ::read(fd, text_.data() + filled, text_.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      text_.clear();
      error_ = cannot_read(errno);
      return;
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  text_.resize(filled);
}

bool ConfigFile::copy_mapping() {
  make_room(mapped_bytes_);
  const bool copied = detail::copy_through_kernel(mapping_, mapped_bytes_, text_.data()) == 0;
  ::munmap(mapping_, mapped_bytes_);
  mapping_ = nullptr;
  mapped_bytes_ = 0;
  if (!copied) std::string().swap(text_);
  return copied;
}

std::string_view ConfigFile::text() {
  if (!error_.empty() || mapping_ == nullptr) return text_;
  // Edited in place since open(), the mapping may show a mixture of old and new
  // text: read the file again. A path that can no longer be reached (a chroot)
  // keeps what was mapped. The text is copied out of the mapping before it is
  // used, by the kernel (docs/architecture.md, "Start-up: why two steps"): a
  // file truncated meanwhile fails the copy, and is read again too.
  const int saved = errno;
  struct stat st;
  const bool changed = ::stat(path_.c_str(), &st) == 0 &&
                       Identity{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_nsec, st.st_ctim.tv_nsec,
                                st.st_mtim.tv_sec, st.st_ctim.tv_sec} != identity_;
  const bool copied = !changed && copy_mapping();
  errno = saved;
  if (copied) return text_;
  *this = open(path_, trust_, Capture::read);
  return text();
}

void ConfigFile::release() noexcept {
  if (mapping_ != nullptr) ::munmap(mapping_, mapped_bytes_);
  mapping_ = nullptr;
  mapped_bytes_ = 0;
  std::string().swap(text_);
}

ConfigFile::ConfigFile(ConfigFile&& other) noexcept
    : path_(std::move(other.path_)),
      error_(std::move(other.error_)),
      trust_problem_(std::move(other.trust_problem_)),
      trust_(other.trust_),
      identity_(other.identity_),
      text_(std::move(other.text_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapped_bytes_(std::exchange(other.mapped_bytes_, 0)) {}

ConfigFile& ConfigFile::operator=(ConfigFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    error_ = std::move(other.error_);
    trust_problem_ = std::move(other.trust_problem_);
    trust_ = other.trust_;
    identity_ = other.identity_;
    text_ = std::move(other.text_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
  }
  return *this;
}

ConfigFile::~ConfigFile() { release(); }

RuleTable parse_config_file(ConfigFile& file, const HostInterfaces& host, bool refuse_untrusted) {
  RuleTable table;
  const std::string& path = file.path();
  std::string_view text = file.text();
  std::string problem = file.error();
  if (problem.empty() && refuse_untrusted) problem = file.trust_problem();
  if (!problem.empty()) {
    table.diagnostics.push_back({path, 0, Diagnostic::Severity::error, std::move(problem)});
  } else {
    table = parse_config_text(text, path, host);
  }
  table.config_path = path;
  return table;
}

RuleTable load_config_file(const std::string& path, const HostInterfaces& host, FileTrust trust) {
  ConfigFile file = ConfigFile::open(path, trust, ConfigFile::Capture::read);
  return parse_config_file(file, host, true);
}

}  // namespace srcbind
