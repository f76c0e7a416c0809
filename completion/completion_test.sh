#!/bin/bash
# completion_test.sh COMPLETION_FILE
#
# Sources the bash completion the way bash-completion does (and once more with
# bash-completion's own library loaded, when it is installed), then completes
# scripted command lines by setting COMP_WORDS/COMP_CWORD and calling the function.
set -u

file=${1:?usage: completion_test.sh COMPLETION_FILE}
failures=0
checks=0

check_in() {  # LABEL WANTED WORD...: WANTED must be among the completions
    local label=$1 wanted=$2
    shift 2
    complete_words "$@"
    checks=$((checks + 1))
    if printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$wanted"; then return; fi
    echo "FAIL ($label): '$*' does not complete to '$wanted'; got: ${COMPREPLY[*]:0:20}"
    failures=$((failures + 1))
}

check_exactly() {  # LABEL "EXPECTED" WORD...: the completions, joined with spaces
    local label=$1 expected=$2
    shift 2
    complete_words "$@"
    checks=$((checks + 1))
    [[ "${COMPREPLY[*]}" == "$expected" ]] && return
    echo "FAIL ($label): '$*' completes to '${COMPREPLY[*]}', expected '$expected'"
    failures=$((failures + 1))
}

complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _srcbind 2>/dev/null
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/srcbind-completion.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/rules.ini"

run_checks() {
    local how=$1 registered
    registered=$(complete -p srcbind 2>&1)
    checks=$((checks + 1))
    if [[ $registered != "complete -F _srcbind srcbind" ]]; then
        echo "FAIL ($how): complete -p srcbind says: $registered"
        failures=$((failures + 1))
    fi
    check_exactly "$how" "--check" srcbind --ch
    check_exactly "$how" "--kernel" srcbind enable --k
    check_exactly "$how" "--print-env" srcbind -c x.ini --pri
    check_in "$how" "lo" srcbind -i ""
    check_in "$how" "@lo" srcbind -s @
    check_in "$how" "127.0.0.1" srcbind -s 127.
    check_in "$how" "$tmp/rules.ini" srcbind -c "$tmp/ru"
    check_in "$how" "bash" srcbind -- bas
    check_in "$how" "enable" srcbind en
}

(
    # shellcheck source=/dev/null
    source "$file"
    run_checks "plain bash"
    echo "$checks $failures" >"$tmp/plain"
)
read -r plain_checks plain_failures <"$tmp/plain"
checks=$plain_checks
failures=$plain_failures

if [[ -r /usr/share/bash-completion/bash_completion ]]; then
    # shellcheck disable=SC2030,SC2031  # each run counts in its own subshell and reports through a file
    (
        # shellcheck source=/dev/null
        source /usr/share/bash-completion/bash_completion
        # shellcheck source=/dev/null
        source "$file"
        checks=0 failures=0
        run_checks "with bash-completion"
        echo "$checks $failures" >"$tmp/full"
    )
    read -r full_checks full_failures <"$tmp/full"
    # shellcheck disable=SC2031  # the subshell's counts came back through the file
    checks=$((checks + full_checks))
    # shellcheck disable=SC2031
    failures=$((failures + full_failures))
else
    echo "note: bash-completion is not installed: checked without its library only"
fi

echo "$((checks - failures)) passed, $failures failed"
((failures == 0))
