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

# shellcheck source=progress.sh
. tests/progress.sh
progress_begin setup

# The one table of what the tests need: package, the programs of it the tests look for (`-`: none
# by name), and what needs it. One row per package. tests/src/gate.rs reads this table (at compile
# time) to name the package and the command to install when a test's program is missing.
packages=(
    "util-linux      unshare,nsenter,setpriv,taskset  the Debian 12 originals (second reference); taskset for the walkthrough"
    "procps          ps,top                            ps: the Debian 12 original (second reference); top for the walkthrough"
    "cgroup-tools    cgcreate,cgexec,cgdelete,cgset,cgget,cgclassify,lscgroup,lssubsys  the Debian 12 originals (second reference)"
    "numactl         memhog                            the Debian 12 original (second reference)"
    "uidmap          newuidmap,newgidmap               unshare --map-users/--map-groups/--map-auto tests"
    "passwd          useradd,userdel                   tests that run as a throw-away user; the walkthrough's user play"
    "python3         python3                           the walkthrough runner (walkthrough/run.py)"
    "bash            bash                              the lanes' and the packaging test's scripts"
    "dash            dash,sh                           the cgroup v2 lane's /bin/sh; sh for the tests' shell lines"
    "apt             apt-get                           the lanes fetch Debian's kernel package (apt-get download)"
    "systemd         busctl                            cgcreate's systemd-scope failure path (a bus that is not there)"
    "qemu-system-x86 qemu-system-x86_64                the cgroup v2 and systemd lanes (VMs)"
    "busybox-static  busybox                           the cgroup v2 lane's initramfs"
    "cpio            cpio                              the lanes' initramfs"
    "dpkg-dev        dpkg-shlibdeps                    the packaging test (cargo-deb computes Depends with it)"
    "lintian         lintian                           the packaging test"
    "mmdebstrap      mmdebstrap                        the packaging test, the systemd lane, the newest-release reference root"
    "patchelf        patchelf                          the newest-release reference root (runs trixie's binaries with trixie's loader)"
)
# Not a Debian package: cargo-deb builds the .debs (the packaging test). Pinned, as CI was.
CARGO_DEB_VERSION=3.8.0

missing=()
for row in "${packages[@]}"; do
    read -r pkg _ <<<"$row"
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

command -v cargo >/dev/null || {
    echo "setup: cargo is not on PATH: install a Rust toolchain (https://rustup.rs), then run $0 again" >&2
    exit 1
}
have_cargo_deb() { cargo deb --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; }
cargo_deb_install=(cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked)

if [[ $(id -u) != 0 ]]; then
    if ((${#missing[@]})); then
        stage "not root: these packages are missing, and the tests that need them will be skipped:"
        for row in "${packages[@]}"; do
            read -r pkg _ reason <<<"$row"
            for want in "${missing[@]}"; do [[ $want == "$pkg" ]] && printf '  %-16s %s\n' "$pkg" "$reason" >&2; done
        done
        echo "  to install them, as root: apt-get install ${missing[*]}   (or run $0 as root)" >&2
    fi
    have_cargo_deb || echo "  cargo-deb $CARGO_DEB_VERSION is missing (the packaging test): ${cargo_deb_install[*]}" >&2
    [[ -x target/reference/bin/unshare ]] ||
        echo "  the newest released originals (target/reference) are missing: run $0 as root" >&2
    stage "nothing installed (not root)"
    exit 0
fi

if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp "${TMPDIR:-/tmp}/nstools-setup-apt.XXXXXX")
    stage --log "$log" "apt-get update (missing: ${missing[*]})"
    apt-get update >"$log" 2>&1 || {
        tail -n 20 "$log" >&2
        echo "setup: apt-get update failed (log: $log): is the Debian mirror of /etc/apt/sources.list reachable?" >&2
        exit 1
    }
    stage --log "$log" "apt-get install ${missing[*]}"
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "setup: apt-get install ${missing[*]} failed (log: $log)" >&2
        exit 1
    fi
    rm -f "$log"
fi

if ! have_cargo_deb; then
    log=$(mktemp "${TMPDIR:-/tmp}/nstools-setup-cargo-deb.XXXXXX")
    stage --log "$log" "${cargo_deb_install[*]} (compiles it: about 4 minutes on 2 cores)"
    if ! "${cargo_deb_install[@]}" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "setup: ${cargo_deb_install[*]} failed (log: $log)" >&2
        exit 1
    fi
    rm -f "$log"
fi

stage "the newest released originals (tests/reference/make-root.sh)"
tests/reference/make-root.sh || exit 1
stage "ready"
