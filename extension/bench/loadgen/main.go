// Command loadgen benchmarks the extension over loopback, as the layer runs it
// (the front, which execs the extension): time from exec to register against
// a minimal Go extension that only binds and registers, cache-hit throughput
// against a minimal net/http server that returns the same bytes, p50/p99
// latency of a cache hit at concurrency 1 and 64, time from exec to a healthy
// /ping, and resident memory idle and after caching many secrets. It starts
// localaws and a fake Extensions API in-process and prints a Markdown table.
//
// extension/bench/run.sh builds the binaries and runs it; every run is bounded
// (a few seconds each) and uses loopback only.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/localaws"
)

const token = "bench-token"

func main() {
	front := flag.String("front", "dist/bench/layer/extensions/paramsecrets", "the layer's front (it execs ../paramsecrets/extension)")
	ext := flag.String("ext", "dist/bench/layer/paramsecrets/extension", "the extension itself, run on its own for comparison")
	minimal := flag.String("minimal", "dist/bench/minimal", "a minimal Go extension: bind and register only")
	registers := flag.Int("registers", 21, "rounds of exec-to-register timing (each program once per round)")
	dur := flag.Duration("duration", time.Second, "length of each load round")
	rounds := flag.Int("rounds", 5, "load rounds per server, alternating")
	conc := flag.Int("c", 64, "concurrency of the throughput run")
	nSecrets := flag.Int("secrets", 1000, "distinct secrets cached for the memory figure")
	size := flag.Int("size", 4096, "bytes per secret for the memory figure")
	starts := flag.Int("starts", 5, "process starts timed for exec-to-healthy")
	baselineAddr := flag.String("serve-baseline", "", "internal: serve the baseline on this address")
	bodyFile := flag.String("body", "", "internal: the baseline's response body")
	flag.Parse()

	if *baselineAddr != "" {
		if err := serveBaseline(*baselineAddr, *bodyFile); err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		return
	}
	progs := programs{front: *front, ext: *ext, minimal: *minimal}
	if err := run(progs, *dur, *rounds, *conc, *nSecrets, *size, *starts, *registers); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// programs are the binaries measured.
type programs struct{ front, ext, minimal string }

func run(progs programs, dur time.Duration, rounds, conc, nSecrets, size, starts, registers int) error {
	ext := progs.front // what the layer starts
	// localaws in-process: cache hits never reach it, so it does not compete
	// with the measured servers during the throughput runs.
	la := localaws.NewServer(localaws.Options{})
	hit := `{"username":"app","password":"Zx8#kP2vQ9!mL4rT","engine":"postgres","host":"db.internal","port":5432,"dbname":"app"}`
	if err := la.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{Name: "bench/hit", SecretString: &hit}}}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	upstream := &http.Server{Handler: la}
	go upstream.Serve(ln)
	defer upstream.Shutdown(context.Background())
	endpoint := "http://" + ln.Addr().String()

	extEnv := func(addr string) []string {
		_, port, _ := net.SplitHostPort(addr)
		env := []string{"HOME=" + os.TempDir(), "AWS_ENDPOINT_URL=" + endpoint, "AWS_SESSION_TOKEN=" + token,
			"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + port, "PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL=WARN"}
		// Go runtime knobs pass through, to see how the extension responds to them.
		for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"} {
			if v, ok := os.LookupEnv(k); ok {
				env = append(env, k+"="+v)
			}
		}
		return env
	}

	// Exec to register, under a fake Extensions API: the minimal extension,
	// ours through the front, and ours on its own, in turn each round.
	api, err := newExtensionsAPI()
	if err != nil {
		return err
	}
	defer api.close()
	regEnv := func() ([]string, error) {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		return append(extEnv(addr), "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench"), nil
	}
	regs, err := compareStarts(api, []string{"minimal", "front", "alone"},
		[][]string{{progs.minimal}, {progs.front}, {progs.ext}}, regEnv, registers)
	if err != nil {
		return err
	}

	// Exec to healthy: several cold starts, median reported.
	var startTimes []time.Duration
	for range starts {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		p, d, err := startProcess([]string{ext}, extEnv(addr), addr)
		if err != nil {
			return err
		}
		p.stop()
		startTimes = append(startTimes, d)
	}
	slices.Sort(startTimes)

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	e, _, err := startProcess([]string{ext}, extEnv(addr), addr)
	if err != nil {
		return err
	}
	defer e.stop()
	time.Sleep(300 * time.Millisecond)
	rssIdle, err := e.rss()
	if err != nil {
		return err
	}

	const hitPath = "/secretsmanager/get?secretId=bench/hit"
	hitReq := request(addr, hitPath, token)
	status, body, err := fetch(addr, hitPath, token) // the miss that fills the cache
	if err != nil || status != 200 {
		return fmt.Errorf("first read of bench/hit: status %d: %v", status, err)
	}

	// The baseline answers with the same body, from its own process.
	dir, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bf := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bf, body, 0o600); err != nil {
		return err
	}
	baddr, err := freeAddr()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b, _, err := startProcess([]string{self, "-serve-baseline", baddr, "-body", bf}, []string{"HOME=" + os.TempDir()}, baddr)
	if err != nil {
		return err
	}
	defer b.stop()
	baseReq := request(baddr, hitPath, token)
	baseRSS, _ := b.rss()

	// Throughput and latency: alternate the two servers in short rounds, so a
	// burst of unrelated load on the machine falls on both alike. Throughput
	// is the median round; the ratio is the median of the per-round ratios;
	// percentiles are over every request of every round.
	ext64, base64, ratio64, err := compare(addr, hitReq, baddr, baseReq, conc, dur, rounds)
	if err != nil {
		return err
	}
	ext1, base1, ratio1, err := compare(addr, hitReq, baddr, baseReq, 1, dur, rounds)
	if err != nil {
		return err
	}

	// Memory after caching nSecrets distinct secrets of size bytes each.
	if err := seedMany(la, nSecrets, size); err != nil {
		return err
	}
	if err := readMany(addr, nSecrets); err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond)
	full, err := e.rss()
	if err != nil {
		return err
	}

	printTable(tableInput{
		regs: regs,
		conc: conc, dur: dur, rounds: rounds, body: len(body), ext: ext64, base: base64, ext1: ext1, base1: base1,
		ratio: ratio64, ratio1: ratio1,
		startTimes: startTimes, rssIdle: rssIdle, rssFull: full.rss, baseRSS: baseRSS, nSecrets: nSecrets, size: size,
	})
	return nil
}

func seedMany(la *localaws.Server, n, size int) error {
	secrets := make([]localaws.SeedSecret, n)
	for i := range secrets {
		v := strings.Repeat(string(rune('a'+i%26)), size)
		secrets[i] = localaws.SeedSecret{Name: fmt.Sprintf("bench/many/%04d", i), SecretString: &v}
	}
	return la.Seed(localaws.Seed{Secrets: secrets})
}

// readMany reads every seeded secret through the extension (filling its cache),
// eight at a time, then checks one is answered from the cache.
func readMany(addr string, n int) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			status, _, err := fetch(addr, fmt.Sprintf("/secretsmanager/get?secretId=bench/many/%04d", i), token)
			if err == nil && status != 200 {
				err = fmt.Errorf("bench/many/%04d: status %d", i, status)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}

// compare runs rounds alternating between the extension and the baseline at
// concurrency conc. It returns the median round of each (with every round's
// latencies merged into it) and the median of the per-round throughput ratios.
func compare(addr string, req []byte, baddr string, breq []byte, conc int, d time.Duration, rounds int) (ext, base result, ratio float64, err error) {
	var exts, bases []result
	var ratios []float64
	var extLat, baseLat []time.Duration
	for range rounds {
		e, err := load(addr, req, conc, d)
		if err != nil {
			return ext, base, 0, fmt.Errorf("load extension: %w", err)
		}
		if e.errors > 0 {
			return ext, base, 0, fmt.Errorf("extension answered %d non-200 responses", e.errors)
		}
		b, err := load(baddr, breq, conc, d)
		if err != nil {
			return ext, base, 0, fmt.Errorf("load baseline: %w", err)
		}
		exts, bases = append(exts, e), append(bases, b)
		ratios = append(ratios, e.rps()/b.rps())
		extLat, baseLat = append(extLat, e.latencies...), append(baseLat, b.latencies...)
	}
	byRPS := func(a, b result) int { return cmp.Compare(a.rps(), b.rps()) }
	slices.SortFunc(exts, byRPS)
	slices.SortFunc(bases, byRPS)
	slices.Sort(ratios)
	ext, base = exts[len(exts)/2], bases[len(bases)/2]
	ext.latencies, base.latencies = extLat, baseLat
	return ext, base, ratios[len(ratios)/2], nil
}
