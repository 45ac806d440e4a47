package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// result is one load run: how many requests completed and how long each took.
type result struct {
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// percentile returns the p-th percentile (0 < p ≤ 100) of the latencies.
func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// request builds a keep-alive HTTP/1.1 GET, written verbatim on every call.
func request(addr, path, token string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", path, addr)
	if token != "" {
		fmt.Fprintf(&b, "X-Aws-Parameters-Secrets-Token: %s\r\n", token)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// load sends req over conc persistent connections for d. Each worker writes a
// request and reads the response before the next, like a function calling the
// extension. Raw connections keep the client's own cost low (as wrk does), so
// the server, not the generator, is what is measured.
func load(addr string, req []byte, conc int, d time.Duration) (result, error) {
	type worker struct {
		n, errs int
		lat     []time.Duration
		err     error
	}
	workers := make([]worker, conc)
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for i := range workers {
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				w.err = err
				return
			}
			defer conn.Close()
			br := bufio.NewReaderSize(conn, 64<<10)
			w.lat = make([]time.Duration, 0, 1<<16)
			for {
				t0 := time.Now()
				if t0.After(stop) {
					return
				}
				if _, err := conn.Write(req); err != nil {
					w.err = err
					return
				}
				status, err := readResponse(br)
				if err != nil {
					w.err = err
					return
				}
				w.lat = append(w.lat, time.Since(t0))
				w.n++
				if status != 200 {
					w.errs++
				}
			}
		}(&workers[i])
	}
	wg.Wait()
	r := result{elapsed: time.Since(start)}
	for _, w := range workers {
		if w.err != nil {
			return r, w.err
		}
		r.requests += w.n
		r.errors += w.errs
		r.latencies = append(r.latencies, w.lat...)
	}
	return r, nil
}

// readResponse reads one response with a Content-Length body and returns its
// status code. It is all this benchmark needs, not a general HTTP parser.
func readResponse(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if len(h) > 16 && bytes.EqualFold(h[:15], []byte("Content-Length:")) {
			length, err = strconv.Atoi(string(bytes.TrimSpace(h[15:])))
			if err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", h)
			}
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("response without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}

// fetchClient is for the few requests outside the timed loops (health polls,
// filling the cache); net/http handles chunked bodies there.
var fetchClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// fetch does one GET on a fresh connection and returns status and body.
func fetch(addr, path, token string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("X-Aws-Parameters-Secrets-Token", token)
	}
	resp, err := fetchClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
