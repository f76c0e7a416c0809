# Debian packages the acceptance scenarios need: installed when missing, without
# letting Debian start their daemons on the host. Sourced by run.sh.

# The daemons and clients, by package; `acc_packages` is what every scenario needs.
acc_packages=(
  iproute2 nftables procps coreutils       # namespaces, veth, routes, firewall
  python3                                   # helpers/: HTTP server, UDP responder and client
  vsftpd                                    # FTP server (passive and active)
  openssh-server openssh-client rsync       # sshd, ssh, scp, rsync -e ssh
  wget curl lftp tnftp inetutils-ftp socat  # the clients
)
# Packages that ship a daemon which Debian would start (and enable) on install.
acc_daemon_services=(vsftpd ssh rsync nftables)

acc_missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

# ensure_packages PKG...: installs the missing ones. One install at a time on the
# host (flock), because CTest may start several scenarios at once.
ensure_packages() {
  local -a missing
  mapfile -t missing < <(acc_missing_packages "$@")
  ((${#missing[@]} == 0)) && return 0
  exec {lockfd}>/run/lock/srcbind-acceptance-apt.lock
  flock -w 300 "$lockfd" || { echo "could not take the apt lock in 300 s" >&2; return 1; }
  mapfile -t missing < <(acc_missing_packages "$@")   # another scenario may have installed them
  if ((${#missing[@]})); then
    acc_install "${missing[@]}" || { exec {lockfd}>&-; return 1; }
  fi
  exec {lockfd}>&-
}

acc_install() {
  local -a missing=("$@") unavailable=()
  local p candidate our_policy=0 rc=0
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # apt-cache policy needs the lists: update once, only when something is missing.
  timeout 180 apt-get update -qq || { echo "apt-get update failed" >&2; return 1; }
  for p in "${missing[@]}"; do
    candidate=$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')
    [[ -n $candidate && $candidate != "(none)" ]] || unavailable+=("$p")
  done
  if ((${#unavailable[@]})); then
    echo "not available from the configured Debian archives: ${unavailable[*]}" >&2
    return 1
  fi
  # Keep invoke-rc.d from starting (and maybe failing to start) the daemons on the
  # host: policy-rc.d exiting 101 means "action forbidden". Leave one that exists alone.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# srcbind acceptance tests: no daemon starts during the install\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    our_policy=1
  fi
  timeout 300 apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null || rc=$?
  ((our_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || { echo "apt-get install failed ($rc)" >&2; return 1; }
  acc_stop_new_daemons "${missing[@]}"
}

# Stops and disables the host daemons of the packages we just installed, in case one
# started anyway (a system whose init ignores policy-rc.d).
acc_stop_new_daemons() {
  local svc p
  for svc in "${acc_daemon_services[@]}"; do
    for p in "$@"; do
      case "$svc:$p" in
        vsftpd:vsftpd | ssh:openssh-server | rsync:rsync | nftables:nftables) ;;
        *) continue ;;
      esac
      if [[ -d /run/systemd/system ]]; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
      elif [[ -x /etc/init.d/$svc ]]; then
        /etc/init.d/"$svc" stop >/dev/null 2>&1 || true
        update-rc.d "$svc" disable >/dev/null 2>&1 || true
      fi
    done
  done
}

# One line per package: name and version, for the report.
package_versions() {
  dpkg-query -W -f='${Package} ${Version}\n' "$@" 2>/dev/null
}
