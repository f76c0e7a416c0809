#!/usr/bin/env bash
# The kernel backend against real clients and servers, each scenario in a network
# namespace of its own and a cgroup of its own (so that what srcbind --kernel leaves
# behind can be checked). Root only: otherwise every scenario skips (exit 77).
#
#   run.sh --list          the scenario names
#   run.sh SCENARIO        one scenario
# Environment: SRCBIND (the srcbind binary), CLIENT (kernel_client, static),
# optionally URING_CLIENT, GO_CLIENT_SOURCE.
#
# Addresses inside the namespace: d0 (a veth) has 203.0.113.1-4/24 and
# 2001:db8::1-3/64 and fe80::10. Servers listen on 203.0.113.1/.3 and 2001:db8::1; a client the
# kernel leaves alone leaves from the destination's own address (the route to a
# local address), so a source of .2 or .4 can only come from srcbind.
set -u
here=$(cd "$(dirname "$0")" && pwd)

scenarios=(tcp_static tcp_ipv6_and_mapped udp_two_sources udp_wildcard_port_zero left_alone_bound_sockets
           udp_server_left_alone on_error_fail on_error_continue on_error_no_device exit_codes signal_ends_command
           cgroup_removed_after_exit cgroup_removed_after_sigkill leftover_removed_by_next_run no_inherited_descriptors
           nested log_lines pinned_programs program_filter check_kernel io_uring_connect setuid_program go_client
           glibc_resolver php_sockets ports_chosen_per_connection longest_prefix_hashed_and_walked
           concurrent_runs)

if [[ ${1:-} == --list ]]; then printf '%s\n' "${scenarios[@]}"; exit 0; fi
scenario=${1:?usage: run.sh --list | run.sh SCENARIO}

skip() { echo "SKIP: $*"; exit 77; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_eq() {  # ACTUAL EXPECTED WHAT
  if [[ "$1" == "$2" ]]; then echo "ok: $3: $1"; else fail "$3: expected '$2', got '$1'"; fi
}
expect_match() {  # ACTUAL REGEX WHAT
  if [[ "$1" =~ $2 ]]; then echo "ok: $3"; else fail "$3: expected /$2/, got '$1'"; fi
}

[[ $(id -u) -eq 0 ]] || skip "needs root (cgroups, BPF, network namespaces)"
# Without a BPF file system at /sys/fs/bpf (systemd mounts one; a bare machine
# may not), pinned_programs runs in a mount namespace of its own with one
# mounted there: the host is left as it was, and the pins go with the namespace.
if [[ $scenario == pinned_programs && -z ${SRCBIND_TEST_OWN_BPFFS:-} &&
      $(stat -f -c %T /sys/fs/bpf 2>/dev/null) != bpf_fs ]] && command -v unshare >/dev/null; then
  exec env SRCBIND_TEST_OWN_BPFFS=1 unshare --mount --propagation private "$0" "$@"
fi
if [[ -n ${SRCBIND_TEST_OWN_BPFFS:-} ]]; then
  mount -t bpf bpf /sys/fs/bpf || skip "cannot mount a BPF file system in a mount namespace of its own"
fi
: "${SRCBIND:?}" "${CLIENT:?}"
command -v ip >/dev/null || skip "needs ip (iproute2)"
ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
cg_mount=$(awk '$(NF-2) == "cgroup2" || ($0 ~ / - cgroup2 /) { print $5; exit }' /proc/self/mountinfo)
[[ -n $cg_mount ]] || skip "no cgroup v2 mount"
if ! reason=$("$SRCBIND" --check --kernel -s 203.0.113.2 2>&1 >/dev/null); then
  skip "the kernel backend cannot work here: ${reason##*--kernel: }"
fi

tmp=$(mktemp -d /tmp/srcbind-kernel-test.XXXXXX)
chmod 755 "$tmp"
ns=sbk$$
test_cgroup=$cg_mount/srcbind-test-$$
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  echo $$ > "$cg_mount/cgroup.procs" 2>/dev/null
  if [[ -d $test_cgroup ]]; then
    # Whatever a failed scenario left: processes killed, cgroups removed deepest first.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      mapfile -t procs < <(find "$test_cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null)
      ((${#procs[@]})) || break
      for p in "${procs[@]}"; do kill -KILL "$p" 2>/dev/null; done
      sleep 0.1
    done
    find "$test_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
  fi
  ip netns del "$ns" 2>/dev/null
  [[ -n ${pin_name:-} ]] && rm -rf "/sys/fs/bpf/srcbind/$pin_name"
  rm -rf "/etc/netns/$ns"
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns" || skip "cannot create a network namespace"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns ip link add d0 type veth peer name d0peer || skip "cannot create a veth pair"
in_ns ip link set d0 up
in_ns ip link set d0peer up
for a in 1 2 3 4; do in_ns ip addr add 203.0.113.$a/24 dev d0; done
for a in 1 2 3; do in_ns ip -6 addr add 2001:db8::$a/64 dev d0 nodad; done
in_ns ip -6 addr add fe80::10/64 dev d0 nodad

mkdir "$test_cgroup" || skip "cannot create a cgroup under $cg_mount"
echo $$ > "$test_cgroup/cgroup.procs"

start_server() {  # PORT ADDR...
  in_ns python3 "$here/peer_server.py" "$@" > "$tmp/server.$1" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$tmp/server.$1" && return 0; sleep 0.1; done
  fail "server on port $1 did not start: $(cat "$tmp/server.$1")"
  exit 1
}

config() {  # NAME TEXT -> path
  printf '%s\n' "$2" > "$tmp/$1.ini"
  echo "$tmp/$1.ini"
}

# SRCBIND_TEST_WITHOUT_KERNEL=1 runs the scenarios in run mode (the preload
# library) instead: a check that they fail without the kernel backend.
if [[ -n ${SRCBIND_TEST_WITHOUT_KERNEL:-} ]]; then
  kernel() { in_ns "$SRCBIND" "$@"; }
else
  kernel() { in_ns "$SRCBIND" --kernel "$@"; }
fi

# The run cgroups (srcbind-PID) under the test's cgroup, after the watcher had
# up to 3 s to remove them.
run_cgroups_left() {
  for _ in $(seq 30); do
    [[ -z $(find "$test_cgroup" -mindepth 1 -type d -name 'srcbind-*' 2>/dev/null) ]] && { echo none; return; }
    sleep 0.1
  done
  find "$test_cgroup" -mindepth 1 -type d -name 'srcbind-*' | sed "s|$test_cgroup/||" | tr '\n' ' '
}

attached_programs() {  # programs attached at or below the test cgroup
  if command -v bpftool >/dev/null; then
    bpftool cgroup tree "$test_cgroup" 2>/dev/null | grep -cE 'connect4|connect6|sendmsg4|sendmsg6'
  else
    echo 0
  fi
}

rule_ftp='[rule to-server]
destination = 203.0.113.1, 2001:db8::1
source = 203.0.113.2, 2001:db8::2'

# --- scenarios --------------------------------------------------------------

tcp_static() {
  start_server 7001 203.0.113.1
  expect_eq "$(in_ns "$CLIENT" tcp 203.0.113.1 7001)" 203.0.113.1 "without srcbind the kernel picks .1"
  local c; c=$(config r "$rule_ftp")
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 203.0.113.1 7001)" 203.0.113.2 "static TCP client under --kernel"
  expect_eq "$(kernel -s 203.0.113.4 -- "$CLIENT" tcp 203.0.113.1 7001)" 203.0.113.4 "quick mode -s"
}

tcp_ipv6_and_mapped() {
  start_server 7002 203.0.113.1 2001:db8::1
  local c; c=$(config r "$rule_ftp")
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 2001:db8::1 7002)" 2001:db8::2 "IPv6 TCP"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp ::ffff:203.0.113.1 7002)" 203.0.113.2 "IPv4-mapped destination on an AF_INET6 socket uses the IPv4 rule"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" udp ::ffff:203.0.113.1 7002)" 203.0.113.2 "IPv4-mapped UDP datagram"
  local ll; ll=$(config ll '[rule link-local]
destination = 2001:db8::1
interface = d0
source = fe80::10')
  expect_eq "$(kernel -c "$ll" -- "$CLIENT" tcp 2001:db8::1 7002)" fe80::10 "a link-local source, scoped to the rule's interface"
  local v6only='import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
try: s.connect(("::ffff:203.0.113.1", 7002)); print("connected")
except OSError as e: print(e.errno)'
  expect_eq "$(kernel -c "$c" -- python3 -c "$v6only")" "$(in_ns python3 -c "$v6only")" \
    "a mapped destination on a V6ONLY socket fails as without srcbind"
}

udp_two_sources() {
  start_server 7003 203.0.113.1 203.0.113.3 2001:db8::1
  local c; c=$(config r '[rule one]
destination = 203.0.113.1
source = 203.0.113.2
[rule three]
destination = 203.0.113.3
source = 203.0.113.4
[rule six]
destination = 2001:db8::1
source = 2001:db8::3')
  expect_eq "$(in_ns "$CLIENT" udp 203.0.113.1 7003 203.0.113.3 7003 | tr '\n' ' ')" "203.0.113.1 203.0.113.1 " "without srcbind"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" udp 203.0.113.1 7003 203.0.113.3 7003 | tr '\n' ' ')" \
    "203.0.113.2 203.0.113.4 " "one unconnected UDP socket, two destinations, two sources"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" udp 2001:db8::1 7003)" 2001:db8::3 "IPv6 unconnected UDP"
}

udp_wildcard_port_zero() {
  start_server 7004 203.0.113.1
  local c; c=$(config r "$rule_ftp")
  expect_eq "$(kernel -c "$c" -- "$CLIENT" udp-bound-wildcard 203.0.113.1 7004)" 203.0.113.2 \
    "a socket bound to 0.0.0.0:0 is steered per datagram"
}

left_alone_bound_sockets() {
  start_server 7005 203.0.113.1 127.0.0.1
  local c; c=$(config r "$rule_ftp")
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 203.0.113.1 7005 bind 203.0.113.4)" 203.0.113.4 "bound to an address"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 203.0.113.1 7005 noport bind 203.0.113.4)" 203.0.113.4 \
    "bound with IP_BIND_ADDRESS_NO_PORT"
  # Pinned to lo (the one device a local connection can be pinned to here).
  c=$(config lo '[rule loopback]
destination = 127.0.0.1
source = 127.0.0.2')
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 127.0.0.1 7005)" 127.0.0.2 "(an unpinned socket to 127.0.0.1 is steered)"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 127.0.0.1 7005 device lo)" 127.0.0.1 "pinned to a device"
}

udp_server_left_alone() {
  local c; c=$(config r '[rule everything]
destination = *
source = 203.0.113.2')
  kernel -c "$c" -- "$CLIENT" udp-server 7006 2 > "$tmp/udp-server" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$tmp/udp-server" && break; sleep 0.1; done
  # The client's socket is connected to .1: an answer from another address is dropped.
  expect_eq "$(in_ns python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3); s.connect(("203.0.113.1", 7006)); s.send(b"ping")
try: print(s.recv(64).decode().strip())
except OSError as e: print("no answer", e)
s.send(b"ping"); print(s.recv(64).decode().strip())')" "pong
pong" "a UDP server bound to 0.0.0.0:PORT answers from the address it was asked on"
}

on_error_fail() {
  start_server 7007 203.0.113.1
  local c; c=$(config r '[rule elsewhere]
destination = 203.0.113.1
source = 198.51.100.77')
  expect_eq "$(kernel -q -c "$c" -- "$CLIENT" tcp 203.0.113.1 7007)" "connect: EADDRNOTAVAIL" "TCP, source not on the host"
  expect_eq "$(kernel -q -c "$c" -- "$CLIENT" udp 203.0.113.1 7007)" "sendto: EADDRNOTAVAIL" "UDP, source not on the host"
  # srcbind itself refuses a source that names nothing here (the library, loaded
  # without srcbind, keeps such a rule and fails its calls with EADDRNOTAVAIL).
  c=$(config m '[rule missing]
destination = 203.0.113.1
source = @nosuchlabel')
  kernel -q -c "$c" -- "$CLIENT" tcp 203.0.113.1 7007 >/dev/null 2>&1; expect_eq $? 125 "@NAME not on the host: not started"
}

on_error_continue() {
  start_server 7008 203.0.113.1
  local c; c=$(config r '[srcbind]
on_error = continue
[rule elsewhere]
destination = 203.0.113.1
source = 198.51.100.77')
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 203.0.113.1 7008 2>"$tmp/err")" 203.0.113.1 "TCP proceeds unmatched"
  run_cgroups_left >/dev/null   # the watcher has printed its lines
  expect_match "$(cat "$tmp/err")" "warning: tcp 203.0.113.1:7008: .*EADDRNOTAVAIL.*sent as without srcbind" "its warning"
  expect_eq "$(kernel -c "$c" -- "$CLIENT" udp 203.0.113.1 7008 2>/dev/null)" 203.0.113.1 "UDP proceeds unmatched"
}

on_error_no_device() {
  start_server 7009 203.0.113.1
  in_ns ip link add d9 type veth peer name d9peer
  local c; c=$(config r '[rule via-d9]
destination = 203.0.113.1
interface = d9')
  # The device disappears after srcbind checked the configuration.
  expect_eq "$(kernel -q -c "$c" -- sh -c "ip link del d9; \"$CLIENT\" tcp 203.0.113.1 7009" 2>/dev/null)" \
    "connect: ENODEV" "interface gone: ENODEV"
}

exit_codes() {
  local c; c=$(config bad '[rule]
destination = 203.0.113.300
source = 203.0.113.2')
  kernel -c "$c" -- true 2>/dev/null; expect_eq $? 125 "bad configuration"
  kernel -s 203.0.113.2 -- /nonexistent/command 2>/dev/null; expect_eq $? 127 "command not found"
  printf 'not a program\n' > "$tmp/not-executable"; chmod 644 "$tmp/not-executable"
  kernel -s 203.0.113.2 -- "$tmp/not-executable" 2>/dev/null; expect_eq $? 126 "command not executable"
  kernel -s 203.0.113.2 -- sh -c 'exit 7'; expect_eq $? 7 "the command's own status"
  c=$(config long "[rule long]
destination = *
source = 203.0.113.2
program = $(printf 'p%.0s' $(seq 70))")
  expect_match "$(kernel -c "$c" -- true 2>&1)" "long.ini:1: rule long: program name 'p+' is longer than 63 bytes" \
    "what the kernel cannot match is a FILE:LINE error"
  kernel -c "$c" -- true 2>/dev/null; expect_eq $? 125 "and srcbind does not start COMMAND"
  expect_eq "$(run_cgroups_left)" none "no cgroup left after failures"
}

signal_ends_command() {
  kernel -s 203.0.113.2 -- sh -c 'kill -TERM $$'; expect_eq $? 143 "a signal ends COMMAND (128+SIGTERM)"
  expect_eq "$(run_cgroups_left)" none "no cgroup left"
}

cgroup_removed_after_exit() {
  kernel -s 203.0.113.2 -- true
  expect_eq "$(run_cgroups_left)" none "after a normal exit"
  expect_eq "$(attached_programs)" 0 "no program attached"
  # A child that outlives COMMAND keeps the cgroup (and its rules) until it ends.
  kernel -s 203.0.113.2 -- sh -c 'sleep 1 & exit 0'
  expect_match "$(find "$test_cgroup" -mindepth 1 -maxdepth 1 -name 'srcbind-*' | wc -l)" '^1$' "kept while a child lives"
  sleep 1
  expect_eq "$(run_cgroups_left)" none "removed when the child ends"
}

cgroup_removed_after_sigkill() {
  kernel -s 203.0.113.2 -- sleep 30 &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 50); do [[ -n $(find "$test_cgroup" -name 'srcbind-*') ]] && break; sleep 0.1; done
  # srcbind became COMMAND (the same process): this SIGKILLs both.
  sleep 0.2
  local sleeper; sleeper=$(cat "$test_cgroup"/srcbind-*/cgroup.procs 2>/dev/null | head -1)
  [[ -n $sleeper ]] && kill -KILL "$sleeper"
  wait "$pid" 2>/dev/null
  expect_eq "$(run_cgroups_left)" none "after SIGKILL of COMMAND"
  expect_eq "$(attached_programs)" 0 "no program attached"
}

leftover_removed_by_next_run() {
  # SIGKILL of srcbind's watcher too: the cgroup stays behind, and the next run
  # removes it.
  kernel -s 203.0.113.2 -- sleep 30 &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 50); do [[ -n $(cat "$test_cgroup"/srcbind-*/cgroup.procs 2>/dev/null) ]] && break; sleep 0.1; done
  local run; run=$(find "$test_cgroup" -mindepth 1 -maxdepth 1 -name 'srcbind-*')
  # The watcher starts in the run's cgroup and leaves it for srcbind's own.
  local watcher
  for _ in $(seq 50); do
    for p in $(cat "$test_cgroup/cgroup.procs"); do
      [[ $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null) == *"--kernel -s 203.0.113.2 -- sleep 30"* ]] && watcher=$p
    done
    [[ -n ${watcher:-} ]] && break
    sleep 0.1
  done
  if [[ -z ${watcher:-} || -z $run ]]; then
    fail "no run cgroup or no watcher found"
    return
  fi
  kill -KILL "$watcher"
  local command_pid; command_pid=$(head -1 "$run/cgroup.procs")
  [[ -n $command_pid ]] && kill -KILL "$command_pid"
  wait "$pid" 2>/dev/null
  sleep 0.3
  expect_eq "$(find "$test_cgroup" -mindepth 1 -maxdepth 1 -name 'srcbind-*' | wc -l)" 1 "a leftover after SIGKILL of srcbind's watcher"
  kernel -s 203.0.113.2 -- true
  expect_eq "$(run_cgroups_left)" none "removed by the next run"
  expect_eq "$(attached_programs)" 0 "no program attached"
}

no_inherited_descriptors() {
  local c; c=$(config r "$rule_ftp")
  # Compared with what the client inherits without srcbind (CTest's own log, say).
  expect_eq "$(kernel -v -c "$c" -- "$CLIENT" fds 2>/dev/null)" "$(in_ns "$CLIENT" fds)" \
    "COMMAND inherits no descriptor from srcbind"
}

nested() {
  start_server 7010 203.0.113.1 203.0.113.3
  local outer inner
  outer=$(config outer '[rule outer]
destination = 203.0.113.0/24
source = 203.0.113.2')
  inner=$(config inner '[rule inner]
destination = 203.0.113.3
source = 203.0.113.4')
  expect_eq "$(kernel -c "$outer" -- "$SRCBIND" --kernel -c "$inner" -- "$CLIENT" tcp 203.0.113.3 7010)" 203.0.113.4 \
    "nested: the inner run's rule wins"
  expect_eq "$(kernel -c "$outer" -- "$SRCBIND" --kernel -c "$inner" -- "$CLIENT" tcp 203.0.113.1 7010)" 203.0.113.2 \
    "nested: the outer run's rule applies where the inner has none"
  expect_eq "$(kernel -c "$outer" -- "$SRCBIND" --kernel -c "$inner" -- "$CLIENT" udp 203.0.113.3 7010 203.0.113.1 7010 | tr '\n' ' ')" \
    "203.0.113.4 203.0.113.2 " "nested: UDP"
  expect_eq "$(run_cgroups_left)" none "no cgroup left"
}

log_lines() {
  start_server 7011 203.0.113.1 127.0.0.1
  local c; c=$(config r "$rule_ftp")
  # The watcher prints the lines; it is done when the run's cgroup is gone.
  kernel -v -c "$c" -- "$CLIENT" tcp 203.0.113.1 7011 > "$tmp/out" 2> "$tmp/err"; run_cgroups_left >/dev/null
  local pid
  expect_match "$(grep 'srcbind\[' "$tmp/err")" "^srcbind\[[0-9]+\] kernel_client: tcp 203.0.113.1:7011 -> 203.0.113.2 \(rule to-server\)$" \
    "the library's log line"
  kernel -v -c "$c" -- "$CLIENT" udp 2001:db8::1 7011 > "$tmp/out" 2> "$tmp/err"; run_cgroups_left >/dev/null
  expect_match "$(grep 'srcbind\[' "$tmp/err")" "^srcbind\[[0-9]+\] kernel_client: udp \[2001:db8::1\]:7011 -> 2001:db8::2 \(rule to-server\)$" \
    "the log line of a datagram"
  kernel -c "$c" -- "$CLIENT" tcp 203.0.113.1 7011 > "$tmp/out" 2> "$tmp/err"; run_cgroups_left >/dev/null
  expect_eq "$(cat "$tmp/err")" "" "nothing logged without -v"
  # A symlinked log file is not followed (the watcher runs as root): stderr instead.
  : > "$tmp/elsewhere"
  ln -s "$tmp/elsewhere" "$tmp/link.log"
  SRCBIND_LOG_FILE="$tmp/link.log" kernel -v -c "$c" -- "$CLIENT" tcp 203.0.113.1 7011 > "$tmp/out" 2> "$tmp/err"
  run_cgroups_left >/dev/null
  expect_eq "$(cat "$tmp/elsewhere")" "" "a symlinked log file is not followed"
  expect_match "$(cat "$tmp/err")" "log file $tmp/link.log is a symbolic link, which srcbind does not follow" \
    "and the run says so"
  # Interface-only rules: SO_BINDTODEVICE at connect, and the kernel's own source.
  c=$(config dev '[rule via-lo]
destination = 127.0.0.1
interface = lo')
  expect_eq "$(kernel -v -c "$c" -- "$CLIENT" tcp 127.0.0.1 7011 2> "$tmp/err")" 127.0.0.1 "interface = lo connects"
  run_cgroups_left >/dev/null
  expect_match "$(grep 'srcbind\[' "$tmp/err")" "^srcbind\[[0-9]+\] kernel_client: tcp 127.0.0.1:7011 -> dev lo \(rule via-lo\)$" \
    "the device is applied and logged"
  expect_eq "$(kernel -v -i d0 -- "$CLIENT" tcp 203.0.113.1 7011 2> "$tmp/err")" 203.0.113.1 "-i d0 connects"
  run_cgroups_left >/dev/null
  expect_match "$(grep 'srcbind\[' "$tmp/err")" "^srcbind\[[0-9]+\] kernel_client: tcp 203.0.113.1:7011 -> dev d0 \(rule SRCBIND_[A-Z]+\)$" \
    "quick mode -i: the device is applied and logged"
}

program_filter() {
  start_server 7012 203.0.113.1
  local c; c=$(config r '[rule for-the-client]
destination = 203.0.113.1
program = kernel_client
source = 203.0.113.2
[rule for-others]
destination = 203.0.113.1
source = 203.0.113.4')
  expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 203.0.113.1 7012)" 203.0.113.2 "program = matches the executable's name"
  cp "$CLIENT" "$tmp/a-client-with-a-name-longer-than-fifteen-bytes"
  expect_eq "$(kernel -c "$c" -- "$tmp/a-client-with-a-name-longer-than-fifteen-bytes" tcp 203.0.113.1 7012)" 203.0.113.4 \
    "another executable does not match it"
  c=$(config r2 '[rule long]
destination = 203.0.113.1
program = a-client-with-a-name-longer-than-fifteen-bytes
source = 203.0.113.2')
  expect_eq "$(kernel -c "$c" -- "$tmp/a-client-with-a-name-longer-than-fifteen-bytes" tcp 203.0.113.1 7012)" 203.0.113.2 \
    "the full file name, not the 15-byte comm"
}

pinned_programs() {
  command -v bpftool >/dev/null || skip "needs bpftool to attach pinned programs"
  [[ $(stat -f -c %T /sys/fs/bpf 2>/dev/null) == bpf_fs ]] || skip "/sys/fs/bpf is not a BPF file system"
  # Pinned programs serve the network namespace where they were pinned: this one
  # runs in srcbind's own (the host's), on loopback only.
  pin_name=srcbind-test-$$
  local c pins=/sys/fs/bpf/srcbind/srcbind-test-$$ port=$((20000 + $$ % 20000))
  c=$(config r '[rule loopback]
destination = 127.0.0.1
source = 127.0.0.2')
  "$SRCBIND" --kernel --pin "$pin_name" -c "$c" -q || fail "--pin failed"
  expect_eq "$(ls "$pins" | grep -v '^map_' | tr '\n' ' ')" "connect4 connect6 sendmsg4 sendmsg6 " "the program pins"
  python3 "$here/peer_server.py" "$port" 127.0.0.1 > "$tmp/server.pin" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$tmp/server.pin" && break; sleep 0.1; done
  # What systemd does for BPFProgram=: BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI on the unit's cgroup.
  local unit=$test_cgroup/unit
  mkdir "$unit"
  for p in connect4 connect6 sendmsg4 sendmsg6; do
    bpftool cgroup attach "$unit" "$p" pinned "$pins/$p" multi || fail "attach $p"
  done
  expect_eq "$(sh -c "echo \$\$ > $unit/cgroup.procs && exec \"$CLIENT\" tcp 127.0.0.1 $port")" 127.0.0.2 \
    "a client in a cgroup with the pinned programs"
  expect_eq "$(sh -c "echo \$\$ > $unit/cgroup.procs && exec \"$CLIENT\" udp 127.0.0.1 $port")" 127.0.0.2 \
    "a UDP client in a cgroup with the pinned programs"
  # Re-pinning replaces the rules for the next start of the unit.
  c=$(config r2 '[rule loopback]
destination = 127.0.0.1
source = 127.0.0.3')
  "$SRCBIND" --kernel --pin "$pin_name" -c "$c" -q || fail "--pin again failed"
  local unit2=$test_cgroup/unit2
  mkdir "$unit2"
  for p in connect4 connect6 sendmsg4 sendmsg6; do bpftool cgroup attach "$unit2" "$p" pinned "$pins/$p" multi; done
  expect_eq "$(sh -c "echo \$\$ > $unit2/cgroup.procs && exec \"$CLIENT\" tcp 127.0.0.1 $port")" 127.0.0.3 \
    "after pinning again: the new rules"
  expect_eq "$(ls "$pins" | grep -c '_new$')" 0 "no temporary pins left"
  rmdir "$unit" "$unit2"
}

check_kernel() {
  local out
  out=$("$SRCBIND" --check --kernel -s 203.0.113.2 2>&1); expect_eq $? 0 "--check --kernel when everything is there"
  expect_match "$out" "kernel backend: ready" "says so"
  out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$SRCBIND" --check --kernel -s 203.0.113.2 2>&1)
  expect_eq $? 1 "--check --kernel as nobody"
  expect_match "$out" "--kernel: not privileged: .*CAP_BPF" "one line that says what is missing"
  expect_eq "$(grep -c . <<< "$(grep -- '--kernel' <<< "$out")")" 1 "exactly one line"
  out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$SRCBIND" --kernel -s 203.0.113.2 -- true 2>&1)
  expect_eq $? 125 "--kernel as nobody"
  expect_match "$(grep -- '--kernel' <<< "$out")" "^srcbind: --kernel: not privileged" "the same line"
}

io_uring_connect() {
  [[ -n ${URING_CLIENT:-} && -x ${URING_CLIENT:-} ]] || skip "built without liburing (liburing-dev)"
  start_server 7014 203.0.113.1
  local c; c=$(config r "$rule_ftp")
  local out; out=$(in_ns "$URING_CLIENT" 203.0.113.1 7014)
  [[ $out == "io_uring unavailable"* ]] && skip "$out"
  expect_eq "$out" 203.0.113.1 "io_uring connect without srcbind"
  expect_eq "$(kernel -c "$c" -- "$URING_CLIENT" 203.0.113.1 7014)" 203.0.113.2 "io_uring connect under --kernel"
}

setuid_program() {
  start_server 7015 203.0.113.1
  cp "$CLIENT" "$tmp/setuid-client"
  chown root: "$tmp/setuid-client"; chmod 4755 "$tmp/setuid-client"
  local c; c=$(config r "$rule_ftp"); chmod 644 "$c"
  expect_eq "$(kernel -c "$c" -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$tmp/setuid-client" tcp 203.0.113.1 7015)" \
    203.0.113.2 "a setuid copy run by nobody"
}

go_client() {
  command -v go >/dev/null || skip "needs go (golang-go)"
  start_server 7016 203.0.113.1
  export GOCACHE=$tmp/gocache GOPATH=$tmp/gopath GO111MODULE=off CGO_ENABLED=0 HOME=$tmp
  go build -o "$tmp/go-client" "$here/go_client.go" || { fail "go build"; return; }
  local c; c=$(config r "$rule_ftp")
  expect_eq "$(in_ns "$tmp/go-client" tcp 203.0.113.1:7016)" 203.0.113.1 "Go client without srcbind"
  expect_eq "$(kernel -c "$c" -- "$tmp/go-client" tcp 203.0.113.1:7016)" 203.0.113.2 "Go TCP client"
  expect_eq "$(kernel -c "$c" -- "$tmp/go-client" udp 203.0.113.1:7016)" 203.0.113.2 "Go UDP client"
  start_dns
  c=$(config dns "$dns_rule")
  expect_eq "$(GODEBUG=netdns=go kernel -c "$c" -- "$tmp/go-client" lookup www.example.test)" 198.51.100.53 "Go's own resolver"
  expect_eq "$(sort -u "$tmp/dns.log")" "udp 203.0.113.2" "Go's resolver queries leave from the rule's source"
}

# A DNS responder on 203.0.113.1 and a resolv.conf that only this namespace sees
# (ip netns exec bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf in its
# private mount namespace).
start_dns() {  # [resolv.conf options]
  mkdir -p "/etc/netns/$ns"
  printf 'nameserver 203.0.113.1\noptions attempts:1 timeout:2 %s\n' "${1:-}" > "/etc/netns/$ns/resolv.conf"
  : > "$tmp/dns.log"
  in_ns python3 "$here/dns_responder.py" 203.0.113.1 "$tmp/dns.log" > "$tmp/dns.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$tmp/dns.out" && return 0; sleep 0.1; done
  fail "DNS responder did not start: $(cat "$tmp/dns.out")"
  exit 1
}

dns_rule='[rule dns]
destination = 203.0.113.1
port = 53
source = 203.0.113.2'

glibc_resolver() {
  start_dns
  local c; c=$(config r "$dns_rule")
  expect_eq "$(in_ns getent ahostsv4 www.example.test | head -1 | cut -d' ' -f1)" 198.51.100.53 "getent resolves through the responder"
  expect_eq "$(sort -u "$tmp/dns.log")" "udp 203.0.113.1" "without srcbind the resolver leaves from .1"
  : > "$tmp/dns.log"
  expect_eq "$(kernel -c "$c" -- getent ahostsv4 www.example.test | head -1 | cut -d' ' -f1)" 198.51.100.53 "resolved under --kernel"
  expect_eq "$(sort -u "$tmp/dns.log")" "udp 203.0.113.2" "glibc's getaddrinfo over UDP"
  printf 'nameserver 203.0.113.1\noptions attempts:1 timeout:2 use-vc\n' > "/etc/netns/$ns/resolv.conf"
  : > "$tmp/dns.log"
  expect_eq "$(kernel -c "$c" -- getent ahostsv4 www.example.test | head -1 | cut -d' ' -f1)" 198.51.100.53 "resolved over TCP under --kernel"
  expect_eq "$(sort -u "$tmp/dns.log")" "tcp 203.0.113.2" "glibc's getaddrinfo over TCP (use-vc)"
}

php_sockets() {
  command -v php >/dev/null || skip "needs php (php-cli)"
  php -m | grep -qx sockets || skip "php has no sockets extension"
  start_server 7017 203.0.113.1
  local c; c=$(config r "$rule_ftp")
  local script='$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP); socket_connect($s, "203.0.113.1", 7017) or exit(2); echo trim(socket_read($s, 100)), "\n";'
  expect_eq "$(in_ns php -r "$script")" 203.0.113.1 "PHP without srcbind"
  expect_eq "$(kernel -c "$c" -- php -r "$script")" 203.0.113.2 "PHP's socket_connect under --kernel"
}

# Many connections held open at once to one server on two ports: the source port
# is chosen per 4-tuple at connect (bpf_bind binds with port 0 and reserves none),
# so each server port can use the whole ephemeral range. The namespace's range is
# cut to 10,000 ports and 15,000 connections are held (7,500 per server port): a
# bind that reserved a port would fail after 10,000. (15,000, not 30,000: this
# environment caps descriptors at 20,000 per process.)
ports_chosen_per_connection() {
  # 30,000 connections with 20,000 ephemeral ports: each is closed once
  # connected, and its port stays taken in TIME_WAIT for a minute, so this
  # passes only if the port is chosen per destination at connect() (as the
  # kernel does for IP_BIND_ADDRESS_NO_PORT), not reserved by a bind. Closing
  # keeps both sides far below the descriptor limit.
  in_ns sysctl -qw net.ipv4.ip_local_port_range="40000 59999"
  in_ns python3 -c '
import selectors, socket, sys, time
listeners = []
for port in (7018, 7019):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("203.0.113.1", port)); s.listen(4096); s.setblocking(False); listeners.append(s)
sel = selectors.DefaultSelector()
for s in listeners: sel.register(s, selectors.EVENT_READ)
sources = {}
print("ready", flush=True)
deadline = time.monotonic() + 100
while time.monotonic() < deadline:
    for key, _ in sel.select(timeout=1):
        try:
            while True:
                connection, peer = key.fileobj.accept()
                sources[peer[0]] = sources.get(peer[0], 0) + 1
                connection.close()
                if sum(sources.values()) == 30000:
                    print("30000 from", ",".join(sorted(sources)), flush=True)
        except BlockingIOError: pass
' > "$tmp/hold.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$tmp/hold.out" && break; sleep 0.1; done
  local c; c=$(config r "$rule_ftp")
  expect_eq "$(kernel -c "$c" -- "$CLIENT" many 203.0.113.1 7018 7019 30000 close)" "30000 connected" \
    "30,000 connections from one process to one server with 20,000 ephemeral ports"
  for _ in $(seq 100); do grep -q "^30000 from" "$tmp/hold.out" && break; sleep 0.1; done
  expect_eq "$(grep '^30000 from' "$tmp/hold.out")" "30000 from 203.0.113.2" "all of them from the rule's source"
}

# The longest listed prefix wins whichever way the programs find it: a family
# with up to six prefix lengths is looked up in hash tables, one with more in
# its LPM trie (config/include/srcbind/kernel_tables.h). The same rules, then
# the same rules with padding that gives each family seven lengths.
longest_prefix_hashed_and_walked() {
  start_server 7020 0.0.0.0
  start_server 7021 2001:db8::1 2001:db8::2
  local rules='[rule host]
destination = 127.0.1.7
source = 127.0.0.2
[rule net30]
destination = 127.0.1.4/30
source = 127.0.0.3
[rule net24]
destination = 127.0.1.0/24
source = 127.0.0.4
[rule net16]
destination = 127.0.0.0/16
source = 127.0.0.5
[rule v6-host]
destination = 2001:db8::1
source = 2001:db8::3
[rule v6-net]
destination = 2001:db8::/64
source = 2001:db8::1'
  local padding='[rule padding]
destination = 127.9.9.8/31, 127.9.9.16/28, 127.9.0.0/20, 2001:db8:1::/48, 2001:db8:2::/56, 2001:db8:3::/100, 2001:db8:4::/120, 2001:db8:5::/126
source = 127.0.0.6, 2001:db8::2'
  local hashed walked
  hashed=$(config hashed "$rules")
  walked=$(config walked "$rules
$padding")
  local destinations=(127.0.1.7 7020 127.0.1.5 7020 127.0.1.9 7020 127.0.2.1 7020 127.1.0.1 7020)
  local expected="127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.1 "
  local c
  for c in "$hashed" "$walked"; do
    local way; way=$(basename "$c" .ini)
    expect_eq "$(kernel -c "$c" -- "$CLIENT" udp "${destinations[@]}" | tr '\n' ' ')" "$expected" \
      "$way: unconnected UDP, /32 /30 /24 /16 and no rule"
    expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 127.0.1.5 7020)" 127.0.0.3 "$way: TCP to a /30"
    expect_eq "$(kernel -c "$c" -- "$CLIENT" tcp 127.0.2.1 7020)" 127.0.0.5 "$way: TCP to a /16"
    expect_eq "$(kernel -c "$c" -- "$CLIENT" udp 2001:db8::1 7021 2001:db8::2 7021 | tr '\n' ' ')" \
      "2001:db8::3 2001:db8::1 " "$way: IPv6, /128 then /64"
  done
}

concurrent_runs() {
  local i
  for i in $(seq 24); do kernel -s 203.0.113.2 -- true & done
  wait
  expect_eq "$(run_cgroups_left)" none "no cgroup left"
  local watchers=0
  for _ in $(seq 30); do
    watchers=0
    for p in $(cat "$test_cgroup/cgroup.procs"); do
      [[ $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null) == *"--kernel -s 203.0.113.2 -- true"* ]] && watchers=$((watchers + 1))
    done
    ((watchers == 0)) && break
    sleep 0.1
  done
  expect_eq "$watchers" 0 "every watcher has exited"
}

[[ " ${scenarios[*]} " == *" $scenario "* ]] || { echo "unknown scenario $scenario"; exit 2; }
"$scenario"
left=$(run_cgroups_left)
[[ $left == none ]] || fail "run cgroups left behind: $left"
if ((failures)); then echo "$failures failure(s)"; exit 1; fi
echo PASS
