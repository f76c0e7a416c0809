// Whether LD_PRELOAD can reach COMMAND at all (docs/linux-facts.md Q9, Q10). srcbind only
// warns: the program still runs, but its connections are not covered.
#pragma once

#include "command_resolver.hpp"
#include "elf_inspect.hpp"

#include <optional>
#include <string>
#include <vector>

namespace srcbind::cli {

struct CoverageProblem {
  enum class Kind { static_executable, go_program, secure_execution, foreign_abi };
  Kind kind;
  std::string file;  // the executable concerned
  std::string reason;  // one sentence: why LD_PRELOAD cannot affect it
};

// `library` is the ELF description of libsrcbind.so (nullopt: ABI not compared).
std::vector<CoverageProblem> find_coverage_problems(const ExecChain& chain, const std::optional<ElfInfo>& library);

// What to use instead: the kernel's own ways of choosing a source address.
std::string kernel_alternatives_hint();

}  // namespace srcbind::cli
