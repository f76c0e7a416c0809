// The preload library the integration tests put under their programs.
#pragma once

#include "child_process.hpp"

#include <string>

namespace srcbind::test {

// $SRCBIND_TEST_LIBRARY if set (point it at the no-op library to prove that the
// tests fail without the interposition), else the one this build made.
std::string preload_library();

// The LD_PRELOAD value for the library (with the sanitizer runtime in front of it
// in a sanitizer build).
std::string preload_list();

// Environment that preloads the library with the given config file.
EnvChanges preload_env(const std::string& config_path);

bool is_root();

}  // namespace srcbind::test
