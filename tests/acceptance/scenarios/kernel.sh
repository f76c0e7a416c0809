# The kernel backend (srcbind --kernel) in the acceptance topology: the nightly FTP
# download with a client that LD_PRELOAD cannot reach, a static Go binary.

scenario_ftp_kernel_static_go() {
  [[ -n ${SRCBIND_CMD:-} ]] || skip "the srcbind command is not built"
  command -v go >/dev/null || skip "needs go (golang-go)"
  local why
  why=$(client "$SRCBIND_CMD" --check --kernel -s "$C_ALLOWED" 2>&1 >/dev/null) ||
    skip "the kernel backend cannot work here: ${why##*--kernel: }"
  step "building the Go FTP client (CGO_ENABLED=0: static, no C library calls)"
  local bin="$ACC_TMP/go-ftp-client"
  GOCACHE="$ACC_TMP/gocache" GOPATH="$ACC_TMP/gopath" HOME="$ACC_TMP" GO111MODULE=off CGO_ENABLED=0 \
    go build -o "$bin" "$ACC_DIR/helpers/go_ftp_client.go" || die "go build failed"
  file "$bin" | grep -q "statically linked" || die "the Go client is not statically linked: $(file "$bin")"
  ok "built $(file -b "$bin" | cut -d, -f1-2)"
  make_big_file
  local conf; conf=$(ftp_ini)
  local out="$ACC_TMP/dl-go.bin"

  step "without srcbind, and under the library: the firewall drops the Go client"
  fw_reset
  capture go-nosrcbind client "$bin" "$SERVER" big.bin "$out"
  ((CAP_RC != 0)) || die "the Go client got through without srcbind: the firewall does not work"
  ok "without srcbind: exit $CAP_RC ($(head -c 120 "$CAP_ERR"))"
  capture go-library sb "$conf" "$bin" "$SERVER" big.bin "$out"
  ((CAP_RC != 0)) || die "the Go client got through under LD_PRELOAD: it was expected out of the library's reach"
  ok "under the library (run mode): exit $CAP_RC, as the README says"

  step "under srcbind --kernel -c client-ftp.ini"
  fw_reset
  local before; before=$(grep -c 'OK DOWNLOAD' "$VSFTPD_LOG" || true)
  capture go-kernel client "$SRCBIND_CMD" --kernel -c "$conf" -- "$bin" "$SERVER" big.bin "$out"
  ((CAP_RC == 0)) || die "the Go client under --kernel exited $CAP_RC" "$CAP_ERR" "$CAP_OUT" "$VSFTPD_LOG"
  expect_eq "$(sha_of "$out")" "$BIG_SHA256" "sha256 of the file the Go client fetched"
  grep 'OK DOWNLOAD' "$VSFTPD_LOG" | tail -n +"$((before + 1))" | grep -q "Client \"$C_ALLOWED\"" ||
    die "vsftpd did not log the download from $C_ALLOWED" "$VSFTPD_LOG"
  [[ -z $(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a') ]] || die "attempts from other sources: $(fw_attempts)"
  [[ $(fw_attempts | awk -v a="$C_ALLOWED" '$1 == a && $2 >= 30000 && $2 <= 30100') ]] ||
    die "no data connection from $C_ALLOWED seen by the firewall"
  ok "50 MB byte-identical, control and data connections from $C_ALLOWED only"
}
