#!/usr/bin/env bash
# Build the Debian packages nstools and nstools-substitute into DIR (default target/debian):
# a release build of the workspace, man pages and completions from nstools-gen, then cargo-deb.
# Needs cargo-deb (`cargo install cargo-deb --version 3.8.0 --locked`, as tests/setup.sh does) and dpkg-dev (dpkg-shlibdeps for $auto).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/debian}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# Dates in the man pages and the packages come from the changelog: rebuilds are reproducible.
SOURCE_DATE_EPOCH="$(dpkg-parsechangelog -l packaging/debian/changelog -STimestamp)"
export SOURCE_DATE_EPOCH

cargo build --release --workspace --bins

gen=packaging/generated
rm -rf "$gen"
target/release/nstools-gen "$gen"
find "$gen/man" -type f -name '*.[18]' -exec gzip -9n {} +

for pkg in nstools-packaging nstools-substitute; do
    cargo deb -p "$pkg" --no-build --no-strip \
        --output "$out" --quiet >/dev/null
done

version="$(dpkg-deb -f "$out"/nstools_*_amd64.deb Version)"
main="$out/nstools_${version}_amd64.deb"
subst="$out/nstools-substitute_${version}_amd64.deb"
for deb in "$main" "$subst"; do
    [ -f "$deb" ] || { echo "build-debs: $deb was not built" >&2; exit 1; }
done
# The substitute's Depends is written by hand in packaging/Cargo.toml: it must name this nstools.
depends="$(dpkg-deb -f "$subst" Depends)"
if [ "$depends" != "nstools (= $version)" ]; then
    echo "build-debs: nstools-substitute Depends '$depends', expected 'nstools (= $version)':" \
        "update [package.metadata.deb.variants.substitute] in packaging/Cargo.toml" >&2
    exit 1
fi
echo "$main"
echo "$subst"
