#!/usr/bin/env bash
# Runs the tests tagged "vm" (or STRATA_VM_TAGS, e.g. "vm-recovery") inside a QEMU guest whose kernel has ublk_drv (this machine's
# kernel lacks it). One command, rerunnable by hand:   src/test/vm/run-vm-tests.sh
#  - installs qemu, busybox, cpio, xz, kmod, e2fsprogs, xfsprogs, fio from Debian's archive if missing (root)
#  - fetches the newest Debian 6.12 generic kernel package (dpkg -x, never installed) into .vm/
#  - builds a busybox initramfs that shares the host root read-only and this checkout read-write
#    over virtio-9p, loads the modules, chroots into the host root and runs the JUnit platform
#    on the already-built test classpath with --include-tag vm, writing XML into target/vm-reports
#  - exits with the guest's test status (non-zero if any test failed or the guest did not boot)
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$here"
cache="$here/.vm"
mkdir -p "$cache"

need=()
for tool in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static cpio:cpio xz:xz-utils mkfs.ext4:e2fsprogs mkfs.xfs:xfsprogs fio:fio; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "vm: missing ${need[*]}; install them (as root) and rerun" >&2; exit 1; fi
  echo "vm: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

kdir="$cache/kernel"
if [ ! -f "$kdir/vmlinuz" ]; then
  [ "$(id -u)" = 0 ] && apt-get update -qq || true
  pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "vm: no linux-image-6.12.*+deb12-amd64-unsigned in the apt lists (bookworm-security/backports)" >&2; exit 1; }
  echo "vm: fetching $pkg"
  rm -rf "$kdir" "$cache/deb"; mkdir -p "$kdir" "$cache/deb"
  (cd "$cache/deb" && apt-get download "$pkg" >/dev/null)
  dpkg -x "$cache"/deb/*.deb "$cache/deb/root"
  kver=$(ls "$cache/deb/root/lib/modules")
  cp "$cache/deb/root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
  mkdir -p "$kdir/modules"
  for m in netfs 9pnet 9pnet_virtio 9p ublk_drv loop null_blk crc16 mbcache jbd2 crc32c_generic ext4 libcrc32c xfs; do
    f=$(find "$cache/deb/root/lib/modules/$kver" -name "$m.ko.xz" | head -1)
    if [ -z "$f" ]; then
      case $m in ublk_drv|9p|9pnet_virtio|ext4) echo "vm: module $m not in $pkg" >&2; exit 1;; esac
      continue  # built into this kernel
    fi
    xz -dc "$f" > "$kdir/modules/$m.ko"
  done
  echo "$kver" > "$kdir/version"
  rm -rf "$cache/deb"
fi

# The test classpath, built on the host (the guest is 8-12x slower at JVM work).
./mvnw -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
  -Dmdep.includeScope=test >/dev/null
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -DincludeScope=runtime >/dev/null
console=$( (find "$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone" -name '*.jar' 2>/dev/null || true) | sort -V | tail -1)
if [ -z "$console" ]; then
  ./mvnw -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4 >/dev/null
  console=$(find "$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone" -name '*.jar' | sort -V | tail -1)
fi
rm -rf target/vm-reports; mkdir -p target/vm-reports
java_home=/usr/lib/jvm/temurin-25-jdk-amd64
if [ -n "${STRATA_VM_MAIN:-}" ]; then
  # run a main class (a benchmark) instead of the tests
  cat > target/vm-run.sh <<GUEST
#!/bin/sh
cd "$here"
exec $java_home/bin/java --enable-native-access=ALL-UNNAMED -Xmx1g ${STRATA_VM_JAVA_OPTS:-} \
  -cp "target/test-classes:target/classes:\$(cat target/test-classpath.txt)" "$STRATA_VM_MAIN"
GUEST
else
# STRATA_VM_SELECT=Class#method (or Class) runs just that; otherwise the tests tagged STRATA_VM_TAGS
if [ -n "${STRATA_VM_SELECT:-}" ]; then
  case "$STRATA_VM_SELECT" in
    *'#'*) select="--select-method 'dev.strata.${STRATA_VM_SELECT}'" ;;
    *) select="--select-class 'dev.strata.${STRATA_VM_SELECT}'" ;;
  esac
else
  select="--scan-class-path target/test-classes --include-tag '${STRATA_VM_TAGS:-vm}'"
fi
cat > target/vm-run.sh <<GUEST
#!/bin/sh
cd "$here"
exec $java_home/bin/java --enable-native-access=ALL-UNNAMED -Xmx1g -jar "$console" execute \
  --class-path "target/test-classes:target/classes:\$(cat target/test-classpath.txt)" \
  $select --reports-dir target/vm-reports \
  --details=tree --disable-banner --fail-if-no-tests
GUEST
fi
chmod +x target/vm-run.sh

# initramfs: busybox + modules + an init that mounts the shares, chroots and runs the tests.
init="$cache/initramfs"
rm -rf "$init"; mkdir -p "$init"/{bin,dev,proc,sys,mnt/root,modules}
cp "$(command -v busybox)" "$init/bin/busybox"
cp "$kdir"/modules/*.ko "$init/modules/"
cat > "$init/init" <<INIT
#!/bin/busybox sh
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in netfs 9pnet 9pnet_virtio 9p ublk_drv loop crc16 mbcache jbd2 crc32c_generic ext4 libcrc32c xfs; do [ -f /modules/\$m.ko ] && { insmod /modules/\$m.ko || echo "insmod \$m failed"; }; done
insmod /modules/null_blk.ko nr_devices=1 || true
mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,ro hostroot /mnt/root
mount -t tmpfs tmpfs /mnt/root/tmp
mount -t tmpfs tmpfs /mnt/root/run
mount -t proc proc /mnt/root/proc; mount -t sysfs sys /mnt/root/sys; mount -t devtmpfs dev /mnt/root/dev
mkdir -p /mnt/root/dev/pts /mnt/root/dev/shm; mount -t devpts devpts /mnt/root/dev/pts; mount -t tmpfs tmpfs /mnt/root/dev/shm
# a checkout under /tmp or /run sits on the guest's fresh tmpfs: make its mount point there
mkdir -p /mnt/root$here 2>/dev/null || true
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 checkout /mnt/root$here
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
hostname strata-vm
chroot /mnt/root /bin/sh -c "export HOME=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin; $here/target/vm-run.sh"
echo "STRATA-VM-EXIT=\$?"
poweroff -f
INIT
chmod +x "$init/init"
(cd "$init" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$cache/initramfs.gz")

# One vCPU: with several TCG vCPUs, the JVM's JIT-compiled code crashed now and then (code
# patched on one vCPU while another runs it); a single vCPU has been stable.
cpu=${STRATA_VM_CPU:-max}
smp=${STRATA_VM_SMP:-1}
echo "vm: booting $(cat "$kdir/version") under qemu (tcg)"
log="target/vm-console.log"
timeout "${STRATA_VM_TIMEOUT:-3000}" qemu-system-x86_64 -accel tcg -M q35 -cpu "$cpu" -m "${STRATA_VM_MEM:-4G}" -smp "$smp" \
  -nodefaults -display none -serial stdio -no-reboot \
  -kernel "$kdir/vmlinuz" -initrd "$cache/initramfs.gz" -append "console=ttyS0 panic=-1 quiet" \
  -fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev local,id=checkout,path="$here",security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=checkout,mount_tag=checkout < /dev/null | tee "$log" || true
status=$(sed -n 's/.*STRATA-VM-EXIT=\([0-9]*\).*/\1/p' "$log" | tail -1)
if [ -z "$status" ]; then echo "vm: the guest did not report a result (see $log)" >&2; exit 1; fi
echo "vm: guest tests exited with $status (reports in target/vm-reports)"
exit "$status"
