# Checks and client helpers shared by the scenarios. Sourced by run.sh.

ACC_CHECKS=0

step() { printf '\n== [%3ss] %s\n' "$SECONDS" "$*"; }
ok() { ACC_CHECKS=$((ACC_CHECKS + 1)); printf 'ok: %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# die MESSAGE [FILE...]: fails the scenario, showing the files (client output, logs).
die() {
  local msg=$1 f; shift
  printf 'FAIL: %s\n' "$msg" >&2
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '--- %s (last 30 lines)\n' "$f" >&2
    tail -n 30 "$f" >&2
  done
  exit 1
}

expect_eq() { # ACTUAL EXPECTED WHAT [FILE...]
  local actual=$1 expected=$2 what=$3; shift 3
  [[ $actual == "$expected" ]] || die "$what: expected '$expected', got '$actual'" "$@"
  ok "$what: $actual"
}

# ini NAME: writes stdin to $ACC_TMP/NAME.ini and prints the path.
ini() {
  local f="$ACC_TMP/$1.ini"
  cat >"$f"
  printf '%s\n' "$f"
}

# partner_ini NAME LINE...: ini NAME with one rule, `[rule partner]` for
# `destination = $SERVER`, and the given lines (source, interface ...).
partner_ini() {
  local name=$1; shift
  { printf '[rule partner]\ndestination = %s\n' "$SERVER"; printf '%s\n' "$@"; } | ini "$name"
}

# [CAP_IN=FILE] capture NAME CMD...: runs CMD with a bounded run time (60 s), stdin
# from CAP_IN (default /dev/null), stdout and stderr to $ACC_TMP/NAME.out and .err;
# its exit status in CAP_RC. Never fails itself.
CAP_RC=0
capture() {
  local name=$1; shift
  CAP_OUT="$ACC_TMP/$name.out"
  CAP_ERR="$ACC_TMP/$name.err"
  CAP_RC=0
  # bash -c: CMD may be one of the exported functions below (client, sb). In the
  # background with `wait`, so that a signal to run.sh runs cleanup at once.
  timeout -k 5 60 bash -c '"$@"' capture "$@" >"$CAP_OUT" 2>"$CAP_ERR" <"${CAP_IN:-/dev/null}" &
  wait $! || CAP_RC=$?
}

# client CMD...: CMD in the client namespace, without srcbind.
client() { nsx "$NS_CLIENT" "$@"; }

# sb INI CMD...: CMD in the client namespace under the srcbind command (or, while the
# command is not built, under LD_PRELOAD with the same environment).
sb() {
  local conf=$1; shift
  if [[ -n ${SRCBIND_CMD:-} ]]; then
    nsx "$NS_CLIENT" "$SRCBIND_CMD" -c "$conf" -- "$@"
  else
    nsx "$NS_CLIENT" env LD_PRELOAD="$SRCBIND_LIB" SRCBIND_CONFIG="$conf" "$@"
  fi
}

export -f nsx client sb
export NS_CLIENT SRCBIND_LIB SRCBIND_CMD

# print_env INI: the export lines for a shell (srcbind --print-env, or the same by hand).
print_env_cmd() {
  if [[ -n ${SRCBIND_CMD:-} ]]; then
    printf '%q --print-env -c %q' "$SRCBIND_CMD" "$1"
  else
    printf 'printf "export LD_PRELOAD=%%s\\nexport SRCBIND_CONFIG=%%s\\n" %q %q' "$SRCBIND_LIB" "$1"
  fi
}

# expect_only_peer LOG ADDR COUNT WHAT: the server log holds exactly COUNT entries,
# every one from ADDR.
expect_only_peer() {
  local log=$1 addr=$2 count=$3 what=$4 total from
  total=$(wc -l <"$log")
  from=$(awk -v a="$addr" '$1 == a' "$log" | wc -l)
  if [[ $total != "$count" || $from != "$count" ]]; then
    note "peers seen: $(peers_in "$log" | tr '\n' ' ')"
    die "$what: expected $count entries all from $addr, got $from of $total" "$log"
  fi
  ok "$what: $count of $count from $addr"
}

# line_count LOG: lines so far; new_lines LOG OLD_COUNT: what a step added since.
line_count() { wc -l <"$1"; }
new_lines() { tail -n +"$(($2 + 1))" "$1"; }

# sha_of FILE
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
