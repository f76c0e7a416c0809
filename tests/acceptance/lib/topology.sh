# The acceptance topology: five network namespaces joined by veth pairs, documentation
# address ranges only (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
#
#                      198.51.100.0/24                       203.0.113.0/27
#   client eth0 ───────────────────────── lan0  r1  wan0 ─────────────────── eth0 server
#    .10 primary, .11 eth0:0,              .1         .1                     .10 (vsftpd, HTTP,
#    .12 eth0:1, .13 eth0:2                ::1        ::1                    ::10  UDP, sshd, nft)
#    2001:db8::10, 2001:db8::12        2001:db8::/64   2001:db8:10::/64
#                                                 wan1 │ 203.0.113.32/27
#                                                  .33 └─────── eth0 srv2 .40 (HTTP, UDP;
#                                                                    no firewall)
#   client eth1 ───────────────────────── lan0  r2  wan0 ─────────────────── eth1 server
#    203.0.113.130    203.0.113.128/26    .129        .65   203.0.113.64/27   .66
#
# The client's default route goes through r1; r2 is a second uplink that only
# scenarios which ask for it route through. The server reaches the second uplink's
# prefix (203.0.113.128/26) through r2, as the internet would.
#
# Every namespace is named "$ACC_PREFIX-<role>", ACC_PREFIX being "sba<PID of run.sh>",
# so concurrent runs never collide and a dead run's leftovers can be recognised.
# cleanup (installed with `trap cleanup EXIT` by setup_topology) kills every process
# inside those namespaces and the shell's own background jobs, then deletes the
# namespaces and the temporary directory, on success, failure or signal alike.

ACC_PREFIX="sba$$"
NS_CLIENT="$ACC_PREFIX-client"
NS_R1="$ACC_PREFIX-r1"
NS_R2="$ACC_PREFIX-r2"
NS_SERVER="$ACC_PREFIX-server"
NS_SRV2="$ACC_PREFIX-srv2"
ACC_NAMESPACES=("$NS_CLIENT" "$NS_R1" "$NS_R2" "$NS_SERVER" "$NS_SRV2")

C_PRIMARY=198.51.100.10     # eth0, primary: the kernel's default source
C_ALIAS0=198.51.100.11      # eth0:0
C_ALLOWED=198.51.100.12     # eth0:1, the only IPv4 source the server's firewall accepts
C_ALIAS2=198.51.100.13      # eth0:2
C_V6_DEFAULT=2001:db8::10
C_V6_ALLOWED=2001:db8::12   # the only IPv6 source the server's firewall accepts
C_NOT_LOCAL=198.51.100.99   # on the client's subnet but assigned nowhere
C_ETH1=203.0.113.130        # the client's second NIC, towards r2
R1_LAN=198.51.100.1
R1_LAN6=2001:db8::1
R2_LAN=203.0.113.129
SERVER=203.0.113.10
SERVER6=2001:db8:10::10
SRV2=203.0.113.40

ACC_TMP=""                  # per-run temporary directory, removed by cleanup
ACC_WATCHDOG=""

# nsx NS CMD...: run CMD inside namespace NS.
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 50 ms until it succeeds;
# fails (with DESCRIPTION) after SECONDS.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${limit}s waiting for: $what" >&2
      return 1
    fi
    sleep 0.05
  done
}

# Kills every process inside namespace NS: TERM, then KILL what is left after 3 s.
acc_kill_namespace_processes() {
  local ns=$1 pids deadline
  pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086 # $pids: a list of PIDs
  kill -TERM $pids 2>/dev/null
  deadline=$((SECONDS + 3))
  while [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && ((SECONDS < deadline)); do sleep 0.05; done
  pids=$(ip netns pids "$ns" 2>/dev/null)
  # shellcheck disable=SC2086
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null
  deadline=$((SECONDS + 3))
  while [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && ((SECONDS < deadline)); do sleep 0.05; done
}

acc_delete_namespace() {
  local ns=$1
  ip netns list | awk '{print $1}' | grep -qx -- "$ns" || return 0
  acc_kill_namespace_processes "$ns"
  ip netns del "$ns" 2>/dev/null || echo "warning: could not delete namespace $ns" >&2
}

cleanup() {
  local rc=$? ns job
  trap - EXIT INT TERM HUP
  set +e
  # No `wait` in here: cleanup may run from a signal trap that interrupted a `wait`,
  # and bash can then block forever on children that are not yet killed. Everything
  # is killed by PID and polled (bounded) instead; init reaps what exits after us.
  [[ -n $ACC_WATCHDOG ]] && kill "$ACC_WATCHDOG" 2>/dev/null
  for job in $(jobs -p); do kill -TERM "$job" 2>/dev/null; done
  for ns in "${ACC_NAMESPACES[@]}"; do acc_delete_namespace "$ns"; done
  for job in $(jobs -p); do kill -KILL "$job" 2>/dev/null; done
  if [[ -n $ACC_TMP && -d $ACC_TMP ]]; then
    if [[ ${ACC_KEEP_TMP:-0} == 1 ]]; then echo "kept $ACC_TMP"; else rm -rf -- "$ACC_TMP"; fi
  fi
  exit "$rc"
}

# Deletes the namespaces (and their processes) of earlier runs whose run.sh is gone,
# e.g. one killed with SIGKILL by a CTest timeout, where no trap could run.
sweep_stale_namespaces() {
  local ns pid
  for ns in $(ip netns list | awk '{print $1}'); do
    [[ $ns =~ ^sba([0-9]+)-(client|r1|r2|server|srv2)$ ]] || continue
    pid=${BASH_REMATCH[1]}
    kill -0 "$pid" 2>/dev/null && continue
    echo "removing namespace $ns left behind by a dead run (pid $pid)"
    acc_delete_namespace "$ns"
  done
  local dir
  for dir in /tmp/srcbind-acceptance.*; do
    [[ -d $dir && $dir =~ ^/tmp/srcbind-acceptance\.([0-9]+)\.[A-Za-z0-9]+$ ]] || continue
    kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && continue
    echo "removing $dir left behind by a dead run"
    rm -rf -- "$dir"
  done
}

# A watchdog: after SECONDS, SIGTERM this shell so that cleanup runs before CTest's
# own timeout would SIGKILL it. It ends by itself as soon as this shell is gone.
start_watchdog() {
  local limit=$1 self=$$
  (
    sleeper=""
    trap 'kill $sleeper 2>/dev/null; exit 0' TERM
    for ((i = 0; i < limit; i++)); do
      kill -0 "$self" 2>/dev/null || exit 0
      # Its own stdout: a sleep left behind must not hold CTest's output pipe open.
      # shellcheck disable=SC2217
      sleep 1 >/dev/null 2>&1 </dev/null &
      sleeper=$!
      wait "$sleeper"
    done
    echo "acceptance: watchdog: scenario still running after ${limit}s, stopping it" >&2
    kill -TERM "$self"
  ) &
  ACC_WATCHDOG=$!
}

# veth NS_A IF_A NS_B IF_B: a veth pair created directly inside the two namespaces.
veth() {
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

setup_topology() {
  trap cleanup EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP
  ACC_TMP=$(mktemp -d "/tmp/srcbind-acceptance.$$.XXXXXX")
  chmod 755 "$ACC_TMP"
  local ns
  for ns in "${ACC_NAMESPACES[@]}"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # No duplicate address detection: addresses are usable at once, no waiting.
    nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  for ns in "$NS_R1" "$NS_R2"; do
    nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done

  # client eth0 <-> r1 lan0
  veth "$NS_CLIENT" eth0 "$NS_R1" lan0
  ip -n "$NS_CLIENT" addr add "$C_PRIMARY/24" dev eth0
  ip -n "$NS_CLIENT" addr add "$C_ALIAS0/24" dev eth0 label eth0:0
  ip -n "$NS_CLIENT" addr add "$C_ALLOWED/24" dev eth0 label eth0:1
  ip -n "$NS_CLIENT" addr add "$C_ALIAS2/24" dev eth0 label eth0:2
  # IPv6 picks the most recently added of equal candidates: add ::12 first so that
  # the kernel's default is ::10 and the firewall test means something.
  ip -n "$NS_CLIENT" addr add "$C_V6_ALLOWED/64" dev eth0 nodad
  ip -n "$NS_CLIENT" addr add "$C_V6_DEFAULT/64" dev eth0 nodad
  ip -n "$NS_R1" addr add "$R1_LAN/24" dev lan0
  ip -n "$NS_R1" addr add "$R1_LAN6/64" dev lan0 nodad
  ip -n "$NS_CLIENT" route add default via "$R1_LAN" dev eth0
  ip -n "$NS_CLIENT" -6 route add default via "$R1_LAN6" dev eth0

  # r1 wan0 <-> server eth0
  veth "$NS_R1" wan0 "$NS_SERVER" eth0
  ip -n "$NS_R1" addr add 203.0.113.1/27 dev wan0
  ip -n "$NS_R1" addr add 2001:db8:10::1/64 dev wan0 nodad
  ip -n "$NS_SERVER" addr add "$SERVER/27" dev eth0
  ip -n "$NS_SERVER" addr add "$SERVER6/64" dev eth0 nodad
  ip -n "$NS_SERVER" route add default via 203.0.113.1 dev eth0
  ip -n "$NS_SERVER" -6 route add default via 2001:db8:10::1 dev eth0

  # r1 wan1 <-> srv2 eth0
  veth "$NS_R1" wan1 "$NS_SRV2" eth0
  ip -n "$NS_R1" addr add 203.0.113.33/27 dev wan1
  ip -n "$NS_SRV2" addr add "$SRV2/27" dev eth0
  ip -n "$NS_SRV2" route add default via 203.0.113.33 dev eth0

  # client eth1 <-> r2 lan0, r2 wan0 <-> server eth1
  veth "$NS_CLIENT" eth1 "$NS_R2" lan0
  ip -n "$NS_CLIENT" addr add "$C_ETH1/26" dev eth1
  ip -n "$NS_R2" addr add "$R2_LAN/26" dev lan0
  veth "$NS_R2" wan0 "$NS_SERVER" eth1
  ip -n "$NS_R2" addr add 203.0.113.65/27 dev wan0
  ip -n "$NS_SERVER" addr add 203.0.113.66/27 dev eth1
  ip -n "$NS_R2" route add default via 203.0.113.66 dev wan0
  ip -n "$NS_SERVER" route add 203.0.113.128/26 via 203.0.113.65 dev eth1
}

# client_source_of DEST: the source the client's kernel picks for DEST (no packet sent).
client_source_of() {
  nsx "$NS_CLIENT" ip route get "$1" | sed -n 's/.* src \([^ ]*\).*/\1/p' | head -n1
}
