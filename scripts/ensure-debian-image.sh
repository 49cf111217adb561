#!/usr/bin/env bash
# Builds gatebox-test/debian:bookworm, a Debian base made locally with debootstrap and
# `docker import` (no image registry is reachable): the base the Dockerfile test builds on.
# Idempotent: does nothing when the image exists.
set -euo pipefail
image=gatebox-test/debian:bookworm
docker image inspect "$image" >/dev/null 2>&1 && { echo "ensure-debian-image: $image present" >&2; exit 0; }
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /var/tmp/gatebox-debootstrap.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "ensure-debian-image: debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" "$mirror" >/var/tmp/gatebox-debootstrap.log 2>&1 || {
  tail -20 /var/tmp/gatebox-debootstrap.log >&2
  exit 1
}
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$image" >/dev/null
echo "ensure-debian-image: built $image" >&2
