#!/usr/bin/env bash
# JMH: cache-hit 4 KiB read/write of an attached volume vs FileChannel; writes its section of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED -cp "$cp" dev.strata.volume.CacheLatencyBench
