#include "file_checks.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

namespace srcbind::detail {
namespace {

std::string mode_text(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

}  // namespace

int RawFileDescriptor::close() noexcept {
  if (fd_ < 0) return 0;
  const int fd = fd_;
  fd_ = -1;
  return static_cast<int>(::syscall(SYS_close, fd));
}

std::string untrusted_because(const struct stat& st, FileTrust trust, const std::string& path) {
  return untrusted_because(st, trust, path, ::getuid());
}

std::string untrusted_because(const struct stat& st, FileTrust trust, const std::string& path, uid_t user) {
  if (trust == FileTrust::any) return {};
  if (trust == FileTrust::root_only && st.st_uid != 0) {
    return "owned by uid " + std::to_string(st.st_uid) + ", not by root; run chown root " + path;
  }
  if (trust == FileTrust::owner_or_root && st.st_uid != 0 && st.st_uid != user) {
    return "owned by uid " + std::to_string(st.st_uid) + ", neither by you (uid " + std::to_string(user) +
           ") nor by root";
  }
  const bool group = (st.st_mode & S_IWGRP) != 0;
  const bool others = (st.st_mode & S_IWOTH) != 0;
  if (group || others) {
    return std::string("writable by ") + (group && others ? "group and others" : group ? "group" : "others") +
           " (mode " + mode_text(st.st_mode) + "); run chmod go-w " + path;
  }
  return {};
}

std::string file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a file";
}

}  // namespace srcbind::detail
