#!/usr/bin/env bash
# Benchmarks for the extension (`make bench` runs this). Not timed tests: it
# measures and prints, and never fails because the machine was slow.
#
#   1. builds, as `make extension` builds them (static, stripped), the layer's
#      two programs — the front (extensions/paramsecrets) and the extension it
#      execs (paramsecrets/extension) — and a minimal Go extension that only
#      binds and registers, the yardstick for start-up;
#   2. runs extension/bench/loadgen: exec-to-register of the layer and of the
#      extension on its own against the minimal extension; cache-hit
#      throughput against a minimal net/http server returning the same bytes,
#      p50/p99 at concurrency 1 and 64, exec-to-healthy time, RSS idle and
#      after 1,000 distinct 4 KB secrets (localaws and a fake Extensions API
#      in-process, loopback only);
#   3. runs the Go micro-benchmarks (allocations per cache-hit request, etc.).
#
# Knobs: BENCH_DURATION (per load round, default 1s), BENCH_ROUNDS (5),
# BENCH_CONCURRENCY (64), BENCH_REGISTERS (exec-to-register rounds, 21),
# BENCHTIME (go test -benchtime, default 1s).
set -euo pipefail
cd "$(dirname "$0")/../.."

GO=${GO:-go}
DIST=${DIST:-dist}
LAYER="$DIST/bench/layer"
mkdir -p "$LAYER/extensions" "$LAYER/paramsecrets" "$DIST/bench"

BUILD=(env CGO_ENABLED=0 "$GO" build -trimpath -ldflags='-s -w' -tags lambda.norpc)
"${BUILD[@]}" -o "$LAYER/extensions/paramsecrets" ./extension/front
"${BUILD[@]}" -o "$LAYER/paramsecrets/extension" ./extension
"${BUILD[@]}" -o "$DIST/bench/minimal" ./extension/bench/minimal
"$GO" build -trimpath -o "$DIST/bench/loadgen" ./extension/bench/loadgen
ls -l "$LAYER/extensions/paramsecrets" "$LAYER/paramsecrets/extension" "$DIST/bench/minimal" |
  awk '{print "built " $9 " " $5 " bytes"}'

echo "== load: the layer vs a minimal extension and a net/http baseline"
"$DIST/bench/loadgen" -front "$LAYER/extensions/paramsecrets" -ext "$LAYER/paramsecrets/extension" \
  -minimal "$DIST/bench/minimal" -registers "${BENCH_REGISTERS:-21}" \
  -duration "${BENCH_DURATION:-1s}" -rounds "${BENCH_ROUNDS:-5}" -c "${BENCH_CONCURRENCY:-64}"

echo "== go test -bench (allocations per request)"
"$GO" test -run='^$' -bench=. -benchmem -benchtime="${BENCHTIME:-1s}" ./extension/...
