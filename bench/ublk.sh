#!/usr/bin/env bash
# Block devices in the QEMU guest (issue 15): the engine-backed device (bin/strata serve +
# strata attach, embedded store on the guest's tmpfs), Strata's file target and the kernel loop
# device, fio jobs interleaved over one uncounted warm-up round and STRATA_BENCH_ROUNDS (3)
# counted rounds, server CPU per I/O; then the first round of a fresh server with and without a
# JVM AOT cache. Writes the "ublk" section of docs/BENCHMARKS.md (the checkout is shared into the
# guest). About 25 minutes under TCG. Driver: src/test/java/dev/strata/cli/DeviceBench.java.
#   STRATA_BENCH_ROUNDS=3 STRATA_BENCH_SECONDS=5 STRATA_BENCH_AOT=true bench/ublk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
# the jar bin/strata runs in the guest: built here (the guest must never build)
./mvnw -B -q -DskipTests package
export STRATA_VM_MAIN=dev.strata.cli.DeviceBench
export STRATA_VM_MEM=${STRATA_VM_MEM:-14G}  # the guest tmpfs (half of it) holds the three 256 MiB devices and the embedded bucket, which grows by every upload (about 0.5 GiB a round): at 6G it ran short in round 4 and the engine evicted its cache
export STRATA_VM_JAVA_OPTS="-Dbench.rounds=${STRATA_BENCH_ROUNDS:-3} -Dbench.seconds=${STRATA_BENCH_SECONDS:-5} -Dbench.aot=${STRATA_BENCH_AOT:-true}"
exec src/test/vm/run-vm-tests.sh
