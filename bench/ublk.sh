#!/usr/bin/env bash
# ublk (Strata's file-backed target) vs the kernel loop device, fio in the QEMU guest;
# writes its section of docs/BENCHMARKS.md (the checkout is shared into the guest).
set -euo pipefail
cd "$(dirname "$0")/.."
STRATA_VM_MAIN=dev.strata.ublk.UblkBench exec src/test/vm/run-vm-tests.sh
