package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/paramsecrets/paramsecrets/extension/cache"
	"github.com/paramsecrets/paramsecrets/extension/metrics"
	"github.com/paramsecrets/paramsecrets/extension/upstream"
	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// testToken is as long as a Lambda session token (about 1 KB), so the
// benchmark pays what the extension pays in Lambda to check it.
const testToken = "IQoJb3JpZ2luX2VjEPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6ilI8ihN5KXSc7Tvo/hBKqFYY/kv5ZJr3J1TWDtkwtDDb+xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po+799NksnRH9ucAUsdMlHUvTCQCyEZDz/TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1qhT61qtc4xatws8phP9nhFyJfm5di4PzJ59FHz5r1pY4OjE2jBMptUsGr7CmY+uCu3ZR1zTOlUcR64cXQLioDnkHIfxIq2HZt/PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3/YNBDRzrZSgqbjG3uhkWKFLf6xuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP/tKsf2rcDkdfrUnW5gcF+Ha6ili8GjHEAD6/Wj9KfzjsQGMrb9h+ImB+LK777pzNk8cL6j5IXAAjlsHUqJoUD/+Ydua+5ZMs1SWOpQaPRYpzbLGViYXjU2JgJngKtFI3OyV2dZAkg05rK+gqv81RKMGHZEM9YpvujA/C5Q52ryFlwRlOEVHzc0X0AWIRh/JUqBlIFXZ53Ncqe28+ajY75FnCttn6kfaqDeMqG3omjMyXHCabM6JOF8EFd0Nhcy/1kGD2VD/eR1UYzaLiA/zNyD7CHLn/xC+1hsYgBds1ghxY5OokvQyx7eNWVQ4vnakJkS1pAWTN3lg8zV5yPU8d0FZfWe7ihGyiRUIQfHOJMaidDn87XG3/q/xbMtEPO6UkzYuF0ie9Pu2njHkAm1/5wDr16EpLLJIVGHz4FxFEtKyPiYGFDm7ena8D5VfLDpgyyjVw5HanSBeVRsfAGeAbP0VxNjAe/9i0mYtluYI0KN1gNT11cUzYZAa3u2olZU6uqbgsYlVvsSKuvinX+zMqf9OgX"

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// unreachable is an endpoint nothing can listen on: Linux refuses a
// connection to port 0 at once, so, unlike a port found free and closed
// again, no other process can be listening there by the time of the call.
const unreachable = "http://127.0.0.1:0"

// envOptions vary the extension under test.
type envOptions struct {
	noCache        bool
	size           int // default 100
	secretsTTL     time.Duration
	parametersTTL  time.Duration
	staleIfError   time.Duration
	secretsTimeout time.Duration
	flightTimeout  time.Duration
	endpoint       string // default: the localaws server
	quiet          bool   // log at INFO (the default level) instead of DEBUG
	gate           *gate  // holds the answers to one upstream operation
}

// env is one extension server in front of one localaws server, both in process,
// spoken to over real HTTP.
type env struct {
	aws     *localaws.Server
	awsURL  string // localaws's own address, for its admin routes
	sm      *secretsmanager.Client
	ssm     *ssm.Client
	clock   *fakeClock
	cache   *cache.Cache
	srv     *Server
	url     string
	logs    *safebuf.Buffer
	metrics *metrics.Counters
}

// awsConfig is what config.LoadDefaultConfig would give the extension, with the
// standard retryer's backoff shortened so that retried faults do not slow tests.
func awsConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond })
		},
	}
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	la := localaws.NewServer(localaws.Options{})
	var upstreamHandler http.Handler = la
	if o.gate != nil {
		upstreamHandler = o.gate.wrap(la)
	}
	lts := httptest.NewServer(upstreamHandler)
	t.Cleanup(lts.Close)
	if o.endpoint == "" {
		o.endpoint = lts.URL
	}
	if o.size == 0 {
		o.size = 100
	}
	if o.secretsTTL == 0 {
		o.secretsTTL = 5 * time.Minute
	}
	if o.parametersTTL == 0 {
		o.parametersTTL = 5 * time.Minute
	}
	if o.size < 0 {
		o.size = 0
	}
	if o.secretsTTL < 0 {
		o.secretsTTL = 0
	}
	e := &env{aws: la, awsURL: lts.URL, clock: &fakeClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}, logs: &safebuf.Buffer{}, metrics: &metrics.Counters{}}
	cfg := awsConfig(lts.URL)
	e.sm = secretsmanager.NewFromConfig(cfg)
	e.ssm = ssm.NewFromConfig(cfg)
	if !o.noCache {
		e.cache = cache.New(cache.Options{
			Size: o.size, SecretsTTL: o.secretsTTL, ParametersTTL: o.parametersTTL,
			StaleIfError: o.staleIfError, FlightTimeout: o.flightTimeout, Now: e.clock.Now,
		})
	}
	up, err := upstream.New(upstream.Options{MaxConnections: 3, SecretsTimeout: o.secretsTimeout, AWSConfig: awsConfig(o.endpoint)})
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelDebug
	if o.quiet {
		level = slog.LevelInfo
	}
	e.srv = New(Options{
		Token: testToken, Cache: e.cache, Upstream: up, Metrics: e.metrics,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: level})),
	})
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// response is what a client of the extension sees.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return v
}

// get sends GET target with the token.
func (e *env) get(t testing.TB, target string) response {
	t.Helper()
	return e.do(t, http.MethodGet, target, map[string]string{TokenHeader: testToken})
}

func (e *env) do(t testing.TB, method, target string, headers map[string]string) response {
	t.Helper()
	r, err := e.send(context.Background(), method, target, headers)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// getCtx sends GET target with the token under ctx, for a client that gives
// up (cancels) or a request made from another goroutine, which must not call
// t.Fatal.
func (e *env) getCtx(ctx context.Context, target string) (response, error) {
	return e.send(ctx, http.MethodGet, target, map[string]string{TokenHeader: testToken})
}

func (e *env) send(ctx context.Context, method, target string, headers map[string]string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, method, e.url+target, nil)
	if err != nil {
		return response{}, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// seed creates secrets and parameters through localaws's seed.
func (e *env) seed(t testing.TB, sd localaws.Seed) {
	t.Helper()
	if err := e.aws.Seed(sd); err != nil {
		t.Fatal(err)
	}
}

// calls returns how many times the extension (or the test) called op on localaws.
func (e *env) calls(op string) int {
	return e.aws.Stats()[op]
}

// wantStatus fails unless r has the status and, for errors, the code.
func wantStatus(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if code == "" {
		return
	}
	if got := r.header.Get("X-Amzn-ErrorType"); got != code {
		t.Errorf("X-Amzn-ErrorType = %q, want %q", got, code)
	}
	var eb errorBody
	if err := json.Unmarshal(r.body, &eb); err != nil || eb.Type != code || eb.Message == "" {
		t.Errorf("error body %s, want {\"__type\": %q, \"message\": ...}", r.body, code)
	}
}

// wantCache fails unless the response reports the cache result.
func wantCache(t *testing.T, r response, want string) {
	t.Helper()
	if got := r.header.Get("X-Cache"); got != want {
		t.Errorf("X-Cache = %q, want %q", got, want)
	}
}

// marshalJSON renders v as the extension would, for comparison with a body.
func marshalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func secretString(s string) *string { return &s }

// gate holds the answers to one upstream operation. localaws computes each
// answer when the call arrives — so it reflects the data at that moment — and
// the gate delivers it only once the test releases it: a call is made as slow
// as the test needs, at the point the test chooses, without sleeping.
type gate struct {
	op      string        // the X-Amz-Target held
	limit   int           // how many calls to hold; later calls pass straight through
	held    chan struct{} // one value per call answered and now held
	release chan struct{} // closed to deliver every held answer

	mu    sync.Mutex
	calls int
}

// newGate holds the first limit calls of op.
func newGate(op string, limit int) *gate {
	return &gate{op: op, limit: limit, held: make(chan struct{}, limit), release: make(chan struct{})}
}

func (g *gate) take(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != g.op {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	return g.calls <= g.limit
}

func (g *gate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.take(r) {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		g.held <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// waitFor polls cond until it holds. It fails the test only if cond never
// holds in a time far beyond any machine's slowness: the loop waits for a
// condition, it does not measure anything.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting: %s", what)
}

// recv takes one value from ch, failing the test if none ever comes.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("gave up waiting: %s", what)
		var zero T
		return zero
	}
}

// contains reports whether the log holds s (used to prove values never appear).
func contains(logs, s string) bool { return s != "" && strings.Contains(logs, s) }
