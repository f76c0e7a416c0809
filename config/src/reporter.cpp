#include "reporter.hpp"

namespace srcbind::detail {

void Reporter::error(std::string message) const {
  out->push_back({std::string(file), line, Diagnostic::Severity::error, std::move(message)});
  if (error_count != nullptr) ++*error_count;
}

void Reporter::host_error(std::string message) const {
  out->push_back({std::string(file), line, Diagnostic::Severity::error, std::move(message), true});
  if (error_count != nullptr) ++*error_count;
}

void Reporter::warning(std::string message) const {
  out->push_back({std::string(file), line, Diagnostic::Severity::warning, std::move(message)});
}

}  // namespace srcbind::detail
