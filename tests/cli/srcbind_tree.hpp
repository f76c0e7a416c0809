// Ways to run the built `srcbind` in the command tests.
#pragma once

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace srcbind::cli::test {

using srcbind::test::ChildOptions;
using srcbind::test::ChildResult;
using srcbind::test::describe;
using srcbind::test::EnvChanges;
using srcbind::test::run_child;
using srcbind::test::TempDir;

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A failure for each of `needles` that `output` does not contain, showing all of `output`.
inline void expect_contains_all(const std::string& output, std::initializer_list<std::string> needles) {
  for (const std::string& needle : needles) {
    EXPECT_TRUE(contains(output, needle)) << "no \"" << needle << "\" in:\n" << output;
  }
}

// How these tests run a program: the srcbind command itself, directly or
// through a shell.
inline ChildOptions command_options(EnvChanges env = {},
                                    std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  ChildOptions options;
  options.env = std::move(env);
  options.deadline = deadline;
  options.sanitized = ChildOptions::Sanitized::srcbind_command;
  return options;
}

// The build-tree executable, for modes that do not need the library.
inline ChildResult srcbind(std::vector<std::string> args, const EnvChanges& env = {}) {
  args.insert(args.begin(), SRCBIND_TEST_EXE);
  return run_child(args, command_options(env));
}

// A private install-like tree: TMP/bin/srcbind (a copy of the built command) and
// TMP/lib/libsrcbind.so (a stand-in that does nothing, unless `library` names
// another file, or nullptr for none). Run mode and --print-env are tested with
// it, so they test the command, and work before the real library exists.
class SrcbindTree {
 public:
  explicit SrcbindTree(const char* library = SRCBIND_TEST_FAKE_PRELOAD) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_ / "bin");
    fs::copy_file(SRCBIND_TEST_EXE, exe(), fs::copy_options::overwrite_existing);
    if (library != nullptr) {
      fs::create_directories(dir_ / "lib");
      fs::copy_file(library, this->library(), fs::copy_options::overwrite_existing);
    }
  }
  std::string exe() const { return dir_ / "bin/srcbind"; }
  std::string library() const { return dir_ / "lib/libsrcbind.so"; }
  const TempDir& dir() const { return dir_; }

  ChildResult run(std::vector<std::string> args, const EnvChanges& env = {}) const {
    args.insert(args.begin(), exe());
    return run_child(args, command_options(env));
  }

 private:
  TempDir dir_;
};

// A fixture whose tests share one SrcbindTree: copying the command for every
// test would be most of their time.
class SharedSrcbindTree : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tree_ = new SrcbindTree(); }
  static void TearDownTestSuite() {
    delete tree_;
    tree_ = nullptr;
  }
  static const SrcbindTree& tree() { return *tree_; }

 private:
  inline static SrcbindTree* tree_ = nullptr;
};

// A configuration file that is valid on every host: loopback to loopback.
inline std::string write_loopback_config(const TempDir& dir, const std::string& name = "srcbind.ini") {
  return dir.write(name, "[rule loop]\ndestination = 127.0.0.1\nsource = 127.0.0.1\n");
}

}  // namespace srcbind::cli::test
