# Checks 6 and 7: several default routes with different `src`, and a second NIC.

# The kernel accepts several default routes that differ only in `src` with
# `ip route append` (`ip route add` says "File exists"); it then uses the first one,
# So the source depends on the order the routes were added in (a DHCP renewal or a
# link flap re-adds one and flips it). Multipath (`nexthop via A nexthop via B`) has
# no per-nexthop src: the source is the primary address whatever the nexthop.
scenario_multi_default_routes() {
  local conf i
  conf=$(partner_ini multi-default "source = $C_ALLOWED")
  step "two default routes, equal metric, src .11 and src .12"
  client ip route del default
  client ip route add default via "$R1_LAN" dev eth0 src "$C_ALIAS0" metric 100
  client ip route append default via "$R1_LAN" dev eth0 src "$C_ALLOWED" metric 100
  note "$(client ip -4 route show default | xargs)"
  local first; first=$(client_source_of "$SRV2")
  expect_eq "$first" "$C_ALIAS0" "without srcbind the kernel picks the first route's src"
  for i in 1 2 3 4 5; do capture multi-plain client curl -sS --connect-timeout 5 "http://$SRV2/multi-plain"; done
  expect_eq "$(awk '$3 == "/multi-plain" {print $1}' "$HTTP_LOG_SRV2" | sort | uniq -c | xargs)" "5 $C_ALIAS0" \
    "srv2 saw the 5 plain connections from"

  step "the same routes re-added in the other order (as after a DHCP renewal)"
  client ip route del default via "$R1_LAN" dev eth0 src "$C_ALIAS0" metric 100
  client ip route append default via "$R1_LAN" dev eth0 src "$C_ALIAS0" metric 100
  note "$(client ip -4 route show default | xargs)"
  expect_eq "$(client_source_of "$SRV2")" "$C_ALLOWED" "now the kernel's source is"
  note "so without srcbind the source is not reliably $C_ALLOWED: it is whichever route came first"
  client ip route del default via "$R1_LAN" dev eth0 src "$C_ALLOWED" metric 100
  client ip route append default via "$R1_LAN" dev eth0 src "$C_ALLOWED" metric 100
  expect_eq "$(client_source_of "$SERVER")" "$C_ALIAS0" "back to the first order, kernel's source"

  step "with srcbind: 50 consecutive connections (50 curl processes)"
  fw_reset
  local before; before=$(line_count "$HTTP_LOG_SERVER")
  capture multi-srcbind sb "$conf" sh -c \
    "for i in \$(seq 50); do curl -sS --connect-timeout 5 -o /dev/null -w '%{http_code}\n' http://$SERVER/multi-\$i || { echo failed; exit 1; }; done"
  ((CAP_RC == 0)) || die "the loop exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(grep -c '^200$' "$CAP_OUT")" 50 "HTTP 200 answers"
  new_lines "$HTTP_LOG_SERVER" "$before" >"$ACC_TMP/multi-new.log"
  expect_only_peer "$ACC_TMP/multi-new.log" "$C_ALLOWED" 50 "the server's log of the 50 connections"
  [[ -z $(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a') ]] || die "attempts from other sources: $(fw_attempts)"
  ok "the firewall saw no attempt from another source"
}

# A second NIC (eth1, 203.0.113.130, towards r2). SO_BINDTODEVICE restricts the
# route lookup to eth1, so eth1 needs a route to the destination: here, as a user would
# add it, a second default route with a higher metric, which never wins otherwise.
scenario_two_nics() {
  local src_only dev_only dev_and_src wrong
  src_only=$(partner_ini nic-source-only "source = $C_ETH1")
  dev_only=$(partner_ini nic-interface "interface = eth1")
  dev_and_src=$(partner_ini nic-interface-source "source = $C_ETH1" "interface = eth1")
  wrong=$(partner_ini nic-wrong-source "source = $C_ALLOWED" "interface = eth1")
  step "setup: eth1 ($C_ETH1) gets a second default route via r2, metric 200"
  client ip route add default via "$R2_LAN" dev eth1 metric 200
  note "$(client ip -4 route show default | tr '\n' ';')"
  expect_eq "$(client ip route get "$SERVER" | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1)}' | head -n1)" \
    eth0 "without srcbind the route to the server leaves through"

  step "source = $C_ETH1 alone does not choose the NIC: the SYN still leaves through eth0/r1"
  fw_reset
  capture nic-src sb "$src_only" curl -sS --connect-timeout 2 "http://$SERVER/nic-src"
  note "curl exit $CAP_RC; server's firewall saw: $(fw_attempts | xargs)"
  (($(fw_attempts_from "$C_ETH1" 80 eth0) > 0)) || die "the SYN from $C_ETH1 did not arrive through r1 (server eth0)"
  (($(fw_attempts_from "$C_ETH1" 80 eth1) == 0)) || die "the SYN arrived through r2 without interface ="
  ok "the server saw $C_ETH1 arrive on its eth0 (through r1), not through r2; its firewall dropped it"

  local f
  for f in "$dev_only" "$dev_and_src"; do
    step "$(basename "$f" .ini): the connection leaves through eth1 and r2"
    fw_reset
    capture nic-dev sb "$f" curl -sS --connect-timeout 5 "http://$SERVER/$(basename "$f" .ini)"
    ((CAP_RC == 0)) || die "curl through eth1 exited $CAP_RC" "$CAP_ERR"
    expect_eq "$(cat "$CAP_OUT")" "you are $C_ETH1" "the server answers"
    (($(fw_attempts_from "$C_ETH1" 80 eth1) > 0)) || die "the server did not see the SYN arrive on its eth1 (from r2)"
    (($(fw_attempts_from "$C_ETH1" 80 eth0) == 0)) || die "a SYN still came through r1"
    (($(fw_counter allowed_uplink2) > 0)) || die "the firewall's uplink-2 counter did not move"
    ok "the server's firewall counted the SYN on its eth1 (via r2): $(fw_attempts | xargs)"
  done

  step "without a route through eth1, SO_BINDTODEVICE has nowhere to go"
  client ip route del default via "$R2_LAN" dev eth1 metric 200
  capture nic-noroute sb "$dev_only" curl -sS --connect-timeout 2 "http://$SERVER/nic-noroute"
  ((CAP_RC != 0)) || die "curl through eth1 succeeded without a route through eth1"
  note "curl: $(head -n1 "$CAP_ERR")"
  ok "interface = eth1 without a route through eth1 fails (curl exit $CAP_RC)"
  client ip route add default via "$R2_LAN" dev eth1 metric 200

  if [[ -n ${SRCBIND_CMD:-} ]]; then
    step "a source on eth0 with interface = eth1 is refused (it would hang)"
    capture nic-wrong-check client "$SRCBIND_CMD" --check -c "$wrong"
    ((CAP_RC == 1)) || die "srcbind --check accepted source $C_ALLOWED with interface eth1 (exit $CAP_RC)" "$CAP_OUT" "$CAP_ERR"
    ok "srcbind --check: $(cat "$CAP_OUT" "$CAP_ERR" | grep -m1 'wrong-source.ini:[0-9]*:' | sed 's|.*/||')"
    capture nic-wrong-run sb "$wrong" curl -sS --connect-timeout 2 "http://$SERVER/nic-wrong"
    expect_eq "$CAP_RC" 125 "srcbind refuses to run the program: exit status"
  fi
}
