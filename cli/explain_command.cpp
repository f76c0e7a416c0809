#include "explain_command.hpp"

#include "config_loading.hpp"
#include "destination_spec.hpp"
#include "exit_codes.hpp"
#include "kernel_probe.hpp"
#include "rule_format.hpp"

#include "srcbind/decision.hpp"
#include "srcbind/host_interfaces.hpp"
#include "srcbind/matcher.hpp"

#include <algorithm>
#include <cstring>
#include <ostream>

namespace srcbind::cli {
namespace {

constexpr int kLabelWidth = 18;

void field(std::ostream& out, std::string_view label, const std::string& value) {
  std::string padded = std::string(label) + ":";
  if (padded.size() < kLabelWidth)
    padded.resize(kLabelWidth, ' ');
  else
    padded += ' ';
  out << padded << value << '\n';
}

struct Query {
  std::uint16_t port = 0;
  bool port_given = false;
  Protocol protocol = Protocol::tcp;
  std::string zone;  // the link of a link-local destination
};

void explain_address(std::ostream& out, const IpAddress& address, const Query& q, const Matcher& matcher) {
  Endpoint destination;
  destination.address = address;
  destination.port = q.port;
  const Rule* rule = matcher.find(destination, q.protocol);
  // A zone pins the probe to that link, as the scope id does for the program.
  const KernelChoice kernel = kernel_source_for(address, q.port, q.zone);

  field(out, "destination",
        address.to_string() + (q.zone.empty() ? "" : "%" + q.zone) + (q.port_given ? " port " + std::to_string(q.port) : " (no port)") + " " +
            std::string(to_string(q.protocol)));
  if (rule == nullptr) {
    field(out, "rule", "none: the socket is left untouched");
    field(out, "source", describe(kernel) + " (the kernel's choice)");
    field(out, "interface", "-");
    field(out, "without srcbind", describe(kernel));
    return;
  }

  field(out, "rule", rule_title(*rule));
  // What the library would do to a fresh socket of this protocol: the same
  // decide() the hooks call.
  SocketState fresh;
  fresh.datagram = q.protocol == Protocol::udp;
  const Decision decision =
      decide(*rule, destination, fresh.datagram ? SocketCall::datagram_send : SocketCall::connect, fresh);
  if (decision.verdict == Verdict::fail) {
    field(out, "source",
          std::string("none: ") + decision.reason + "; the call fails with " + strerrorname_np(decision.error) +
              " (on_error = " + std::string(to_string(rule->on_error)) + ")");
    field(out, "interface", rule->interface.empty() ? "-" : rule->interface);
    field(out, "without srcbind", describe(kernel));
    return;
  }
  const IpAddress* source = decision.source;
  std::optional<KernelChoice> on_device;
  if (!rule->interface.empty()) on_device = kernel_source_for(address, q.port, rule->interface);
  if (source) {
    std::string text = source->to_string();
    if (kernel_accepts_source(*source) == false)
      text += " (not an address of this host: the connection would fail with EADDRNOTAVAIL, on_error = " +
              std::string(to_string(rule->on_error)) + ")";
    field(out, "source", text);
  } else if (on_device) {  // an interface-only rule (a rule with neither never matches)
    field(out, "source",
          describe(*on_device) + " (no source of this family in the rule: the kernel's choice on " + rule->interface +
              ")");
  }
  field(out, "interface", rule->interface.empty() ? "-" : rule->interface);
  field(out, "on_error", std::string(to_string(rule->on_error)));
  field(out, "without srcbind", describe(kernel));
  if (on_device) field(out, "kernel via " + rule->interface, describe(*on_device));
}

void print_notes(std::ostream& out, const std::vector<Rule>& rules, const std::vector<IpAddress>& addresses,
                 const Options& options, const Query& q, const Matcher& matcher) {
  const bool port_filters = std::any_of(rules.begin(), rules.end(), [](const Rule& r) { return !r.ports.empty(); });
  const bool program_filters =
      std::any_of(rules.begin(), rules.end(), [](const Rule& r) { return !r.programs.empty(); });
  const bool wildcards = std::any_of(rules.begin(), rules.end(), [](const Rule& r) {
    return std::any_of(r.destinations.begin(), r.destinations.end(),
                       [](const DestinationPattern& d) { return d.wildcard; });
  });
  // Only where it explains a miss: a loopback quick-mode source does match.
  const bool unmatched_loopback = std::any_of(addresses.begin(), addresses.end(), [&](const IpAddress& a) {
    return a.is_loopback() && matcher.find(Endpoint{a, q.port}, q.protocol) == nullptr;
  });
  if (!q.port_given && port_filters)
    out << "note: no port given: rules with a port filter cannot match; give DEST:PORT (or [IPv6]:PORT)\n";
  if (!options.program && program_filters)
    out << "note: rules with a program filter were left out; give --program NAME to see them\n";
  if (unmatched_loopback && wildcards)
    out << "note: destination = * never matches loopback; list 127.0.0.0/8 or ::1 explicitly\n";
}

}  // namespace

int run_explain(const Options& options, std::ostream& out, std::ostream& err) {
  const ParsedDestination parsed = parse_destination(options.operands.at(0));
  if (!parsed.spec) {
    err << "srcbind: --explain: " << parsed.error << '\n';
    return kExitInvalid;
  }
  const DestinationSpec& spec = *parsed.spec;

  const HostInterfaces host = HostInterfaces::current();
  const Environment env = library_environment(options, Environment::from_process());
  const RuleTable table = load_as_library(env, host);
  print_diagnostics(err, table.diagnostics, /*errors_only=*/true);  // warnings: --check's job
  if (!table.ok()) {
    err << "srcbind: the configuration has errors: libsrcbind.so would apply no rules\n";
    return kExitInvalid;
  }

  const ResolvedDestination resolved = resolve_destination(spec.host);
  if (!resolved.error.empty()) {
    err << "srcbind: cannot resolve '" << spec.host << "': " << resolved.error << '\n';
    return kExitInvalid;
  }

  std::vector<std::string> names;
  if (options.program) names.push_back(*options.program);
  const Matcher matcher(table.rules, names);
  Query q;
  q.port = spec.port.value_or(0);
  q.port_given = spec.port.has_value();
  q.protocol = options.udp ? Protocol::udp : Protocol::tcp;
  q.zone = spec.zone;

  out << configuration_line(env, table) << '\n';
  if (has_no_configuration(table)) out << "note: " << no_configuration_message() << '\n';
  if (resolved.from_name) {
    out << spec.host << ": " << resolved.addresses.size()
        << (resolved.addresses.size() == 1 ? " address" : " addresses")
        << " (resolved now; the program resolves it again itself)\n";
  }
  for (std::size_t i = 0; i < resolved.addresses.size(); ++i) {
    if (i > 0 || resolved.from_name) out << '\n';
    explain_address(out, resolved.addresses[i], q, matcher);
  }
  print_notes(out, table.rules, resolved.addresses, options, q, matcher);
  return kExitOk;
}

}  // namespace srcbind::cli
