# IPv6 end to end (curl -6, wget -6, ssh -6). The kernel's default IPv6
# Source is 2001:db8::10; the server's firewall accepts only 2001:db8::12.

scenario_ipv6() {
  local conf before
  conf=$(ini client-v6 <<EOF
[rule partner]
destination = $SERVER, 2001:db8:10::/48
source = $C_ALLOWED, $C_V6_ALLOWED
EOF
  )
  step "without srcbind: the kernel's IPv6 source is dropped"
  expect_eq "$(client_source_of "$SERVER6")" "$C_V6_DEFAULT" "kernel's default source towards $SERVER6"
  fw_reset
  capture curl6-nosrcbind client curl -6 -sS --connect-timeout 2 "http://[$SERVER6]/v6-blocked"
  ((CAP_RC != 0)) || die "curl -6 succeeded without srcbind: the firewall does not work"
  (($(fw_attempts_from "$C_V6_DEFAULT" 80) > 0)) || die "the firewall did not see the attempt from $C_V6_DEFAULT"
  ok "curl -6 without srcbind fails (exit $CAP_RC), dropped from $C_V6_DEFAULT"

  step "curl -6 and wget -6 under srcbind"
  fw_reset
  capture curl6 sb "$conf" curl -6 -sS --connect-timeout 5 "http://[$SERVER6]/v6-curl"
  ((CAP_RC == 0)) || die "curl -6 exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_V6_ALLOWED" "curl -6: the server answers"
  capture wget6 sb "$conf" wget -6 -q -O - --tries=1 --timeout=5 "http://[$SERVER6]/v6-wget"
  ((CAP_RC == 0)) || die "wget -6 exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_V6_ALLOWED" "wget -6: the server answers"
  expect_eq "$(awk '$3 ~ /^\/v6-(curl|wget)$/ {print $1}' "$HTTP_LOG_SERVER" | sort | uniq -c | xargs)" \
    "2 $C_V6_ALLOWED" "HTTP server's log of the two requests"

  step "ssh -6 under srcbind"
  ssh_opts
  before=$(line_count "$SSHD_LOG")
  # shellcheck disable=SC2016 # $SSH_CLIENT expands on the server
  capture ssh6 sb "$conf" ssh -6 "${SSH_OPTS[@]}" "root@$SERVER6" 'echo "$SSH_CLIENT"'
  ((CAP_RC == 0)) || die "ssh -6 exited $CAP_RC" "$CAP_ERR" "$SSHD_LOG"
  expect_eq "$(awk '{print $1}' "$CAP_OUT")" "$C_V6_ALLOWED" "\$SSH_CLIENT on the server starts with"
  expect_sshd_accepted "$before" "$C_V6_ALLOWED" "ssh -6"
  [[ -z $(fw_attempts | awk -v a="$C_V6_ALLOWED" '$1 != a') ]] ||
    die "the server saw attempts from other sources: $(fw_attempts)"
  ok "the server's firewall saw connection attempts from $C_V6_ALLOWED only"
}
