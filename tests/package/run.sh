#!/bin/bash
# tests/package/run.sh SOURCE_DIR
#
# The Debian package from end to end, as root: a Release build in a temporary
# directory, `cpack -G DEB`, lintian (no error, no warning), `dpkg -i`, the demo
# against the installed /usr/bin/srcbind, `dpkg -r` and `dpkg -P`, and then
# nothing of it left on the file system. Exit 77 (skipped) when not root or when
# a srcbind package is already installed (it is not ours to remove).
set -euo pipefail

source_dir=$(cd "${1:?usage: run.sh SOURCE_DIR}" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }
# Not `ldconfig -p | grep -q`: under pipefail, grep leaving at the first match
# kills ldconfig with SIGPIPE once the cache's listing outgrows the pipe (64 KiB).
in_ldconfig_cache() {
  local cache
  cache=$(ldconfig -p)
  [[ $cache == *"libsrcbind.so "* ]]
}

[[ $(id -u) -eq 0 ]] || skip "needs root: dpkg -i / dpkg -r of the package"
command -v dpkg >/dev/null || skip "not a Debian system (no dpkg)"
if dpkg-query -W -f='${Status}' srcbind 2>/dev/null | grep -q "installed"; then
  skip "a srcbind package is already installed on this machine; not touching it"
fi
for tool in cpack lintian dpkg-shlibdeps file curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/srcbind-package.XXXXXX")
installed_by_us=""
cleanup() {
  # Whatever happened, the machine is left without the package.
  if [[ -n $installed_by_us ]] && dpkg-query -W srcbind >/dev/null 2>&1; then
    dpkg -P srcbind >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "build (Release, /usr) in $work"
SECONDS=0
cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DSRCBIND_WERROR=OFF -DBUILD_TESTING=OFF -DSRCBIND_BUILD_BENCHMARKS=OFF >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "configure"; }
cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; fail "build"; }
echo "built in ${SECONDS}s"

step "cpack -G DEB"
(cd "$work/build" && cpack -G DEB) >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
debs=("$work"/build/srcbind_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one srcbind_VERSION_ARCH.deb, found: ${debs[*]}"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
[[ $(basename "$deb") == "srcbind_${version}_${arch}.deb" ]] || fail "file name $(basename "$deb")"
echo "$(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "Depends was not computed (no libc6)"

step "lintian"
lintian_status=0
lintian --pedantic --fail-on error,warning "$deb" >"$work/lintian.log" 2>&1 || lintian_status=$?
grep -v 'running with root privileges' "$work/lintian.log" || true
[[ $lintian_status -eq 0 ]] || fail "lintian reported errors or warnings (exit $lintian_status)"
if grep -qE '^[EW]: ' "$work/lintian.log"; then fail "lintian: errors or warnings above"; fi

step "the package's files"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
expected=(
  /usr/bin/srcbind
  "/usr/lib/$multiarch/libsrcbind.so"
  /usr/share/man/man1/srcbind.1.gz
  /usr/share/man/man5/srcbind.ini.5.gz
  /usr/share/doc/srcbind/copyright
  /usr/share/doc/srcbind/changelog.Debian.gz
  /usr/share/doc/srcbind/examples/client-ftp.ini
  /usr/share/bash-completion/completions/srcbind
)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in "${expected[@]}"; do
  grep -qxF "$f" <<<"$contents" || fail "not in the package: $f"
done

# Which of the package's directories existed before (those must stay).
mapfile -t package_paths < <(printf '%s\n' "$contents" | sed 's|/$||' | grep -v '^$')
declare -A existed_before=()
for p in "${package_paths[@]}"; do
  [[ -e $p ]] && existed_before[$p]=1
done

step "dpkg -i"
installed_by_us=1
dpkg -i "$deb" >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log"; fail "dpkg -i"; }
mapfile -t listed < <(dpkg -L srcbind)
in_ldconfig_cache || fail "the ldconfig trigger did not put libsrcbind.so in the cache"
out=$(env -u LD_PRELOAD -u SRCBIND_CONFIG /usr/bin/srcbind --print-env -s 127.0.0.1)
out=${out%%$'\n'*}
[[ $out == "export LD_PRELOAD='/usr/lib/$multiarch/libsrcbind.so'" ]] ||
  fail "the installed srcbind does not find the installed library: $out"
/usr/bin/srcbind --check -c /usr/share/doc/srcbind/examples/client-ftp.ini >/dev/null 2>&1 ||
  fail "the installed example does not pass --check"
man -w srcbind >/dev/null 2>&1 || echo "note: man -w srcbind found nothing (man-db not installed?)"
bash -c 'source /usr/share/bash-completion/completions/srcbind && complete -p srcbind' >/dev/null ||
  fail "the installed completion does not register"

step "the demo against the installed srcbind"
"$source_dir/demo/run-demo.sh" --srcbind /usr/bin/srcbind >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; fail "demo"; }
tail -n 1 "$work/demo.log"

step "dpkg -r, dpkg -P"
dpkg -r srcbind >"$work/dpkg-r.log" 2>&1 || { cat "$work/dpkg-r.log"; fail "dpkg -r"; }
left=()
for p in "${listed[@]}"; do
  [[ $p == /. ]] && continue
  [[ -z ${existed_before[$p]-} && ( -e $p || -L $p ) ]] && left+=("$p")
done
((${#left[@]} == 0)) || fail "left after dpkg -r: ${left[*]}"
dpkg -P srcbind >"$work/dpkg-p.log" 2>&1 || { cat "$work/dpkg-p.log"; fail "dpkg -P"; }
installed_by_us=""
dpkg-query -W srcbind >/dev/null 2>&1 && fail "dpkg still knows srcbind after dpkg -P"
in_ldconfig_cache && fail "libsrcbind.so is still in the ldconfig cache"
echo "package OK: ${#listed[@]} paths installed and removed, nothing left; ${SECONDS}s"
