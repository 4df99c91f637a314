#!/usr/bin/env bash
# Discard in the local cache (holes punched) vs writing zeros (the previous version) vs the
# kernel loop device's blkdiscard; writes its section of docs/BENCHMARKS.md. Needs root (losetup).
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xmx2g --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.mib="${BENCH_MIB:-1024}" -Dbench.rounds="${BENCH_ROUNDS:-3}" dev.strata.volume.DiscardBench
