# 8 concurrent clients, 400 connections in all, every one from .12.

scenario_load() {
  local conf clients=8 per_client=50 i pids=() rc
  conf=$(partner_ini load "protocol = tcp" "source = $C_ALLOWED")
  step "$clients concurrent shells under srcbind, each running $per_client curl processes"
  fw_reset
  local before; before=$(line_count "$HTTP_LOG_SERVER")
  local loop="for j in \$(seq $per_client); do curl -sS --connect-timeout 5 --max-time 10 -o /dev/null \
-w '%{http_code}\n' http://$SERVER/load/\$0/\$j || { echo failed; exit 1; }; done"
  local started=$EPOCHREALTIME
  for ((i = 1; i <= clients; i++)); do
    timeout -k 5 120 bash -c 'sb "$@"' load "$conf" sh -c "$loop" "$i" \
      >"$ACC_TMP/load-$i.out" 2>"$ACC_TMP/load-$i.err" </dev/null &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    rc=0; wait "${pids[$i]}" || rc=$?
    ((rc == 0)) || die "client $((i + 1)) exited $rc" "$ACC_TMP/load-$((i + 1)).err"
  done
  local elapsed; elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  expect_eq "$(cat "$ACC_TMP"/load-*.out | grep -c '^200$')" $((clients * per_client)) "HTTP 200 answers in ${elapsed}s"
  expect_eq "$(cat "$ACC_TMP"/load-*.out | grep -vc '^200$')" 0 "failed connections"
  new_lines "$HTTP_LOG_SERVER" "$before" >"$ACC_TMP/load-new.log"
  expect_only_peer "$ACC_TMP/load-new.log" "$C_ALLOWED" $((clients * per_client)) "the server's log"
  expect_eq "$(awk '{print $3}' "$ACC_TMP/load-new.log" | sort -u | wc -l)" $((clients * per_client)) \
    "distinct requests (every client, every round)"
  [[ -z $(fw_attempts | awk -v a="$C_ALLOWED" '$1 != a') ]] || die "attempts from other sources: $(fw_attempts)"
  ok "the server's firewall saw no attempt from another source ($(fw_attempts | xargs))"
}
