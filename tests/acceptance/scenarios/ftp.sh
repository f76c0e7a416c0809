# Checks 1 and 2: 50 MB FTP downloads through the server's firewall, passive and
# Active, with every FTP client Debian ships here; the cron-style run via --print-env.

ftp_ini() {
  ini client-ftp <<EOF
; the partner's FTP server accepts only 198.51.100.12 (eth0:1) and 2001:db8::12
[srcbind]
on_error = fail

[rule partner-ftp]
destination = $SERVER, 2001:db8:10::/48
port = 21, 30000-30100       ; control, and vsftpd's passive data ports
protocol = tcp
source = $C_ALLOWED, $C_V6_ALLOWED
EOF
}

# ftp_argv CLIENT MODE OUT: sets FTP_ARGV to the command line that downloads /big.bin
# into OUT; MODE is passive or active. inetutils-ftp reads its commands from stdin,
# FTP_STDIN (a file).
ftp_argv() {
  local client=$1 mode=$2 out=$3 url="ftp://$SERVER/big.bin"
  FTP_STDIN=/dev/null
  case $client:$mode in
    wget:passive) FTP_ARGV=(wget -q --tries=1 --connect-timeout=5 --read-timeout=20 -O "$out" "$url") ;;
    wget:active) FTP_ARGV=(wget -q --tries=1 --connect-timeout=5 --read-timeout=20 --no-passive-ftp -O "$out" "$url") ;;
    curl:passive) FTP_ARGV=(curl -sS --connect-timeout 10 -o "$out" "$url") ;;
    curl:active) FTP_ARGV=(curl -sS --connect-timeout 10 --ftp-port - -o "$out" "$url") ;;
    lftp:*)
      local pasv=on; [[ $mode == active ]] && pasv=off
      FTP_ARGV=(lftp -c "set net:max-retries 1; set net:timeout 20; set ftp:passive-mode $pasv;
        set xfer:clobber on; open ftp://$SERVER; get big.bin -o $out") ;;
    tnftp:passive | ftp:passive) FTP_ARGV=("$client" -V -p -o "$out" "$url") ;;
    tnftp:active | ftp:active) FTP_ARGV=("$client" -V -A -o "$out" "$url") ;;
    inetutils-ftp:*)
      local flag=-p; [[ $mode == active ]] && flag=-A
      FTP_STDIN="$ACC_TMP/inetutils-ftp.cmds"
      printf 'user anonymous anonymous@\nbinary\nget big.bin %s\nquit\n' "$out" >"$FTP_STDIN"
      FTP_ARGV=(inetutils-ftp -n -v "$flag" "$SERVER") ;;
    *) die "no command line for $client in $mode mode" ;;
  esac
}

# Downloads with CLIENT in MODE under srcbind and checks: exit 0, byte-identical file,
# vsftpd logged the download from .12, the firewall saw connection attempts from .12 only.
ftp_download_check() {
  local client=$1 mode=$2 ini=$3 out="$ACC_TMP/dl-$1-$2.bin" before
  ftp_argv "$client" "$mode" "$out"
  fw_reset
  before=$(grep -c 'OK DOWNLOAD' "$VSFTPD_LOG" || true)
  local before_lines; before_lines=$(line_count "$VSFTPD_LOG")
  CAP_IN=$FTP_STDIN capture "ftp-$client-$mode" sb "$ini" "${FTP_ARGV[@]}"
  ((CAP_RC == 0)) || die "$client ($mode) exited $CAP_RC" "$CAP_ERR" "$CAP_OUT" "$VSFTPD_LOG"
  [[ -f $out && $(sha_of "$out") == "$BIG_SHA256" ]] ||
    die "$client ($mode): the downloaded file differs from the served one" "$CAP_ERR" "$CAP_OUT"
  local downloads port_cmd
  if [[ $mode == active ]]; then
    # The address the client announced: PORT h1,h2,h3,h4,p1,p2 or EPRT |1|addr|port|.
    port_cmd=$(new_lines "$VSFTPD_LOG" "$before_lines" | grep -Eo '"(PORT|EPRT) [^"]*"' | tail -n1)
    [[ $port_cmd == *"${C_ALLOWED//./,},"* || $port_cmd == *"|$C_ALLOWED|"* ]] ||
      die "$client (active): the client did not announce $C_ALLOWED (${port_cmd:-no PORT/EPRT})" "$VSFTPD_LOG"
  fi
  downloads=$(grep 'OK DOWNLOAD' "$VSFTPD_LOG" | tail -n +"$((before + 1))")
  [[ $(grep -c . <<<"$downloads") == 1 && $downloads == *"Client \"$C_ALLOWED\""*"52428800 bytes"* ]] ||
    die "$client ($mode): vsftpd did not log one download of 52428800 bytes from $C_ALLOWED" "$VSFTPD_LOG"
  local others
  others=$(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a')
  [[ -z $others ]] || die "$client ($mode): the server saw connection attempts from other sources: $others"
  if [[ $mode == passive ]]; then
    [[ $(fw_attempts | awk -v a="$C_ALLOWED" '$1 == a && $2 >= 30000 && $2 <= 30100') ]] ||
      die "$client (passive): no data connection from $C_ALLOWED seen by the firewall"
  fi
  rm -f "$out"
  if [[ $mode == active ]]; then
    ok "$client, active mode: 50 MB byte-identical (sha256 ${BIG_SHA256:0:12}…), control from $C_ALLOWED, announced $port_cmd"
  else
    ok "$client, passive mode: 50 MB byte-identical (sha256 ${BIG_SHA256:0:12}…), control and data from $C_ALLOWED"
  fi
}

ftp_clients() {
  # /usr/bin/ftp is Debian's "ftp" alternative; test it under that name when it is tnftp.
  local tn=tnftp
  [[ $(readlink -f /usr/bin/ftp) == /usr/bin/tnftp ]] && tn=ftp
  echo wget curl lftp "$tn" inetutils-ftp
}

# Without srcbind the kernel's default source .10 is dropped by the server's firewall.
ftp_blocked_without_srcbind() {
  step "without srcbind: the client's default source is dropped"
  expect_eq "$(client_source_of "$SERVER")" "$C_PRIMARY" "kernel's default source towards $SERVER"
  fw_reset
  capture ftp-nosrcbind client curl -sS --connect-timeout 2 -o "$ACC_TMP/nosrcbind.bin" "ftp://$SERVER/big.bin"
  ((CAP_RC != 0)) || die "the download succeeded without srcbind: the firewall does not work"
  (($(fw_attempts_from "$C_PRIMARY" 21) > 0)) || die "the firewall did not see the attempt from $C_PRIMARY"
  (($(fw_counter dropped) > 0)) || die "the firewall's drop counter did not move"
  ok "curl without srcbind fails (exit $CAP_RC); firewall dropped $(fw_counter dropped) packets from $C_PRIMARY"
}

scenario_ftp_passive() {
  make_big_file
  local conf; conf=$(ftp_ini)
  ftp_blocked_without_srcbind
  step "passive mode under srcbind -c client-ftp.ini"
  local c
  for c in $(ftp_clients); do ftp_download_check "$c" passive "$conf"; done
}

scenario_ftp_active() {
  make_big_file
  local conf; conf=$(ftp_ini)
  step "active mode under srcbind: PORT carries the control connection's address .12"
  local c
  for c in $(ftp_clients); do ftp_download_check "$c" active "$conf"; done
}

# a cron job: no tty, no login environment, srcbind only through --print-env.
scenario_cron_print_env() {
  [[ -n ${SRCBIND_CMD:-} ]] || note "srcbind command not built: --print-env emulated"
  make_big_file
  local conf out="$ACC_TMP/cron.bin"; conf=$(ftp_ini)
  step "cron style: env -i PATH=/usr/bin:/bin setsid sh -c 'eval \"\$(srcbind --print-env -c FILE)\"; wget ...' </dev/null"
  local job
  job="eval \"\$($(print_env_cmd "$conf"))\" || exit 1
if [ -t 0 ] || [ -t 1 ] || [ -t 2 ]; then echo 'has a tty'; exit 3; fi
echo \"HOME=\${HOME-unset} LD_PRELOAD=\$LD_PRELOAD SRCBIND_CONFIG=\$SRCBIND_CONFIG\"
exec wget -q --tries=1 --connect-timeout=5 --read-timeout=20 -O $out ftp://$SERVER/big.bin"
  local before; before=$(grep -c 'OK DOWNLOAD' "$VSFTPD_LOG" || true)
  fw_reset
  capture cron client env -i PATH=/usr/bin:/bin setsid -w sh -c "$job"
  ((CAP_RC == 0)) || die "the cron-style job exited $CAP_RC" "$CAP_OUT" "$CAP_ERR"
  grep -q "HOME=unset LD_PRELOAD=.*libsrcbind.so SRCBIND_CONFIG=$conf" "$CAP_OUT" ||
    die "the job's environment is not what --print-env should give" "$CAP_OUT"
  ok "the job ran without tty and HOME; --print-env set $(grep -o 'LD_PRELOAD=[^ ]*' "$CAP_OUT")"
  expect_eq "$(sha_of "$out")" "$BIG_SHA256" "sha256 of the file wget fetched"
  grep 'OK DOWNLOAD' "$VSFTPD_LOG" | tail -n +"$((before + 1))" | grep -q "Client \"$C_ALLOWED\"" ||
    die "vsftpd did not log the download from $C_ALLOWED" "$VSFTPD_LOG"
  [[ -z $(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a') ]] || die "attempts from other sources: $(fw_attempts)"
  ok "vsftpd logged the cron download from $C_ALLOWED"
}

# The project's own example, examples/client-ftp.ini, used as shipped: this topology
# is the one it describes (partner 203.0.113.10, alias 198.51.100.12 on eth0:1).
scenario_shipped_example() {
  local example="$ACC_DIR/../../examples/client-ftp.ini"
  [[ -f $example ]] || { note "examples/client-ftp.ini not found: nothing to check"; return 0; }
  example=$(readlink -f "$example")
  make_big_file
  if [[ -n ${SRCBIND_CMD:-} ]]; then
    step "srcbind --check and --explain on examples/client-ftp.ini"
    capture example-check client "$SRCBIND_CMD" --check -c "$example"
    ((CAP_RC == 0)) || die "srcbind --check rejects the shipped example" "$CAP_OUT" "$CAP_ERR"
    ok "srcbind --check: $(grep -h 'valid' "$CAP_OUT" "$CAP_ERR" | sed 's|.*/||')"
    capture example-explain client "$SRCBIND_CMD" --explain -c "$example" --program wget "$SERVER:21"
    grep -Eq "^source: +$C_ALLOWED\$" "$CAP_OUT" || die "--explain --program wget $SERVER:21" "$CAP_OUT" "$CAP_ERR"
    ok "--explain --program wget $SERVER:21: source $C_ALLOWED"
    capture example-explain-other client "$SRCBIND_CMD" --explain -c "$example" --program tnftp "$SERVER:21"
    grep -Eq "^rule: +none" "$CAP_OUT" || die "--explain --program tnftp: the program filter did not apply" "$CAP_OUT"
    ok "--explain --program tnftp $SERVER:21: no rule (program = wget, lftp, curl)"
  fi
  step "the example's own programs download through the firewall (passive mode)"
  local c
  for c in wget lftp curl; do ftp_download_check "$c" passive "$example"; done
}
