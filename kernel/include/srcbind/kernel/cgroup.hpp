// The cgroup (v2) a `srcbind --kernel` run puts COMMAND in: found from
// /proc/self/mountinfo and /proc/self/cgroup (not a fixed path: `ip netns exec`
// mounts a new /sys without the cgroup file systems), created under the caller's
// own cgroup, and removed once empty.
#pragma once

#include <optional>
#include <string>

namespace srcbind::kernel {

// Where the cgroup2 file system is mounted in this mount namespace, and the
// cgroup path its root stands for ("/" normally).
struct Cgroup2Mount {
  std::string mount_point;
  std::string root;
};
std::optional<Cgroup2Mount> find_cgroup2_mount();

// No cgroup2 mount visible (e.g. under `ip netns exec`): mounts one at
// kFallbackCgroup2Mount. Returns an error message, empty on success.
inline constexpr const char* kFallbackCgroup2Mount = "/run/srcbind/cgroup2";
std::string mount_cgroup2_fallback();

// This process's cgroup v2 path ("0::PATH" in /proc/self/cgroup).
std::optional<std::string> own_cgroup_path();

// The directory of this process's own cgroup: mount point + own path.
// Sets `error` (one line) and returns nullopt when it cannot be found.
std::optional<std::string> own_cgroup_directory(std::string& error, bool mount_if_missing);

// The run's cgroup directory, opened (O_CLOEXEC) with flock(LOCK_EX) held; -1 when
// it cannot be opened or (wait false) another process holds the lock. The run
// takes it right after mkdir, and its watcher keeps it (inherited across fork)
// until it has removed the cgroup: a lock nobody holds marks a leftover.
int lock_run_cgroup(const std::string& directory, bool wait);

// Children of `parent` named srcbind-PID that a killed run left behind: not
// populated, not locked by a watcher, and their srcbind process gone. Returns how
// many were removed.
int remove_leftover_cgroups(const std::string& parent);

inline constexpr const char* kRunCgroupPrefix = "srcbind-";

// Whether cgroup.events of `directory` says populated 1 (nullopt: unreadable).
std::optional<bool> cgroup_populated(const std::string& directory);

// Moves this whole process (every thread) into the cgroup: writes 0 to its
// cgroup.procs. false with errno when the kernel refuses. The kernel waits for
// an RCU grace period in it (cgroup_threadgroup_rwsem): ~10 ms on a 2-core VM.
bool move_into(const std::string& cgroup_directory);

}  // namespace srcbind::kernel
