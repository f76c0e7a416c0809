#include "start_capture.hpp"

#include "hot_path.hpp"
#include "srcbind/config_search.hpp"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace srcbind::preload {
namespace {

#if defined(__x86_64__) || defined(__aarch64__)
#define SRCBIND_START_CAPTURE 1   // struct stat is the kernel's; SYS_newfstatat exists
#endif

// The names of StartCapture::Variable, in its order.
constexpr const char* kNames[StartCapture::kVariableCount] = {
    "SRCBIND_CONFIG", "SRCBIND_SOURCE", "SRCBIND_INTERFACE", "SRCBIND_LOG", "SRCBIND_LOG_FILE",
    "XDG_CONFIG_HOME", "HOME"};

// getenv's answer, read from environ here: getenv's page of the C library is
// one more page to touch.
SRCBIND_START const char* value_of(const char* name) noexcept {
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const char* p = *entry;
    const char* n = name;
    while (*n != '\0' && *p == *n) ++p, ++n;
    if (*n == '\0' && *p == '=') return p + 1;
  }
  return nullptr;
}

// Appends the pieces as one string to capture.text; nullptr when they do not fit.
SRCBIND_START const char* keep(StartCapture& capture, const char* first, const char* second = nullptr) noexcept {
  char* const start = capture.text + capture.used;
  std::size_t at = capture.used;
  for (const char* piece : {first, second}) {
    for (const char* p = piece; p != nullptr && *p != '\0'; ++p) {
      if (at + 1 >= StartCapture::kTextBytes) return nullptr;
      capture.text[at++] = *p;
    }
  }
  capture.text[at++] = '\0';
  capture.used = at;
  return start;
}

// Copies `value` (nullptr: unset); false when it does not fit.
SRCBIND_START bool keep_value(StartCapture& capture, const char* value, const char*& into) noexcept {
  if (value == nullptr) return true;
  into = keep(capture, value);
  return into != nullptr;
}

#ifdef SRCBIND_START_CAPTURE
// A system call made here rather than through the C library's syscall() (its
// page would be one more first touch, and errno another): the kernel's answer,
// -errno on failure.
SRCBIND_START long kernel(long number, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0,
                          long f = 0) noexcept {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
#else
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
#endif
}

template <typename T>
long pointer(T* p) noexcept {
  return reinterpret_cast<long>(p);
}

// 0 or -errno, as stat() (config_search.cpp's checks use stat()).
SRCBIND_START long stat_path(const char* path, struct stat& st) noexcept {
  return kernel(SYS_newfstatat, AT_FDCWD, pointer(path), pointer(&st), 0);
}

// Environment::from_process and choose_config_file (environment.cpp), on the
// copies: SRCBIND_CONFIG, else the per-user file if it exists, else
// /etc/srcbind.ini unless it is certainly absent. False when the per-user file
// can only be found in the password database.
SRCBIND_START bool choose_file(StartCapture& c) noexcept {
  const char* config = c.secure ? nullptr : c.variables[StartCapture::kConfig];
  if (config != nullptr && *config != '\0') {
    c.config_path = config;
    c.trust = FileTrust::owner_or_root;
    c.origin = ConfigOrigin::variable;
    return true;
  }
  if (!c.secure) {
    const char* xdg = c.variables[StartCapture::kXdgConfigHome];
    const char* home = c.variables[StartCapture::kHome];
    const char* user_path = nullptr;
    if (xdg != nullptr && xdg[0] == '/') {
      user_path = keep(c, xdg, kUserConfigBelowXdg);
    } else if (home != nullptr && home[0] == '/') {
      user_path = keep(c, home, kUserConfigBelowHome);
    } else {
      return false;
    }
    if (user_path == nullptr) return false;
    struct stat st;
    if (stat_path(user_path, st) == 0) {
      c.config_path = user_path;
      c.trust = FileTrust::owner_or_root;
      c.origin = ConfigOrigin::per_user;
      return true;
    }
  }
  struct stat st;
  const long error = -stat_path(kSystemConfigPath, st);
  if (error != ENOENT && error != ENOTDIR) {
    c.config_path = kSystemConfigPath;
    c.trust = FileTrust::root_only;
    c.origin = ConfigOrigin::system;
  }
  return true;
}

// ConfigFile::open's system calls; false when the file must be read instead.
SRCBIND_START bool open_file(StartCapture& c) noexcept {
  ConfigFile::Opened& opened = c.file;
  // Flags and reasons: ConfigFile::open.
  const long fd =
      kernel(SYS_openat, AT_FDCWD, pointer(c.config_path), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    opened.error = static_cast<int>(-fd);
    return true;
  }
  bool mapped_or_refused = true;
  if (const long error = -kernel(SYS_fstat, fd, pointer(&opened.status)); error != 0) {
    opened.error = static_cast<int>(error);
  } else {
    opened.user = static_cast<uid_t>(kernel(SYS_getuid));
    const struct stat& st = opened.status;
    if (ConfigFile::maps(st)) {
      const long address = kernel(SYS_mmap, 0, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (address < 0 && address > -4096) {
        mapped_or_refused = false;
      } else {
        opened.mapping = reinterpret_cast<void*>(address);
      }
    } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
      mapped_or_refused = false;   // read: its size may lie
    }
  }
  kernel(SYS_close, fd);
  return mapped_or_refused;
}

SRCBIND_START StandardStreams::Identity identity_of(int fd) noexcept {
  struct stat st;
  if (kernel(SYS_fstat, fd, pointer(&st)) != 0) return {};
  return {true, st.st_dev, st.st_ino};
}
#endif

}  // namespace

SRCBIND_START bool capture_start(StartCapture& c) noexcept {
#ifdef SRCBIND_START_CAPTURE
  c.secure = ::getauxval(AT_SECURE) != 0;
  if (!c.secure) {
    for (unsigned i = 0; i < StartCapture::kVariableCount; ++i) {
      if (!keep_value(c, value_of(kNames[i]), c.variables[i])) return false;
    }
  }
  if (!keep_value(c, program_invocation_name, c.argv0) ||
      !keep_value(c, reinterpret_cast<const char*>(::getauxval(AT_EXECFN)), c.exec_path)) {
    return false;
  }
  if (!choose_file(c)) return false;
  if (c.config_path != nullptr && !open_file(c)) return false;
  c.streams = {identity_of(1), identity_of(2)};
  return true;
#else
  (void)c;
  return false;
#endif
}

}  // namespace srcbind::preload
