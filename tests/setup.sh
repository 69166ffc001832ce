#!/usr/bin/env bash
# What the tests need on this machine, installed when missing (as root) or listed (otherwise).
#
# Idempotent and quick when everything is there: `dpkg-query` decides, and `apt-get update` and
# `apt-get install` run only for packages that are missing. Then the newest-release reference root
# (tests/reference/make-root.sh, cached under target/) is made once per machine.
#
# Exit 0 when everything is there (or, without root, after listing what is missing: the tests that
# need it then skip with the reason); 1 when an install failed, saying which and how to retry.
set -uo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
stage() { printf 'setup: [%3ds] %s\n' "$(($(date +%s) - start))" "$*"; }

# package -> what needs it. One row per package; the tests name these packages when one is missing.
packages=(
    "util-linux      unshare, nsenter, setpriv, taskset: the Debian 12 originals (second reference)"
    "procps          ps and top: the Debian 12 original (second reference), the walkthrough"
    "cgroup-tools    cgcreate ... lssubsys: the Debian 12 originals (second reference)"
    "numactl         memhog: the Debian 12 original (second reference)"
    "uidmap          newuidmap/newgidmap: unshare --map-users/--map-groups/--map-auto tests"
    "passwd          useradd/userdel: tests that run as a throw-away user"
    "python3         the walkthrough runner (walkthrough/run.py)"
    "qemu-system-x86 the cgroup v2 and systemd lanes (VMs)"
    "busybox-static  the cgroup v2 lane's initramfs"
    "cpio            the lanes' initramfs"
    "dash            the cgroup v2 lane's /bin/sh"
    "dpkg-dev        the packaging test (dpkg-shlibdeps)"
    "lintian         the packaging test"
    "mmdebstrap      the packaging test, the systemd lane, the newest-release reference root"
    "patchelf        the newest-release reference root (runs trixie's binaries with trixie's loader)"
)
CARGO_DEB_VERSION=3.8.0

missing=()
for row in "${packages[@]}"; do
    pkg=${row%% *}
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

have_cargo_deb() { cargo deb --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; }

if [[ $(id -u) != 0 ]]; then
    if ((${#missing[@]})); then
        stage "not root: cannot install these packages; the tests that need them will be skipped:"
        for row in "${packages[@]}"; do
            for pkg in "${missing[@]}"; do [[ ${row%% *} == "$pkg" ]] && echo "  $row"; done
        done
        echo "  as root: apt-get install ${missing[*]}"
    fi
    have_cargo_deb || echo "  cargo-deb $CARGO_DEB_VERSION: cargo install cargo-deb --version $CARGO_DEB_VERSION --locked"
    exit 0
fi

if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    stage "apt-get update"
    apt-get update -qq || { echo "setup: apt-get update failed: is the Debian mirror in /etc/apt/sources.list reachable?" >&2; exit 1; }
    stage "apt-get install ${missing[*]}"
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/nstools-setup-apt.log 2>&1; then
        tail -n 20 /tmp/nstools-setup-apt.log >&2
        echo "setup: apt-get install ${missing[*]} failed (log: /tmp/nstools-setup-apt.log)" >&2
        exit 1
    fi
fi

if ! have_cargo_deb; then
    stage "cargo install cargo-deb $CARGO_DEB_VERSION (compiles it: about 4 minutes on 2 cores)"
    if ! cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked --quiet; then
        echo "setup: cargo install cargo-deb --version $CARGO_DEB_VERSION --locked failed" >&2
        exit 1
    fi
fi

stage "the newest-release reference root (tests/reference/make-root.sh)"
tests/reference/make-root.sh || exit 1
stage "ready"
