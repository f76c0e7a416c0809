# Ssh, scp and rsync -e ssh reach the server from .12 (IPv6 in ipv6.sh).

ssh_ini() {
  ini client-ssh <<EOF
[rule partner]
destination = $SERVER, $SERVER6
source = $C_ALLOWED, $C_V6_ALLOWED
EOF
}

# ssh_opts: sets SSH_OPTS: a throwaway identity; no user config, known_hosts or agent.
ssh_opts() {
  SSH_OPTS=(-F /dev/null -i "$SSH_KEY" -o BatchMode=yes -o IdentitiesOnly=yes
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
    -o ConnectTimeout=5 -o LogLevel=ERROR)
}

# expect_sshd_accepted OLD_LINE_COUNT ADDR WHAT: sshd logged exactly one new accepted
# login, from ADDR.
expect_sshd_accepted() {
  local accepted
  accepted=$(new_lines "$SSHD_LOG" "$1" | grep 'Accepted publickey for root from' || true)
  [[ $(grep -c . <<<"$accepted") == 1 && $accepted == *" from $2 port "* ]] ||
    die "$3: sshd did not log one accepted login from $2" "$SSHD_LOG"
  ok "$3: sshd logged \"${accepted#*]: }\""
}

scenario_ssh() {
  local conf before
  conf=$(ssh_ini)
  ssh_opts
  step "without srcbind: ssh is dropped by the server's firewall"
  fw_reset
  capture ssh-nosrcbind client ssh -o ConnectTimeout=2 "${SSH_OPTS[@]}" "root@$SERVER" true
  ((CAP_RC != 0)) || die "ssh succeeded without srcbind: the firewall does not work"
  (($(fw_attempts_from "$C_PRIMARY" 22) > 0)) || die "the firewall did not see ssh from $C_PRIMARY"
  ok "ssh without srcbind fails (exit $CAP_RC), the firewall dropped it from $C_PRIMARY"

  step "ssh under srcbind: the server's view of the client"
  fw_reset
  before=$(line_count "$SSHD_LOG")
  # shellcheck disable=SC2016 # $SSH_CLIENT expands on the server
  capture ssh sb "$conf" ssh "${SSH_OPTS[@]}" "root@$SERVER" 'echo "$SSH_CLIENT"'
  ((CAP_RC == 0)) || die "ssh exited $CAP_RC" "$CAP_ERR" "$SSHD_LOG"
  expect_eq "$(awk '{print $1}' "$CAP_OUT")" "$C_ALLOWED" "\$SSH_CLIENT on the server starts with"
  expect_sshd_accepted "$before" "$C_ALLOWED" ssh

  step "scp (SFTP protocol) under srcbind"
  head -c 2M /dev/urandom >"$ACC_TMP/ssh-payload.bin"
  before=$(line_count "$SSHD_LOG")
  capture scp sb "$conf" scp -q "${SSH_OPTS[@]}" "root@$SERVER:$ACC_TMP/ssh-payload.bin" "$ACC_TMP/scp-copy.bin"
  ((CAP_RC == 0)) || die "scp exited $CAP_RC" "$CAP_ERR" "$SSHD_LOG"
  expect_eq "$(sha_of "$ACC_TMP/scp-copy.bin")" "$(sha_of "$ACC_TMP/ssh-payload.bin")" "scp copy's sha256"
  expect_sshd_accepted "$before" "$C_ALLOWED" scp

  step "rsync -e ssh under srcbind (rsync starts ssh, which inherits the preload)"
  mkdir -p "$ACC_TMP/rsync-src/sub" "$ACC_TMP/rsync-dst"
  cp "$ACC_TMP/ssh-payload.bin" "$ACC_TMP/rsync-src/sub/"
  echo hello >"$ACC_TMP/rsync-src/hello.txt"
  before=$(line_count "$SSHD_LOG")
  capture rsync sb "$conf" rsync -a -e "ssh ${SSH_OPTS[*]}" \
    "root@$SERVER:$ACC_TMP/rsync-src/" "$ACC_TMP/rsync-dst/"
  ((CAP_RC == 0)) || die "rsync exited $CAP_RC" "$CAP_ERR" "$SSHD_LOG"
  diff -r "$ACC_TMP/rsync-src" "$ACC_TMP/rsync-dst" >/dev/null || die "rsync: the trees differ"
  ok "rsync: the copied tree is identical"
  expect_sshd_accepted "$before" "$C_ALLOWED" "rsync -e ssh"

  local others
  others=$(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a')
  [[ -z $others ]] || die "the server saw connection attempts from other sources: $others"
  ok "the server's firewall saw connection attempts from $C_ALLOWED only"
}
