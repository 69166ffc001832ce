#!/usr/bin/env bash
# Print the path of a Debian kernel image (vmlinuz) for the cgroup v2 lane, fetching it when needed.
#
#   tests/cgroup-v2/fetch-kernel.sh CACHE_DIR
#
# NSTOOLS_V2_KERNEL=/path/to/vmlinuz skips all of this. Otherwise the kernel package that Debian's
# `linux-image-amd64` depends on is downloaded with `apt-get download` (no install: the host's /boot
# and package database are untouched) and only its ./boot/vmlinuz-* is extracted, into
# CACHE_DIR/<package>_<version>/vmlinuz, where later runs find it. Nothing comes from outside Debian's
# packages. Needs `apt-get update` to have been run once. Exit 2 when no kernel can be had.
set -euo pipefail
# shellcheck source=../progress.sh
. "$(dirname "$0")/../progress.sh"

cache=${1:?usage: fetch-kernel.sh CACHE_DIR}

if [[ -n ${NSTOOLS_V2_KERNEL:-} ]]; then
    [[ -r $NSTOOLS_V2_KERNEL ]] || { echo "fetch-kernel: NSTOOLS_V2_KERNEL=$NSTOOLS_V2_KERNEL is not readable" >&2; exit 2; }
    echo "$NSTOOLS_V2_KERNEL"
    exit 0
fi

# A kernel fetched before is reused (asking apt which version is current takes seconds); set
# NSTOOLS_V2_REFRESH=1 to look for a newer one.
if [[ -z ${NSTOOLS_V2_REFRESH:-} ]]; then
    cached=$(ls -t "$cache"/linux-image-*/vmlinuz 2>/dev/null | head -n 1 || true)
    if [[ -n $cached ]]; then
        echo "$cached"
        exit 0
    fi
fi

meta=${NSTOOLS_V2_KERNEL_META:-linux-image-amd64}
# One apt-cache call (each loads apt's whole cache): the meta package pins the image's version,
# `Depends: linux-image-6.1.0-NN-amd64 (= VERSION)`.
read -r pkg version < <(apt-cache show --no-all-versions "$meta" 2>/dev/null |
    awk '$1 == "Depends:" { for (i = 2; i <= NF; i++) if ($i ~ /^linux-image-/) { v = $(i + 2); sub(/\).*/, "", v); print $i, v; exit } }') || true
if [[ -z ${pkg:-} || -z ${version:-} ]]; then
    echo "fetch-kernel: apt knows no kernel package behind $meta (run apt-get update first)" >&2
    exit 2
fi
dest=$cache/${pkg}_${version}
if [[ -s $dest/vmlinuz ]]; then
    echo "$dest/vmlinuz"
    exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage --log "$tmp/apt.log" "fetch-kernel: apt-get download $pkg=$version (about 70 MB from the Debian mirror)"
# apt-get download writes into the current directory; as root it warns that the sandbox user cannot
# write there, which is harmless.
if ! (cd "$tmp" && apt-get download -q "$pkg=$version" >"$tmp/apt.log" 2>&1); then
    grep -v '^W: Download is performed unsandboxed' "$tmp/apt.log" >&2 || true
    echo "fetch-kernel: apt-get download $pkg=$version failed" >&2
    exit 2
fi
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
[[ -n $deb ]] || { echo "fetch-kernel: apt-get download $pkg left no .deb" >&2; exit 2; }
mkdir -p "$tmp/x"
# ./boot/ comes first in the package: tar stops after the image (--occurrence) instead of inflating
# the 70 MB of modules behind it, which makes dpkg-deb die of SIGPIPE (ignored; the file is checked).
image=$tmp/x/boot/vmlinuz-${pkg#linux-image-}
dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -x -C "$tmp/x" --occurrence=1 "./boot/${image##*/}" 2>/dev/null || true
if [[ ! -s $image ]]; then
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards './boot/vmlinuz-*'
    image=$(ls "$tmp"/x/boot/vmlinuz-* | head -n 1)
fi
mkdir -p "$dest"
mv "$image" "$dest/vmlinuz.part" && mv "$dest/vmlinuz.part" "$dest/vmlinuz"
stage "fetch-kernel: $pkg $version extracted to $dest/vmlinuz"
echo "$dest/vmlinuz"
