// What the library takes from the process in its constructor (runtime.hpp): the
// SRCBIND_* variables, the configuration file (chosen, opened, checked by fstat
// and mapped), the program's names and which files the standard streams are.
//
// Taken with bare system calls into static memory: no allocation, no C library
// function but getauxval, errno untouched, and all of it on one code page
// (SRCBIND_START, hot_path.hpp). In a process that never uses the network (most
// of a cron job) start-up is the library's whole cost, and there each page first
// touched, the C library's included, costs microseconds: the same work through
// the C++ objects took 65-85 µs, this 18-40 (bench/README.md, "The constructor
// without allocation"). The objects are built from it at the first network
// call (runtime.cpp), where the cost is small beside the rules'.
#pragma once

#include "logger.hpp"
#include "srcbind/config_file.hpp"
#include "srcbind/rule_table.hpp"

#include <cstddef>

namespace srcbind::preload {

struct StartCapture {
  // The variables read, in the order Environment lists them, then the two the
  // per-user file is found with.
  enum Variable : unsigned { kConfig, kSource, kInterface, kLog, kLogFile, kXdgConfigHome, kHome, kVariableCount };
  static constexpr std::size_t kTextBytes = 3 * 4096;

  bool secure = false;                           // AT_SECURE: no variable is read
  const char* variables[kVariableCount] = {};    // copies in `text`; nullptr when unset
  const char* argv0 = nullptr;                   // copies in `text`
  const char* exec_path = nullptr;
  const char* config_path = nullptr;             // the file chosen; nullptr when none
  FileTrust trust = FileTrust::any;
  ConfigOrigin origin = ConfigOrigin::none;
  ConfigFile::Opened file;                       // what open, fstat and mmap gave
  StandardStreams streams;
  std::size_t used = 0;                          // bytes of `text` taken
  char text[kTextBytes];
};

// Fills `capture` (zeroed static memory). False when this start needs more than
// system calls, with nothing left open or mapped: a value longer than the room
// left, no HOME nor XDG_CONFIG_HOME to find the per-user file with (the password
// database is asked then), a file that must be read rather than mapped. The
// caller then takes the snapshot through the C++ objects.
bool capture_start(StartCapture& capture) noexcept;

}  // namespace srcbind::preload
