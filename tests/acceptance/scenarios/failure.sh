# A source that is not on the host, with on_error = fail and continue.

scenario_on_error() {
  local fail cont
  fail=$(ini on-error-fail <<EOF
[srcbind]
on_error = fail

[rule partner]
destination = $SERVER
source = $C_NOT_LOCAL
EOF
  )
  cont=$(ini on-error-continue <<EOF
[srcbind]
on_error = continue

[rule partner]
destination = $SERVER, $SRV2
source = $C_NOT_LOCAL
EOF
  )
  if [[ -n ${SRCBIND_CMD:-} ]]; then
    step "srcbind --check warns that $C_NOT_LOCAL is not on this host"
    capture check-notlocal client "$SRCBIND_CMD" --check -c "$fail"
    grep -q "warning: .*$C_NOT_LOCAL" "$CAP_OUT" "$CAP_ERR" || die "no warning about $C_NOT_LOCAL" "$CAP_OUT" "$CAP_ERR"
    ok "srcbind --check (exit $CAP_RC): $(grep -h -m1 'warning: source' "$CAP_OUT" "$CAP_ERR" | sed 's|.*/||')"
  fi

  step "on_error = fail: the clients fail cleanly, nothing is sent from any source"
  fw_reset
  local client_cmd
  for client_cmd in "curl -sS --connect-timeout 5 http://$SERVER/fail" \
    "wget -q --tries=1 --timeout=5 -O /dev/null http://$SERVER/fail" \
    "$PY $ACC_HELPERS/udp_sendto_client.py $SERVER:5300"; do
    local name=${client_cmd%% *}; name=${name##*/}
    # shellcheck disable=SC2086 # the command line is split on purpose
    capture "on-error-fail-$name" sb "$fail" $client_cmd
    ((CAP_RC != 0 && CAP_RC != 124)) || die "'$client_cmd' exited $CAP_RC (expected a clean failure)" "$CAP_ERR"
    grep -Eq '^srcbind\[[0-9]+\] .*error' "$CAP_ERR" || die "'$client_cmd': no error line from the library" "$CAP_ERR"
    ok "$name exits $CAP_RC; the library said: $(grep -E -m1 '^srcbind\[[0-9]+\] ' "$CAP_ERR")"
  done
  expect_eq "$(fw_attempts | wc -l)" 0 "connection attempts the server saw (any source)"
  expect_eq "$(fw_counter dropped)" 0 "packets the server's firewall dropped"

  step "on_error = continue: the kernel's default source is used, with a warning"
  local before; before=$(line_count "$HTTP_LOG_SRV2")
  capture on-error-continue sb "$cont" curl -sS --connect-timeout 5 "http://$SRV2/continue"
  ((CAP_RC == 0)) || die "curl with on_error = continue exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_PRIMARY" "srv2 answers"
  grep -Eq '^srcbind\[[0-9]+\] .*warning' "$CAP_ERR" || die "no warning from the library" "$CAP_ERR"
  ok "the library warned: $(grep -E -m1 '^srcbind\[[0-9]+\] ' "$CAP_ERR")"
  fw_reset
  capture on-error-continue-fw sb "$cont" curl -sS --connect-timeout 2 "http://$SERVER/continue"
  ((CAP_RC != 0)) || die "the server accepted the kernel's default source"
  (($(fw_attempts_from "$C_PRIMARY" 80) > 0)) || die "the server's firewall saw no attempt from $C_PRIMARY"
  ok "towards the firewalled server it continued from $C_PRIMARY, which was dropped (curl exit $CAP_RC)"
}
