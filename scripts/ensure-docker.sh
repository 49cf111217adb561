#!/usr/bin/env bash
# Starts dockerd when no engine answers, and builds the local test images.
# Idempotent: safe to run on every CI run and by hand.
set -euo pipefail
if ! docker info >/dev/null 2>&1; then
  echo "ensure-docker: starting dockerd" >&2
  mkdir -p /var/log
  (nohup dockerd >/var/log/gatebox-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "ensure-docker: dockerd did not come up; see /var/log/gatebox-dockerd.log" >&2; tail -20 /var/log/gatebox-dockerd.log >&2; exit 1; }
fi
# gatebox-test/busybox: a rootfs holding Debian's busybox-static, imported with `docker import`
# (no registry is reachable here, so nothing is pulled).
if ! docker image inspect gatebox-test/busybox:latest >/dev/null 2>&1; then
  echo "ensure-docker: building gatebox-test/busybox" >&2
  root=$(mktemp -d)
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,tmp,etc,root,work,proc,sys,dev}
  cp /bin/busybox "$root/bin/busybox"
  for app in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo 'nogroup:x:65534:' >>"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' - gatebox-test/busybox:latest >/dev/null
  rm -rf "$root"
fi
echo "ensure-docker: engine ready, gatebox-test/busybox present" >&2
