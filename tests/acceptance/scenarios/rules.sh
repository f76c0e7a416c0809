# Checks 4 and 5: `source = @eth0:1`, and which rule wins (longest prefix, port filter).
# Srv2 (203.0.113.40) has no firewall: its HTTP log shows any source.

# http_get NAME INI URL: curl under srcbind; the body ("you are <peer>") in CAP_OUT.
http_get() {
  capture "$1" sb "$2" curl -sS --connect-timeout 5 "$3"
  ((CAP_RC == 0)) || die "curl $3 exited $CAP_RC" "$CAP_ERR"
}

# expect_explain INI DEST SOURCE: `srcbind --explain` names SOURCE for DEST (when built).
expect_explain() {
  [[ -n ${SRCBIND_CMD:-} ]] || return 0
  capture explain client "$SRCBIND_CMD" --explain -c "$1" "$2"
  ((CAP_RC == 0)) || die "srcbind --explain $2 exited $CAP_RC" "$CAP_ERR" "$CAP_OUT"
  grep -qw -- "${3//./\\.}" "$CAP_OUT" || die "srcbind --explain $2 does not mention $3" "$CAP_OUT"
  ok "srcbind --explain $2 names $3"
}

scenario_alias_source() {
  local conf
  conf=$(ini alias <<EOF
[rule partner]
destination = $SERVER
source = @eth0:1

[rule other]
destination = $SRV2
source = @eth0:2
EOF
  )
  step "source = @eth0:1 (the alias label of $C_ALLOWED)"
  note "$(client ip -4 -o addr show dev eth0 | awk '{print $4, $NF}' | xargs)"
  expect_explain "$conf" "$SERVER:80" "$C_ALLOWED"
  http_get alias-server "$conf" "http://$SERVER/alias"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_ALLOWED" "@eth0:1: the server answers"
  http_get alias-srv2 "$conf" "http://$SRV2/alias"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_ALIAS2" "@eth0:2: srv2 answers"
  expect_eq "$(awk '$3 == "/alias" {print $1}' "$HTTP_LOG_SERVER")" "$C_ALLOWED" "server's HTTP log"
  expect_eq "$(awk '$3 == "/alias" {print $1}' "$HTTP_LOG_SRV2")" "$C_ALIAS2" "srv2's HTTP log"
}

scenario_precedence() {
  local wildcard_first specific_first port21
  wildcard_first=$(ini precedence-a <<EOF
[rule everything]
destination = *
source = $C_ALIAS0

[rule partner]
destination = $SERVER/32
source = $C_ALLOWED
EOF
  )
  specific_first=$(ini precedence-b <<EOF
[rule partner]
destination = $SERVER/32
source = $C_ALLOWED

[rule everything]
destination = *
source = $C_ALIAS0
EOF
  )
  local f
  for f in "$wildcard_first" "$specific_first"; do
    step "precedence, $(basename "$f"): '*' -> .11 and $SERVER/32 -> .12"
    http_get prec-server "$f" "http://$SERVER/precedence"
    expect_eq "$(cat "$CAP_OUT")" "you are $C_ALLOWED" "$SERVER/32 wins over * for the server"
    http_get prec-srv2 "$f" "http://$SRV2/precedence"
    expect_eq "$(cat "$CAP_OUT")" "you are $C_ALIAS0" "* applies to srv2"
    expect_explain "$f" "$SRV2:80" "$C_ALIAS0"
  done

  port21=$(ini precedence-port21 <<EOF
[rule partner-ftp-control]
destination = $SERVER
port = 21
source = $C_ALLOWED
EOF
  )
  step "a rule limited to port 21: FTP control from .12, HTTP on the kernel's default .10"
  fw_reset
  # Active mode: only the control connection leaves the client (the server connects back).
  capture prec-ftp sb "$port21" curl -sS --connect-timeout 5 --ftp-port - "ftp://$SERVER/"
  ((CAP_RC == 0)) || die "curl ftp:// (active) under the port-21 rule exited $CAP_RC" "$CAP_ERR"
  (($(fw_attempts_from "$C_ALLOWED" 21) > 0)) || die "no FTP control connection from $C_ALLOWED"
  ok "FTP control connection (port 21) from $C_ALLOWED, listing received"
  capture prec-http sb "$port21" curl -sS --connect-timeout 2 "http://$SERVER/port21"
  ((CAP_RC != 0)) || die "HTTP succeeded: it should have left from $C_PRIMARY and been dropped"
  (($(fw_attempts_from "$C_PRIMARY" 80) > 0)) || die "the firewall saw no HTTP attempt from $C_PRIMARY"
  (($(fw_attempts_from "$C_ALLOWED" 80) == 0)) || die "HTTP left from $C_ALLOWED despite port = 21"
  ok "HTTP (port 80) left from the kernel's default $C_PRIMARY and was dropped (curl exit $CAP_RC)"
}

# Other real clients, cheap ones: python3 urllib, socat TCP, wget over HTTP.
scenario_more_clients() {
  local conf
  conf=$(partner_ini more-clients "source = $C_ALLOWED")
  step "python3 urllib, socat, wget (HTTP) under srcbind"
  capture py-urllib sb "$conf" "$PY" -c \
    "import urllib.request; print(urllib.request.urlopen('http://$SERVER/python', timeout=5).read().decode().strip())"
  ((CAP_RC == 0)) || die "python3 urllib exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_ALLOWED" "python3 urllib"
  CAP_IN="$ACC_TMP/socat-request"
  printf 'GET /socat HTTP/1.0\r\n\r\n' >"$CAP_IN"
  capture socat sb "$conf" socat -t 5 - "TCP4:$SERVER:80,connect-timeout=5"
  unset CAP_IN
  ((CAP_RC == 0)) || die "socat exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(tail -n 1 "$CAP_OUT")" "you are $C_ALLOWED" "socat TCP4"
  capture wget-http sb "$conf" wget -q -O - --tries=1 --timeout=5 "http://$SERVER/wget"
  ((CAP_RC == 0)) || die "wget exited $CAP_RC" "$CAP_ERR"
  expect_eq "$(cat "$CAP_OUT")" "you are $C_ALLOWED" "wget over HTTP"

  step "a program's own choice wins: curl --interface (address, then alias label)"
  local everything
  everything=$(ini more-clients-everything <<EOF
[rule everything]
destination = *
source = $C_ALLOWED
EOF
  )
  local choice
  for choice in "$C_ALIAS2" eth0:2; do
    capture curl-interface sb "$everything" curl -sS --connect-timeout 5 --interface "$choice" "http://$SRV2/interface"
    ((CAP_RC == 0)) || die "curl --interface $choice exited $CAP_RC" "$CAP_ERR"
    expect_eq "$(cat "$CAP_OUT")" "you are $C_ALIAS2" "curl --interface $choice under a rule for $C_ALLOWED: srv2 answers"
  done

  step "SRCBIND_LOG=info: one line per decision"
  capture log-info client env SRCBIND_LOG=info LD_PRELOAD="$SRCBIND_LIB" SRCBIND_CONFIG="$conf" \
    curl -sS --connect-timeout 5 "http://$SERVER/log"
  ((CAP_RC == 0)) || die "curl with SRCBIND_LOG=info exited $CAP_RC" "$CAP_ERR"
  grep -Eq "^srcbind\[[0-9]+\] curl: tcp $SERVER:80 -> $C_ALLOWED \(rule partner\)$" "$CAP_ERR" ||
    die "no decision line in the SPEC's format" "$CAP_ERR"
  ok "the decision line: $(grep -m1 '^srcbind\[' "$CAP_ERR")"
}
