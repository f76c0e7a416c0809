// The configuration file's bytes, taken once: what the path names, who may have
// written it, and its text. The command reads the text at once; the library maps
// the file at start (a few system calls, whatever its size) and copies the text
// out at the first network call (docs/architecture.md, "Start-up").
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace srcbind {

// Who may own the file that is read (docs/contract.md, "Environment";
// README, "Which file").
enum class FileTrust {
  any,            // tests, `srcbind --check` of a file the user names
  owner_or_root,  // SRCBIND_CONFIG: owned by the real user or root, not writable by group/others
  root_only,      // /etc/srcbind.ini: owned by root, not writable by group/others
};

class ConfigFile {
 public:
  enum class Capture : std::uint8_t {
    read,   // the text is read now
    map,    // the file is mapped privately now and copied out by the first text()
  };

  ConfigFile() = default;   // no file
  // Never blocks (a FIFO is refused, not waited on) and never throws: problems
  // end up in error().
  static ConfigFile open(const std::string& path, FileTrust trust, Capture how) noexcept;

  // What open() asks the system, for a caller that asks it itself: the
  // library's constructor does so with bare system calls
  // (preload/start_capture.hpp), and adopt() then checks it as open() would.
  struct Opened {
    int error = 0;              // errno of open or fstat; 0: `status` describes the file
    struct stat status {};
    uid_t user = 0;             // the real user when it was opened (the trust check)
    void* mapping = nullptr;    // PROT_READ, MAP_PRIVATE, status.st_size bytes, when maps(status)
  };
  // Whether open(..., Capture::map) maps a file of this status: a regular file,
  // not empty, not too large. (An empty one is read: its size may lie.)
  static bool maps(const struct stat& status) noexcept;
  // open()'s checks and result for what was opened, and the mapping taken over
  // (unmapped here when it cannot be used). `opened` must hold a mapping when
  // maps(opened.status). Never throws.
  static ConfigFile adopt(const char* path, FileTrust trust, const Opened& opened) noexcept;

  ConfigFile(ConfigFile&& other) noexcept;
  ConfigFile& operator=(ConfigFile&& other) noexcept;
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  ~ConfigFile();

  const std::string& path() const noexcept { return path_; }
  // Why the file cannot be used ("cannot read: ..."); empty when it can.
  const std::string& error() const noexcept { return error_; }
  // Why `trust` refuses the file's owner or mode; empty when it is trusted.
  const std::string& trust_problem() const noexcept { return trust_problem_; }
  // The trust the file was opened with: what a table derived from it must meet too.
  FileTrust trust() const noexcept { return trust_; }

  // The text. A mapped file is copied into private memory here, and unmapped:
  // one truncated meanwhile never raises SIGBUS, not even after this returns;
  // one changed on disk since open() (or truncated) is read again, as the file is
  // the truth. Empty, with error() set, on failure.
  std::string_view text();
  // Gives back the text's memory (the library, once its rules are built).
  void release() noexcept;

 private:
  struct Identity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    long modified_ns = 0;
    long changed_ns = 0;
    time_t modified_s = 0;
    time_t changed_s = 0;
    friend bool operator==(const Identity&, const Identity&) = default;
  };

  // The checks of open() and adopt(); true when the text is still to be read.
  bool take(const Opened& opened);
  // Gives back what was taken and says why, when open() or adopt() ran out of memory.
  void out_of_memory() noexcept;
  // text_ sized `size` for the kernel to fill, its pages asked for at once.
  void make_room(std::size_t size);
  void read_from(int fd, off_t size);
  bool copy_mapping();

  std::string path_;
  std::string error_;
  std::string trust_problem_;
  FileTrust trust_ = FileTrust::any;
  Identity identity_;
  std::string text_;
  void* mapping_ = nullptr;
  std::size_t mapped_bytes_ = 0;
};

}  // namespace srcbind
