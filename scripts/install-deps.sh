#!/usr/bin/env bash
# Installs what building and testing srcbind needs, on Debian 12, only when missing.
set -euo pipefail

packages=(
  cmake g++ make pkg-config              # build
  libinih-dev                            # INI parser (config/)
  libgtest-dev libgmock-dev              # unit and integration tests
  libbenchmark-dev                       # micro-benchmarks
  libboost-dev                           # Boost.Asio, test peers only
  curl wget python3 socat                # real clients the tests run
  bind9-dnsutils snmp nodejs             # dig, snmpget, node: bind 0.0.0.0:0 before sending
  iproute2 util-linux procps             # ip, setpriv, sysctl (root-only tests)
  man-db                                 # man -l for the man page check
  systemd                                # systemd-analyze verify of what srcbind enable writes
  dpkg-dev file lintian                  # the Debian package: cpack -G DEB (dpkg-shlibdeps), lintian
  clang libclang-rt-14-dev               # libFuzzer targets; clang -target bpf
  libbpf-dev bpftool                     # the kernel backend (kernel/)
  golang-go liburing-dev php-cli         # clients the kernel backend tests run (tests/kernel)
  "$@"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
