// Where the configuration file is looked for when none is named: the per-user
// file ($XDG_CONFIG_HOME/srcbind/srcbind.ini, default ~/.config/srcbind/srcbind.ini),
// then /etc/srcbind.ini (srcbind.ini(5), "FILES").
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace srcbind {

// Where the per-user file is below an absolute XDG_CONFIG_HOME, else below HOME.
inline constexpr const char* kUserConfigBelowXdg = "/srcbind/srcbind.ini";
inline constexpr const char* kUserConfigBelowHome = "/.config/srcbind/srcbind.ini";

// The per-user file for these values of XDG_CONFIG_HOME and HOME (nullptr: unset).
// A relative or empty XDG_CONFIG_HOME is ignored, as the XDG Base Directory
// specification says; a relative or empty HOME gives no file.
std::optional<std::string> user_config_path(const char* xdg_config_home, const char* home);

// The home directory of `uid` from the password database (getpwuid_r), for a
// process started without HOME (a system service, `env -i`).
std::optional<std::string> home_of_user(uid_t uid);

// The per-user file of this process: XDG_CONFIG_HOME, HOME, and only when
// neither gives a path, the password database's home of the real user.
std::optional<std::string> user_config_path_of_process();

// True when the per-user file is there to be read. Unlike /etc/srcbind.ini, a
// path that cannot be examined at all (a HOME inherited from another user,
// EACCES) counts as absent: it is not this user's file.
bool user_config_exists(const std::string& path);

}  // namespace srcbind
