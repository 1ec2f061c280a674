# The VM's kernel and initramfs, kept in a cache outside the repo (sourced by run.sh).
#   vm_cache_prepare   sets VM_KROOT (unpacked, depmod'ed kernel package), VM_KVER,
#                      VM_VMLINUZ and VM_INITRD, building what is missing or outdated.
# Layout of $VM_CACHE (default /var/cache/coati-vm):
#   lock                       flock'ed while the cache is checked or filled
#   kernel/<package>_<version>/  dpkg -x of Debian's kernel package, plus depmod output
#   initrd/<key>.cpio.gz       busybox + /init + the 9p/virtio modules; key = hash of them
#   runs/<id>/                 one folder per running VM (see run.sh)
VM_CACHE=${COATI_VM_CACHE:-/var/cache/coati-vm}
VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Modules the initramfs inserts itself, before the host root is mounted (the rest
# are loaded from the cache with the host's modprobe once the root is there).
VM_INITRD_MODULES=(virtio_pci 9pnet_virtio 9p virtio_rng)

vm_log() { echo "vm: $*" >&2; }

# The kernel package Debian's metapackage names, and its version: "PACKAGE VERSION".
vm_kernel_candidate() {
  local pkg ver
  pkg=${COATI_VM_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')}
  [ -n "$pkg" ] || return 1
  ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }')
  [ -n "$ver" ] || return 1
  echo "$pkg $ver"
}

# Unpacks PACKAGE=VERSION into kernel/PACKAGE_VERSION (called with the lock held).
vm_fetch_kernel() {
  local pkg=$1 ver=$2 dest=$3 tmp kver
  tmp=$(mktemp -d "$VM_CACHE/kernel/.fetch.XXXXXX")
  vm_log "fetching $pkg $ver into $dest"
  if ! (cd "$tmp" && apt-get download -q "$pkg=$ver" >download.log 2>&1); then
    cat "$tmp/download.log" >&2
    rm -rf "$tmp"
    return 1
  fi
  mkdir "$tmp/root"
  dpkg -x "$tmp"/*.deb "$tmp/root"
  kver=$(basename "$(ls -d "$tmp"/root/lib/modules/*/ | head -n 1)")
  depmod -b "$tmp/root" "$kver"
  rm -rf "$tmp"/*.deb "$tmp/download.log" "$tmp/root/usr/share"
  echo "$kver" >"$tmp/root/kver"
  mv "$tmp/root" "$dest"
  rm -rf "$tmp"
}

# Picks the kernel: Debian's current one (fetched if new), else the newest cached one.
vm_pick_kernel() {
  local cand pkg ver dest
  if ! cand=$(vm_kernel_candidate); then
    vm_log "apt-cache knows no kernel package; running apt-get update"
    apt-get update -q >/dev/null 2>&1 || true
    cand=$(vm_kernel_candidate) || cand=""
  fi
  if [ -n "$cand" ]; then
    read -r pkg ver <<<"$cand"
    dest=$VM_CACHE/kernel/${pkg}_$ver
    [ -f "$dest/kver" ] || vm_fetch_kernel "$pkg" "$ver" "$dest" || dest=""
  fi
  if [ -z "${dest:-}" ] || [ ! -f "$dest/kver" ]; then
    dest=$(ls -d "$VM_CACHE"/kernel/linux-image-*/ 2>/dev/null | sort -V | tail -n 1)
    dest=${dest%/}
    [ -n "$dest" ] && [ -f "$dest/kver" ] || { vm_log "no kernel package available"; return 1; }
    vm_log "using the cached $(basename "$dest")"
  fi
  VM_KROOT=$dest
  VM_KVER=$(cat "$dest/kver")
  VM_VMLINUZ=$dest/boot/vmlinuz-$VM_KVER
  touch "$dest/kver" # last use, for pruning
}

# Module files for the initramfs, in insertion order, without repeats.
vm_initrd_module_files() {
  local m
  for m in "${VM_INITRD_MODULES[@]}"; do
    modprobe -d "$VM_KROOT" -S "$VM_KVER" --show-depends "$m"
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Builds (or finds) the initramfs for the current kernel, busybox and init script.
vm_build_initrd() {
  local busybox mods key tmp f
  busybox=$(command -v busybox) || { vm_log "busybox (busybox-static) missing"; return 1; }
  mods=$(vm_initrd_module_files)
  key=$({
    sha256sum "$busybox" "$VM_HERE/init"
    echo "$VM_KROOT $VM_KVER"
    echo "$mods"
  } | sha256sum | cut -c1-16)
  VM_INITRD=$VM_CACHE/initrd/$key.cpio.gz
  [ -f "$VM_INITRD" ] && return 0
  vm_log "building initramfs $key"
  tmp=$(mktemp -d "$VM_CACHE/initrd/.build.XXXXXX")
  mkdir -p "$tmp/root/bin" "$tmp/root/modules"
  cp "$busybox" "$tmp/root/bin/busybox"
  cp "$VM_HERE/init" "$tmp/root/init"
  chmod 755 "$tmp/root/init"
  for f in $mods; do
    cp "$f" "$tmp/root/modules/"
    basename "$f" >>"$tmp/root/modules/order"
  done
  (cd "$tmp/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$tmp/initrd"
  mv "$tmp/initrd" "$VM_INITRD"
  rm -rf "$tmp"
}

# Drops kernels and initramfs images unused for a week, and half-done fetches.
vm_prune_cache() {
  find "$VM_CACHE/kernel" -mindepth 1 -maxdepth 1 -name '.fetch.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  find "$VM_CACHE/initrd" -mindepth 1 -maxdepth 1 -name '.build.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  local d
  for d in "$VM_CACHE"/kernel/linux-image-*/; do
    [ -d "$d" ] && [ "${d%/}" != "$VM_KROOT" ] || continue
    [ -n "$(find "$d/kver" -mtime +7 2>/dev/null)" ] && rm -rf "$d"
  done
  find "$VM_CACHE/initrd" -maxdepth 1 -name '*.cpio.gz' -mtime +7 -delete 2>/dev/null || true
}

vm_cache_prepare() {
  mkdir -p "$VM_CACHE/kernel" "$VM_CACHE/initrd" "$VM_CACHE/runs"
  local fd
  exec {fd}>"$VM_CACHE/lock"
  flock "$fd"
  local rc=0
  vm_pick_kernel && vm_build_initrd && vm_prune_cache || rc=1
  touch "${VM_INITRD:-/dev/null}" 2>/dev/null || true
  exec {fd}>&-
  return $rc
}
