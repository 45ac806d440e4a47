package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

type tableInput struct {
	regs                   startTimes // programs: minimal, front, alone
	conc, rounds           int
	dur                    time.Duration
	ratio, ratio1          float64
	body                   int
	ext, base, ext1, base1 result
	startTimes             []time.Duration
	rssIdle, baseRSS       memory
	rssFull                int64
	nSecrets, size         int
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
func mb(b int64) string         { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// printTable prints the figures with the goals they are read against; it
// judges nothing (the machine is shared, so figures vary from run to run).
func printTable(in tableInput) {
	const minimal, front, alone = 0, 1, 2
	median := in.startTimes[len(in.startTimes)/2]
	fmt.Printf("\nparamsecrets benchmark — %s, %d CPU, %s/%s, loopback, %d-byte cache-hit body,\n"+
		"%d rounds of exec → register (each program once a round; medians shown, ratio = median of the per-round ratios),\n"+
		"%d alternating rounds of %s per server and concurrency for throughput (median round shown)\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, in.body,
		len(in.regs.rounds), in.rounds, in.dur)
	rows := [][]string{
		{"measure", "paramsecrets", "baseline", "ratio (goal)"},
		{"exec → register: the layer (front, then exec of the extension) vs a minimal Go extension (bind + register)",
			ms(in.regs.median(front, false)), ms(in.regs.median(minimal, false)),
			fmt.Sprintf("%.2f (≤ 1.3)", in.regs.ratio(front, minimal))},
		{"exec → register: the extension on its own vs the minimal extension",
			ms(in.regs.median(alone, false)), ms(in.regs.median(minimal, false)),
			fmt.Sprintf("%.2f", in.regs.ratio(alone, minimal))},
		{"exec → first /event/next (registered and serving): the layer vs the minimal extension",
			ms(in.regs.median(front, true)), ms(in.regs.median(minimal, true)), ""},
		{"RSS idle vs the bare net/http server", mb(in.rssIdle.rss), mb(in.baseRSS.rss),
			fmt.Sprintf("%.2f (≤ 1.25)", float64(in.rssIdle.rss)/float64(in.baseRSS.rss))},
		{"… of which anonymous (heap, stacks) / file-backed (code, read-only data)",
			mb(in.rssIdle.anon) + " / " + mb(in.rssIdle.file), mb(in.baseRSS.anon) + " / " + mb(in.baseRSS.file), ""},
		{fmt.Sprintf("cache-hit throughput, c=%d, vs the bare server", in.conc), fmt.Sprintf("%.0f req/s", in.ext.rps()), fmt.Sprintf("%.0f req/s", in.base.rps()),
			fmt.Sprintf("%.2f (≥ 0.85)", in.ratio)},
		{"cache-hit throughput, c=1, vs the bare server", fmt.Sprintf("%.0f req/s", in.ext1.rps()), fmt.Sprintf("%.0f req/s", in.base1.rps()),
			fmt.Sprintf("%.2f", in.ratio1)},
		{"latency p50 / p99, c=1", ms(in.ext1.percentile(50)) + " / " + ms(in.ext1.percentile(99)),
			ms(in.base1.percentile(50)) + " / " + ms(in.base1.percentile(99)), ""},
		{fmt.Sprintf("latency p50 / p99, c=%d", in.conc), ms(in.ext.percentile(50)) + " / " + ms(in.ext.percentile(99)),
			ms(in.base.percentile(50)) + " / " + ms(in.base.percentile(99)), ""},
		{fmt.Sprintf("exec → /ping healthy, standalone (median of %d; min–max)", len(in.startTimes)),
			fmt.Sprintf("%s (%s–%s)", ms(median), ms(in.startTimes[0]), ms(in.startTimes[len(in.startTimes)-1])), "", "(≤ 20 ms)"},
		{fmt.Sprintf("RSS after caching %d × %d B secrets", in.nSecrets, in.size), mb(in.rssFull), "", "(≤ 40 MB)"},
	}
	for i, r := range rows {
		fmt.Println("| " + strings.Join(r, " | ") + " |")
		if i == 0 {
			fmt.Println("|---|---|---|---|")
		}
	}
	fmt.Println()
}
