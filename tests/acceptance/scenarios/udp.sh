# Unconnected UDP to two servers, two rules, two sources on one socket.

scenario_udp_two_servers() {
  local conf
  conf=$(ini udp <<EOF
[rule partner-udp]
destination = $SERVER
protocol = udp
source = $C_ALLOWED

[rule other-udp]
destination = $SRV2
protocol = udp
source = $C_ALIAS2
EOF
  )
  step "without srcbind: one unconnected socket, sendto srv2: the kernel's default source"
  capture udp-plain client "$PY" "$ACC_HELPERS/udp_sendto_client.py" "$SRV2:5300"
  ((CAP_RC == 0)) || die "the UDP client got no answer from srv2" "$CAP_OUT" "$CAP_ERR"
  expect_eq "$(tail -n1 "$UDP_LOG_SRV2" | awk '{print $1}')" "$C_PRIMARY" "srv2's UDP responder saw"

  step "python3: one unconnected socket, sendto both servers, under srcbind"
  fw_reset
  local s1 s2
  s1=$(line_count "$UDP_LOG_SERVER"); s2=$(line_count "$UDP_LOG_SRV2")
  capture udp-py sb "$conf" "$PY" "$ACC_HELPERS/udp_sendto_client.py" "$SERVER:5300" "$SRV2:5300"
  ((CAP_RC == 0)) || die "the UDP client did not get both answers (exit $CAP_RC)" "$CAP_OUT" "$CAP_ERR"
  expect_eq "$(grep '^local' "$CAP_OUT")" "local 0.0.0.0" "the socket stays unbound (getsockname)"
  expect_eq "$(grep "^reply $SERVER " "$CAP_OUT")" "reply $SERVER you are $C_ALLOWED" "the server's answer, on the same socket"
  expect_eq "$(grep "^reply $SRV2 " "$CAP_OUT")" "reply $SRV2 you are $C_ALIAS2" "srv2's answer, on the same socket"
  expect_eq "$(new_lines "$UDP_LOG_SERVER" "$s1" | awk '{print $1}' | xargs)" "$C_ALLOWED" "the server's UDP log"
  expect_eq "$(new_lines "$UDP_LOG_SRV2" "$s2" | awk '{print $1}' | xargs)" "$C_ALIAS2" "srv2's UDP log"
  expect_eq "$(new_lines "$UDP_LOG_SERVER" "$s1" | awk '{print $2}')" \
    "$(new_lines "$UDP_LOG_SRV2" "$s2" | awk '{print $2}')" "same source port at both servers (one socket)"

  step "socat UDP-SENDTO, once per server, under srcbind"
  local dest
  for dest in "$SERVER" "$SRV2"; do
    CAP_IN="$ACC_TMP/socat-udp-payload"
    echo "socat to $dest" >"$CAP_IN"
    capture "udp-socat-$dest" sb "$conf" socat -T 2 - "UDP4-SENDTO:$dest:5300"
    unset CAP_IN
    ((CAP_RC == 0)) || die "socat UDP-SENDTO:$dest exited $CAP_RC" "$CAP_ERR"
  done
  expect_eq "$(grep -h 'socat to' "$UDP_LOG_SERVER" | awk '{print $1}')" "$C_ALLOWED" "the server's UDP log (socat)"
  expect_eq "$(grep -h 'socat to' "$UDP_LOG_SRV2" | awk '{print $1}')" "$C_ALIAS2" "srv2's UDP log (socat)"
  expect_eq "$(cat "$ACC_TMP/udp-socat-$SERVER.out")" "you are $C_ALLOWED" "socat got the server's answer"
  [[ -z $(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a') ]] || die "attempts from other sources: $(fw_attempts)"
  ok "the server's firewall saw UDP from $C_ALLOWED only"
}
