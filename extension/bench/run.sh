#!/usr/bin/env bash
# Benchmarks for the extension (`make bench` runs this). Not timed tests: it
# measures and prints, and never fails because the machine was slow.
#
#   1. builds dist/extensions/paramsecrets exactly as `make extension` does;
#   2. runs extension/bench/loadgen: cache-hit throughput against a minimal
#      net/http server returning the same bytes, p50/p99 at concurrency 1 and
#      64, exec-to-healthy time, RSS idle and after 1,000 distinct 4 KB secrets
#      (localaws in-process as the upstream, loopback only);
#   3. runs the Go micro-benchmarks (allocations per cache-hit request, etc.).
#
# Knobs: BENCH_DURATION (per load round, default 1s), BENCH_ROUNDS (5), BENCH_CONCURRENCY (64),
# BENCHTIME (go test -benchtime, default 1s).
set -euo pipefail
cd "$(dirname "$0")/../.."

GO=${GO:-go}
DIST=${DIST:-dist}
mkdir -p "$DIST/extensions" "$DIST/bench"

CGO_ENABLED=0 "$GO" build -trimpath -ldflags='-s -w' -tags lambda.norpc -o "$DIST/extensions/paramsecrets" ./extension
"$GO" build -trimpath -o "$DIST/bench/loadgen" ./extension/bench/loadgen

echo "== load: dist/extensions/paramsecrets vs net/http baseline"
"$DIST/bench/loadgen" -ext "$DIST/extensions/paramsecrets" \
  -duration "${BENCH_DURATION:-1s}" -rounds "${BENCH_ROUNDS:-5}" -c "${BENCH_CONCURRENCY:-64}"

echo "== go test -bench (allocations per request)"
"$GO" test -run='^$' -bench=. -benchmem -benchtime="${BENCHTIME:-1s}" ./extension/...
