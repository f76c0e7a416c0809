#include "library_under_test.hpp"

#include <unistd.h>

#include <cstdlib>

namespace srcbind::test {

std::string preload_library() {
  if (const char* lib = std::getenv("SRCBIND_TEST_LIBRARY"); lib && *lib) return lib;
  return SRCBIND_PRELOAD_PATH;
}

std::string preload_list() {
#ifdef SRCBIND_SANITIZER_RUNTIME
  return std::string(SRCBIND_SANITIZER_RUNTIME) + " " + preload_library();
#else
  return preload_library();
#endif
}

EnvChanges preload_env(const std::string& config_path) {
  return {{"LD_PRELOAD", preload_list()}, {"SRCBIND_CONFIG", config_path}};
}

bool is_root() { return geteuid() == 0; }

}  // namespace srcbind::test
