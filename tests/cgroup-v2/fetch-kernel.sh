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
pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
if [[ -z $pkg ]]; then
    echo "fetch-kernel: apt knows no kernel package behind $meta (run apt-get update first)" >&2
    exit 2
fi
version=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }')
dest=$cache/${pkg}_${version}
if [[ -s $dest/vmlinuz ]]; then
    echo "$dest/vmlinuz"
    exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
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
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards './boot/vmlinuz-*'
image=$(ls "$tmp"/x/boot/vmlinuz-* | head -n 1)
mkdir -p "$dest"
mv "$image" "$dest/vmlinuz.part" && mv "$dest/vmlinuz.part" "$dest/vmlinuz"
echo "fetch-kernel: $pkg $version extracted to $dest/vmlinuz" >&2
echo "$dest/vmlinuz"
