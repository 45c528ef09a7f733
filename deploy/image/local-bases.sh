#!/usr/bin/env bash
# Make the two base images the Dockerfile names, on a machine that cannot reach Docker Hub
# but has buildah, debootstrap and a rustup toolchain (this project's build machines):
#
#   docker.io/library/debian:bookworm-slim     debootstrap --variant=minbase bookworm
#   docker.io/library/rust:1.95-slim-bookworm  that base + gcc/libc6-dev + the machine's
#                                              rustc/cargo 1.95 (bin, lib, libexec; no docs),
#                                              trusting the CAs this machine adds locally
#
# These are stand-ins with the same names, paths and tools as the official images, not
# copies of them. Where Docker Hub is reachable, skip this script.
# Then: buildah bud --isolation chroot --format docker --layers -t adlens:0.1.0 .
set -euo pipefail

release=bookworm
rust_version=1.95
iso=(--isolation chroot)

if ! buildah inspect --type image "docker.io/library/debian:${release}-slim" >/dev/null 2>&1; then
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase "$release" "$root" http://deb.debian.org/debian
    tar -C "$root" -c . | podman import - "docker.io/library/debian:${release}-slim"
fi

toolchain=$(rustc --print sysroot)
have=$(rustc --version | awk '{print $2}')
case "$have" in
    "$rust_version".*) ;;
    *) echo "rustc $have here, the Dockerfile wants $rust_version" >&2; exit 1 ;;
esac

ctr=$(buildah from "docker.io/library/debian:${release}-slim")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah run "${iso[@]}" "$ctr" -- sh -c \
    'apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
     && rm -rf /var/lib/apt/lists/*'
# A build machine behind a TLS-inspecting egress proxy trusts that proxy's CA through
# /usr/local/share/ca-certificates; the stand-in trusts the same, or cargo and pip in the
# build stage cannot reach crates.io and PyPI.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    buildah copy "$ctr" /usr/local/share/ca-certificates /usr/local/share/ca-certificates >/dev/null
    buildah run "${iso[@]}" "$ctr" -- update-ca-certificates
fi
for part in bin lib libexec; do
    buildah copy "$ctr" "$toolchain/$part" "/usr/local/rust/$part" >/dev/null
done
buildah config \
    --env RUSTUP_HOME=/usr/local/rustup \
    --env CARGO_HOME=/usr/local/cargo \
    --env PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "$ctr"
buildah commit "$ctr" "docker.io/library/rust:${rust_version}-slim-${release}"
echo "made docker.io/library/rust:${rust_version}-slim-${release} from rustc $have"
