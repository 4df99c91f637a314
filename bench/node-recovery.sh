#!/usr/bin/env bash
# Boot recovery time and store requests with 3 local volumes over buckets of 3, 1,003 and
# 10,003 volumes; writes its section of docs/BENCHMARKS.md. Needs root (loop devices).
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.n="${BENCH_N:-5}" dev.strata.node.NodeRecoveryBench
