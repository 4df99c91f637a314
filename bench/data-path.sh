#!/usr/bin/env bash
# Upload throughput, cold fork reads and snapshot-cut latency vs their baselines (same run);
# writes its section of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xmx6g --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.mib="${BENCH_MIB:-256}" dev.strata.volume.DataPathBench
