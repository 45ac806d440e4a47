// Package metrics counts what the extension's cache and upstream calls do and
// renders the totals as one CloudWatch Embedded Metric Format (EMF) log line.
//
// The extension writes that line to stdout at SHUTDOWN; Lambda forwards stdout to
// CloudWatch Logs, which extracts the metrics without any API call (and so without
// network access or extra permissions at shutdown). Format:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
package metrics

import (
	"encoding/json"
	"sync/atomic"
	"time"
)

// Namespace is the CloudWatch namespace the extension publishes its metrics under.
const Namespace = "ParametersSecretsExtension"

// Metric names as they appear in the EMF line and in CloudWatch.
const (
	NameCacheHits         = "CacheHits"
	NameCacheMisses       = "CacheMisses"
	NameCacheStale        = "CacheStaleServed"
	NameErrors            = "Errors"
	NameUpstreamCalls     = "UpstreamCalls"
	NameUpstreamLatencyMs = "UpstreamLatencyAvgMs"
	NameUpstreamMaxMs     = "UpstreamLatencyMaxMs"
)

// Counters are the extension's running totals. The zero value is ready to use and
// every method is safe for concurrent use: the HTTP server increments them from
// many request goroutines, and atomics keep the hot path (a cache hit) free of locks.
// A nil *Counters is also valid and counts nothing, so tests and callers that do
// not care about metrics can pass nil.
type Counters struct {
	hits          atomic.Int64
	misses        atomic.Int64
	stale         atomic.Int64
	errors        atomic.Int64
	upstreamCalls atomic.Int64
	upstreamNanos atomic.Int64
	upstreamMax   atomic.Int64
}

// Hit records a request answered from a fresh cache entry.
func (c *Counters) Hit() {
	if c != nil {
		c.hits.Add(1)
	}
}

// Miss records a request that found no fresh entry (or asked for refreshNow, or
// has no cache) and so waited on the upstream, whatever the upstream then did:
// a request that failed is a miss too (and an Error).
func (c *Counters) Miss() {
	if c != nil {
		c.misses.Add(1)
	}
}

// Stale records a request answered from an expired entry because the upstream
// failed with a transient error (the STALE_IF_ERROR window).
func (c *Counters) Stale() {
	if c != nil {
		c.stale.Add(1)
	}
}

// Error records a request that ended in an error response, whether refused
// before it reached the cache (bad query, wrong token) or failed upstream.
func (c *Counters) Error() {
	if c != nil {
		c.errors.Add(1)
	}
}

// Upstream records one call to Secrets Manager or SSM (every page and retry of
// one operation, as one call; the prefetch's included) and how long it took.
func (c *Counters) Upstream(d time.Duration) {
	if c == nil {
		return
	}
	if d < 0 {
		d = 0
	}
	c.upstreamCalls.Add(1)
	c.upstreamNanos.Add(int64(d))
	// Compare-and-swap loop: another goroutine may raise the maximum between
	// our load and our store, so retry until ours is not larger or we win.
	for {
		cur := c.upstreamMax.Load()
		if int64(d) <= cur || c.upstreamMax.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

// Snapshot is a point-in-time copy of the counters.
type Snapshot struct {
	Hits          int64
	Misses        int64
	Stale         int64
	Errors        int64
	UpstreamCalls int64
	UpstreamTotal time.Duration // sum of all upstream call durations
	UpstreamMax   time.Duration // longest single upstream call
}

// Snapshot copies the current totals. Each field is read atomically; the fields
// are not read as one transaction, which is fine for metrics taken at shutdown.
func (c *Counters) Snapshot() Snapshot {
	if c == nil {
		return Snapshot{}
	}
	return Snapshot{
		Hits:          c.hits.Load(),
		Misses:        c.misses.Load(),
		Stale:         c.stale.Load(),
		Errors:        c.errors.Load(),
		UpstreamCalls: c.upstreamCalls.Load(),
		UpstreamTotal: time.Duration(c.upstreamNanos.Load()),
		UpstreamMax:   time.Duration(c.upstreamMax.Load()),
	}
}

// UpstreamAvg is the mean upstream call duration, zero when there were no calls.
func (s Snapshot) UpstreamAvg() time.Duration {
	if s.UpstreamCalls == 0 {
		return 0
	}
	return s.UpstreamTotal / time.Duration(s.UpstreamCalls)
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// EMF renders the snapshot as one EMF JSON document followed by a newline, ready
// to be written to stdout. The metrics carry no dimensions — one empty dimension
// set, which the specification allows ("A DimensionSet MAY be empty") — so each
// function's log group yields plain totals under namespace without creating a
// metric per function version or request.
func (s Snapshot) EMF(namespace string, now time.Time) []byte {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	doc := struct {
		AWS               emfMetadata `json:"_aws"`
		CacheHits         int64       `json:"CacheHits"`
		CacheMisses       int64       `json:"CacheMisses"`
		CacheStaleServed  int64       `json:"CacheStaleServed"`
		Errors            int64       `json:"Errors"`
		UpstreamCalls     int64       `json:"UpstreamCalls"`
		UpstreamLatencyMs float64     `json:"UpstreamLatencyAvgMs"`
		UpstreamMaxMs     float64     `json:"UpstreamLatencyMaxMs"`
	}{
		AWS: emfMetadata{
			Timestamp: now.UnixMilli(),
			CloudWatchMetrics: []emfDirective{{
				Namespace:  namespace,
				Dimensions: [][]string{{}},
				Metrics: []emfMetric{
					{NameCacheHits, "Count"},
					{NameCacheMisses, "Count"},
					{NameCacheStale, "Count"},
					{NameErrors, "Count"},
					{NameUpstreamCalls, "Count"},
					{NameUpstreamLatencyMs, "Milliseconds"},
					{NameUpstreamMaxMs, "Milliseconds"},
				},
			}},
		},
		CacheHits:         s.Hits,
		CacheMisses:       s.Misses,
		CacheStaleServed:  s.Stale,
		Errors:            s.Errors,
		UpstreamCalls:     s.UpstreamCalls,
		UpstreamLatencyMs: ms(s.UpstreamAvg()),
		UpstreamMaxMs:     ms(s.UpstreamMax),
	}
	line, err := json.Marshal(doc)
	if err != nil {
		// Only fixed-shape numbers and strings are marshalled; this cannot fail.
		panic("metrics: marshal EMF: " + err.Error())
	}
	return append(line, '\n')
}
