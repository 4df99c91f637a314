#!/usr/bin/env bash
# A volume whose bucket hangs beside a volume serving fio, both on ONE ublk ring worker, in the
# QEMU guest (issue 15): fio 4 KiB random read and write at QD32 on the warm volume with its
# neighbour idle vs with the neighbour's pack GETs hung and a reader stuck on one, interleaved
# over one uncounted warm-up round and STRATA_BENCH_ROUNDS (3) counted rounds, medians; goal:
# hung-neighbour IOPS >= 0.8x no-fault IOPS. Writes the "stall" section of docs/BENCHMARKS.md
# (the checkout is shared into the guest). About 10 minutes under TCG.
# Driver: src/test/java/dev/strata/node/StallBench.java.
#   STRATA_BENCH_ROUNDS=3 STRATA_BENCH_SECONDS=5 bench/stall.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -B -q -DskipTests package
# what else ran on the host, for the report: its load average and the other QEMU guests
others=$(( $(pgrep -c qemu-system || true) ))
host="host load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, ${others} other QEMU guest(s) running beside it"
export STRATA_VM_MAIN=dev.strata.node.StallBench
export STRATA_VM_JAVA_OPTS="-Dbench.rounds=${STRATA_BENCH_ROUNDS:-3} -Dbench.seconds=${STRATA_BENCH_SECONDS:-5} -Dbench.host='${host}'"
exec src/test/vm/run-vm-tests.sh
