#include "srcbind/kernel/event_log.hpp"

#include "srcbind/kernel_rule_compiler.hpp"
#include "srcbind_events.h"

#include <cstring>

namespace srcbind::kernel {
namespace {

IpAddress address_of(const __u8* bytes, bool v4) {
  IpAddress a;
  a.family = v4 ? Family::v4 : Family::v6;
  std::memcpy(a.bytes.data(), bytes, v4 ? 4 : 16);
  return a;
}

std::string endpoint(const IpAddress& a, unsigned port) {
  const std::string text = a.to_string();
  return (a.family == Family::v6 ? "[" + text + "]" : text) + ":" + std::to_string(port);
}

std::string error_text(int error) {
  const char* desc = strerrordesc_np(error);
  const char* name = strerrorname_np(error);
  std::string out = desc ? desc : "unknown error";
  if (name) out += std::string(" (") + name + ")";
  return out;
}

const char* step_text(unsigned step) {
  switch (step) {
    case SB_STEP_SOURCE_MISSING: return "its source @NAME was not on this host at start";
    case SB_STEP_SOURCE_NOT_LOCAL: return "the source is not on this host";
    case SB_STEP_BINDTODEVICE: return "cannot set SO_BINDTODEVICE";
    case SB_STEP_BIND: return "cannot bind the source address";
    default: return "the source cannot be applied";
  }
}

}  // namespace

std::string rule_reference(const Rule& rule) {
  if (!rule.name.empty()) return rule.name;
  if (rule.line == 0) return rule.file;
  return "at line " + std::to_string(rule.line);
}

std::string format_event(const sb_event& e, std::span<const Rule> rules) {
  const std::string program(e.program, strnlen(e.program, sizeof e.program));
  std::string line = "srcbind[" + std::to_string(e.pid) + "] " + (program.empty() ? "?" : program) + ": ";
  const IpAddress destination = address_of(e.destination, e.v4 != 0);
  const std::string call = std::string(e.datagram ? "udp " : "tcp ") + endpoint(destination, e.port);
  const std::string rule = e.rule < rules.size() ? " (rule " + rule_reference(rules[e.rule]) + ")" : "";
  const Rule* r = e.rule < rules.size() ? &rules[e.rule] : nullptr;
  switch (e.kind) {
    case SB_EVENT_APPLIED:
      line += call + " ->";
      if (e.source_applied) line += " " + address_of(e.source, e.v4 != 0).to_string();
      if (e.device_applied && r) line += " dev " + r->interface;
      line += rule;
      break;
    case SB_EVENT_LEFT_ALONE: {
      const auto& reasons = socket_verdicts().reasons;
      line += call + " left alone: " +
              std::string(e.step < reasons.size() ? reasons[e.step] : std::string_view("the socket is the program's")) +
              rule;
      break;
    }
    case SB_EVENT_FAILED:
      line += "error: " + call + ": " + step_text(e.step) + ": " + error_text(e.error) + rule +
              "; the call fails (on_error = fail)";
      break;
    default:
      line += "warning: " + call + ": " + step_text(e.step) + ": " + error_text(e.error) + rule +
              "; sent as without srcbind (on_error = continue)";
      break;
  }
  return line + "\n";
}

}  // namespace srcbind::kernel
