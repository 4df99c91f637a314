#!/usr/bin/env bash
# GetMetadataDelta (changed-block metadata) of a 1 GiB vs a 16 TiB volume with the same
# change, against a local S3 server; writes its section of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cp=$(bench/classpath.sh)

exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED -cp "$cp" \
  -Dbench.n="${BENCH_N:-40}" dev.strata.volume.SnapshotMetadataBench
