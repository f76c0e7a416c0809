#!/usr/bin/env bash
# srcbind acceptance scenarios: real Debian daemons and clients in network namespaces.
#
#   run.sh SCENARIO      build the topology, start the daemons, run one scenario
#   run.sh --install     install the Debian packages the scenarios need (root)
#   run.sh --list        the scenario names
#
# Environment: SRCBIND_LIB (libsrcbind.so, required), SRCBIND_CMD (the srcbind command;
# without it the scenarios fall back to LD_PRELOAD and skip what needs the command),
# ACC_KEEP_TMP=1 keeps the temporary directory (configs, logs) for a look afterwards;
# ACC_SCENARIO_LIMIT (seconds, default 200) is when the watchdog stops a scenario.
# Exit status: 0 passed, 1 failed, 77 skipped (not root, no network namespaces).
set -euo pipefail

ACC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LC_ALL=C
source "$ACC_DIR/lib/packages.sh"
source "$ACC_DIR/lib/topology.sh"
source "$ACC_DIR/lib/servers.sh"
source "$ACC_DIR/lib/common.sh"
for f in "$ACC_DIR"/scenarios/*.sh; do source "$f"; done

skip() { echo "SKIPPED: $*"; exit 77; }

list_scenarios() { declare -F | awk '{print $3}' | sed -n 's/^scenario_//p'; }

case ${1:-} in
  --list) list_scenarios; exit 0 ;;
  --install)
    [[ $(id -u) == 0 ]] || skip "installing the acceptance packages needs root"
    ensure_packages "${acc_packages[@]}"
    echo "versions:"; package_versions "${acc_packages[@]}" | sed 's/^/  /'
    exit 0 ;;
  "" | -*) echo "usage: $0 SCENARIO | --install | --list" >&2; exit 2 ;;
esac
scenario=$1
declare -F "scenario_$scenario" >/dev/null || { echo "unknown scenario: $scenario" >&2; exit 2; }

[[ $(id -u) == 0 ]] ||
  skip "acceptance.$scenario needs root (network namespaces, nftables, vsftpd, sshd); run ctest as root"
[[ -n ${SRCBIND_LIB:-} && -f $SRCBIND_LIB ]] || { echo "SRCBIND_LIB is not set to libsrcbind.so" >&2; exit 1; }
if [[ -n ${SRCBIND_CMD:-} && ! -x $SRCBIND_CMD ]]; then
  echo "SRCBIND_CMD=$SRCBIND_CMD is not executable: using LD_PRELOAD directly"
  SRCBIND_CMD=""
fi
probe="sbaprobe$$"
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here (ip netns add failed)"
ip netns del "$probe"

ensure_packages "${acc_packages[@]}"
sweep_stale_namespaces
setup_topology                  # from here on, cleanup runs on every exit
start_watchdog "${ACC_SCENARIO_LIMIT:-200}"
start_servers

echo "acceptance.$scenario: namespaces ${ACC_PREFIX}-*, work directory $ACC_TMP"
started=$SECONDS
"scenario_$scenario"
echo
echo "acceptance.$scenario: all $ACC_CHECKS checks passed ($((SECONDS - started)) s)"
