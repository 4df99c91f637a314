#!/usr/bin/env bash
# Volume group snapshot of 4 volumes (2 node identities) with dirty data on each: how long
# each volume's writes are held off; writes its section of docs/BENCHMARKS.md.
# BENCH_DIRTY_MIB (default 256; the issue's case is 1024) and BENCH_ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)

exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED -Xmx6g -cp "$cp" \
  -Dbench.dirtyMiB="${BENCH_DIRTY_MIB:-256}" -Dbench.rounds="${BENCH_ROUNDS:-3}" dev.strata.volume.GroupSnapshotBench
