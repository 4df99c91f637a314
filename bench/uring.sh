#!/usr/bin/env bash
# Worker-pool idle CPU (and a spinning configuration for contrast), NOP round trips, and 4 KiB
# random reads: io_uring vs FileChannel in one run; writes its section of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.idle="${BENCH_IDLE_SECONDS:-10}" dev.strata.uring.UringBench
