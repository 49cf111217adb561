#!/usr/bin/env bash
# Builds gatebox-test/debian:bookworm, a Debian made locally with debootstrap (minbase plus git and
# ca-certificates) and `docker import` (no image registry is reachable), and tags it
# gatebox-test/git:latest as well. The first is the base the Dockerfile test builds on; the second
# names it for jobs that need git in their workspace (the merger's container test, e2e jobs).
#
# Idempotent and quick: nothing is built when the image exists with git (then only the second tag
# is set). The debootstrap rootfs is kept in $GATEBOX_ROOTFS (default
# /var/tmp/gatebox-rootfs-bookworm), so an image removed from the engine is re-imported in seconds
# instead of bootstrapped again. Runs one at a time (flock): tests may call it concurrently.
set -euo pipefail
image=gatebox-test/debian:bookworm
alias=gatebox-test/git:latest
packages=git,ca-certificates
rootfs=${GATEBOX_ROOTFS:-/var/tmp/gatebox-rootfs-bookworm}

exec 9>"$rootfs.lock"
flock 9

# The label says what the image holds; an image built before the label existed is asked directly.
has_git() {
  local label
  label=$(docker image inspect -f '{{index .Config.Labels "gatebox.packages"}}' "$image" 2>/dev/null) || return 1
  [ "$label" = "$packages" ] || docker run --rm --network none "$image" git --version >/dev/null 2>&1
}

if has_git; then
  docker tag "$image" "$alias"
  echo "ensure-debian-image: $image (also $alias) present" >&2
  exit 0
fi

if [ ! -x "$rootfs/usr/bin/git" ]; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  mirror=${mirror:-http://deb.debian.org/debian}
  work=$(mktemp -d "$rootfs.XXXXXX")
  chmod 755 "$work"
  trap 'rm -rf "$work"' EXIT
  echo "ensure-debian-image: debootstrap bookworm from $mirror" >&2
  debootstrap --variant=minbase --include="$packages" bookworm "$work" "$mirror" >"$rootfs.log" 2>&1 || {
    tail -20 "$rootfs.log" >&2
    exit 1
  }
  rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/*
  # Complete or absent: the rootfs only takes its name once debootstrap has finished.
  rm -rf "$rootfs"
  mv "$work" "$rootfs"
fi

tar -C "$rootfs" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "LABEL gatebox.packages=$packages" \
  - "$image" >/dev/null
docker tag "$image" "$alias"
echo "ensure-debian-image: imported $image (also $alias) from $rootfs" >&2
