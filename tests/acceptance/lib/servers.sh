# The "internet" side: the server's firewall and daemons, and srv2's. Sourced by run.sh
# after lib/topology.sh. Each daemon runs in the foreground inside its namespace (ip netns
# exec, no wrapper shell) as a background job of run.sh, with its own configuration and
# logs under $ACC_TMP.

ACC_HELPERS="$ACC_DIR/helpers"
PY=/usr/bin/python3
HTTP_LOG_SERVER=""  # "<peer-ip> <peer-port> <path>" per request to the server's HTTP
HTTP_LOG_SRV2=""    # the same for srv2 (no firewall)
UDP_LOG_SERVER=""   # "<peer-ip> <peer-port> <payload>" per datagram
UDP_LOG_SRV2=""
VSFTPD_LOG=""
SSHD_LOG=""
SSH_KEY=""          # the client's throwaway private key
BIG_FILE=""         # 50 MB of random bytes, served by vsftpd as /big.bin
BIG_SHA256=""

# The server's firewall: it accepts new connections only from 198.51.100.12 and
# 2001:db8::12 (plus the second uplink's address, only when it arrives through the
# second uplink, for the two-NIC scenario); established/related traffic passes, the
# rest is dropped and counted. The sets new_v4/new_v6 record, with a packet counter,
# every attempt to open a connection (TCP SYN or first UDP datagram), accepted or not:
# source . destination port . input interface.
server_firewall() {
  ip netns exec "$NS_SERVER" nft -f - <<'EOF'
flush ruleset
table inet acc {
  counter allowed_v4 {}
  counter allowed_v6 {}
  counter allowed_uplink2 {}
  counter dropped {}
  set new_v4 { type ipv4_addr . inet_service . ifname; flags dynamic; counter; size 65535; }
  set new_v6 { type ipv6_addr . inet_service . ifname; flags dynamic; counter; size 65535; }
  chain input {
    type filter hook input priority filter; policy drop;
    iif lo accept
    ct state established,related accept
    meta nfproto ipv4 meta l4proto { tcp, udp } ct state new update @new_v4 { ip saddr . th dport . iifname }
    meta nfproto ipv6 meta l4proto { tcp, udp } ct state new update @new_v6 { ip6 saddr . th dport . iifname }
    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
    ip saddr 198.51.100.12 counter name allowed_v4 accept
    ip6 saddr 2001:db8::12 counter name allowed_v6 accept
    iifname "eth1" ip saddr 203.0.113.130 counter name allowed_uplink2 accept
    counter name dropped drop
  }
  chain output {
    type filter hook output priority filter; policy accept;   # active FTP connects out
  }
}
EOF
}

# fw_counter NAME: packets of the named counter.
fw_counter() {
  ip netns exec "$NS_SERVER" nft list counter inet acc "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# fw_attempts: one line "<source> <dport> <iif> <packets>" per (source, port, interface)
# that tried to open a connection to the server, IPv4 and IPv6.
fw_attempts() {
  ip netns exec "$NS_SERVER" nft -j list table inet acc | "$PY" -c '
import json, sys
for item in json.load(sys.stdin)["nftables"]:
    s = item.get("set")
    if not s or s["name"] not in ("new_v4", "new_v6"):
        continue
    for e in s.get("elem", []):
        e = e["elem"]
        key = e["val"]["concat"]
        print(key[0], key[1], key[2], e.get("counter", {}).get("packets", 0))
'
}

# fw_attempts_from SRC [PORT [IIF]]: how many attempts (packets) came from SRC.
fw_attempts_from() {
  fw_attempts | awk -v s="$1" -v p="${2:-}" -v i="${3:-}" '
    $1 == s && (p == "" || $2 == p) && (i == "" || $3 == i) { n += $4 } END { print n + 0 }'
}

# fw_reset: empties the attempt sets and zeroes the counters (between sub-checks).
fw_reset() {
  ip netns exec "$NS_SERVER" nft flush set inet acc new_v4
  ip netns exec "$NS_SERVER" nft flush set inet acc new_v6
  ip netns exec "$NS_SERVER" nft reset counters table inet acc >/dev/null
}

# listening NS PROTO PORT: true when something listens on PORT (tcp|udp) in NS.
listening() {
  local flag=-Hltn; [[ $2 == udp ]] && flag=-Hlun
  [[ -n $(nsx "$1" ss "$flag" "sport = :$3") ]]
}

start_vsftpd() {
  mkdir -p "$ACC_TMP/ftp" "$ACC_TMP/vsftpd-empty"
  chmod 755 "$ACC_TMP/ftp" "$ACC_TMP/vsftpd-empty"
  VSFTPD_LOG="$ACC_TMP/vsftpd.log"
  touch "$VSFTPD_LOG"
  cat >"$ACC_TMP/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$SERVER
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$ACC_TMP/ftp
local_enable=NO
write_enable=NO
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30100
port_enable=YES
connect_from_port_20=NO
secure_chroot_dir=$ACC_TMP/vsftpd-empty
xferlog_enable=YES
xferlog_std_format=NO
vsftpd_log_file=$VSFTPD_LOG
log_ftp_protocol=YES
seccomp_sandbox=NO
use_localtime=NO
EOF
  ip netns exec "$NS_SERVER" /usr/sbin/vsftpd "$ACC_TMP/vsftpd.conf" >"$ACC_TMP/vsftpd.out" 2>&1 &
  wait_until 10 "vsftpd listening on $SERVER:21" listening "$NS_SERVER" tcp 21
}

start_sshd() {
  local d="$ACC_TMP/ssh"
  mkdir -p "$d" /run/sshd   # /run/sshd: sshd's privilege-separation directory
  chmod 700 "$d"
  ssh-keygen -q -t ed25519 -N '' -C srcbind-acceptance-host -f "$d/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C srcbind-acceptance-client -f "$d/client_ed25519"
  cp "$d/client_ed25519.pub" "$d/authorized_keys"
  SSH_KEY="$d/client_ed25519"
  SSHD_LOG="$d/sshd.log"
  cat >"$d/sshd_config" <<EOF
Port 22
ListenAddress $SERVER
ListenAddress $SERVER6
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
LogLevel INFO
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  /usr/sbin/sshd -t -f "$d/sshd_config"
  ip netns exec "$NS_SERVER" /usr/sbin/sshd -D -f "$d/sshd_config" -E "$SSHD_LOG" &
  wait_until 10 "sshd listening on $SERVER:22" listening "$NS_SERVER" tcp 22
}

start_http_and_udp() {
  HTTP_LOG_SERVER="$ACC_TMP/http-server.log"
  HTTP_LOG_SRV2="$ACC_TMP/http-srv2.log"
  UDP_LOG_SERVER="$ACC_TMP/udp-server.log"
  UDP_LOG_SRV2="$ACC_TMP/udp-srv2.log"
  touch "$HTTP_LOG_SERVER" "$HTTP_LOG_SRV2" "$UDP_LOG_SERVER" "$UDP_LOG_SRV2"
  ip netns exec "$NS_SERVER" "$PY" "$ACC_HELPERS/http_peer_server.py" "$HTTP_LOG_SERVER" \
    "$SERVER:80" "[$SERVER6]:80" >"$ACC_TMP/http-server.out" 2>&1 &
  ip netns exec "$NS_SRV2" "$PY" "$ACC_HELPERS/http_peer_server.py" "$HTTP_LOG_SRV2" \
    "$SRV2:80" >"$ACC_TMP/http-srv2.out" 2>&1 &
  ip netns exec "$NS_SERVER" "$PY" "$ACC_HELPERS/udp_peer_responder.py" "$UDP_LOG_SERVER" \
    "$SERVER:5300" >"$ACC_TMP/udp-server.out" 2>&1 &
  ip netns exec "$NS_SRV2" "$PY" "$ACC_HELPERS/udp_peer_responder.py" "$UDP_LOG_SRV2" \
    "$SRV2:5300" >"$ACC_TMP/udp-srv2.out" 2>&1 &
  # Each helper prints "listening" once all its sockets are bound.
  local out
  for out in http-server http-srv2 udp-server udp-srv2; do
    wait_until 10 "$out.py ready" grep -q '^listening$' "$ACC_TMP/$out.out"
  done
}

start_servers() {
  server_firewall
  start_http_and_udp
  start_vsftpd
  start_sshd
}

# make_big_file: the 50 MB file vsftpd serves, random, generated once per run.
make_big_file() {
  BIG_FILE="$ACC_TMP/ftp/big.bin"
  head -c 50M /dev/urandom >"$BIG_FILE"
  chmod 644 "$BIG_FILE"
  BIG_SHA256=$(sha256sum "$BIG_FILE" | cut -d' ' -f1)
}

# Peers the HTTP/UDP servers logged, as "<ip> <count>" lines, most frequent first.
peers_in() { awk '{print $1}' "$1" | sort | uniq -c | sort -rn | awk '{print $2, $1}'; }
