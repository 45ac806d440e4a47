package metrics

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"
)

func TestCountersConcurrent(t *testing.T) {
	t.Parallel()
	var c Counters
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Hit()
			c.Hit()
			c.Miss()
			c.Stale()
			c.Error()
			c.Upstream(time.Duration(i+1) * time.Millisecond)
		}()
	}
	wg.Wait()
	got := c.Snapshot()
	want := Snapshot{Hits: 100, Misses: 50, Stale: 50, Errors: 50, UpstreamCalls: 50,
		UpstreamTotal: 1275 * time.Millisecond, UpstreamMax: 50 * time.Millisecond}
	if got != want {
		t.Fatalf("snapshot = %+v, want %+v", got, want)
	}
	if avg := got.UpstreamAvg(); avg != 25500*time.Microsecond {
		t.Errorf("UpstreamAvg = %v, want 25.5ms", avg)
	}
}

func TestNilCountersCountNothing(t *testing.T) {
	t.Parallel()
	var c *Counters
	c.Hit()
	c.Miss()
	c.Stale()
	c.Error()
	c.Upstream(time.Second)
	if got := c.Snapshot(); got != (Snapshot{}) {
		t.Fatalf("nil snapshot = %+v, want zero", got)
	}
}

// TestEMFLine parses the line the way CloudWatch Logs does: a JSON object whose
// _aws.CloudWatchMetrics directives name root members holding numeric values.
func TestEMFLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		snap  Snapshot
		want  map[string]float64
		units map[string]string
	}{
		{
			name: "no traffic",
			snap: Snapshot{},
			want: map[string]float64{NameCacheHits: 0, NameCacheMisses: 0, NameCacheStale: 0,
				NameErrors: 0, NameUpstreamCalls: 0, NameUpstreamLatencyMs: 0, NameUpstreamMaxMs: 0},
		},
		{
			name: "mixed",
			snap: Snapshot{Hits: 7, Misses: 3, Stale: 1, Errors: 2, UpstreamCalls: 4,
				UpstreamTotal: 10 * time.Millisecond, UpstreamMax: 6 * time.Millisecond},
			want: map[string]float64{NameCacheHits: 7, NameCacheMisses: 3, NameCacheStale: 1,
				NameErrors: 2, NameUpstreamCalls: 4, NameUpstreamLatencyMs: 2.5, NameUpstreamMaxMs: 6},
			units: map[string]string{NameCacheHits: "Count", NameUpstreamLatencyMs: "Milliseconds"},
		},
	}
	now := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			line := tc.snap.EMF(Namespace, now)
			if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
				t.Fatalf("EMF output is not exactly one line: %q", line)
			}
			var root map[string]json.RawMessage
			if err := json.Unmarshal(line, &root); err != nil {
				t.Fatalf("EMF line is not a JSON object: %v", err)
			}
			var meta struct {
				Timestamp         int64
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			}
			if err := json.Unmarshal(root["_aws"], &meta); err != nil {
				t.Fatalf("_aws: %v", err)
			}
			if meta.Timestamp != now.UnixMilli() {
				t.Errorf("Timestamp = %d, want %d", meta.Timestamp, now.UnixMilli())
			}
			if len(meta.CloudWatchMetrics) != 1 {
				t.Fatalf("got %d directives, want 1", len(meta.CloudWatchMetrics))
			}
			d := meta.CloudWatchMetrics[0]
			if d.Namespace != Namespace {
				t.Errorf("Namespace = %q, want %q", d.Namespace, Namespace)
			}
			// The specification's schema: Dimensions holds at least one set, and
			// a set may be empty.
			if len(d.Dimensions) < 1 {
				t.Errorf("Dimensions = %v; the specification requires at least one (possibly empty) set", d.Dimensions)
			}
			seen := map[string]bool{}
			for _, m := range d.Metrics {
				seen[m.Name] = true
				var v float64
				if err := json.Unmarshal(root[m.Name], &v); err != nil {
					t.Errorf("metric %s: root member is not a number: %v", m.Name, err)
					continue
				}
				if want, ok := tc.want[m.Name]; ok && v != want {
					t.Errorf("%s = %v, want %v", m.Name, v, want)
				}
				if u, ok := tc.units[m.Name]; ok && m.Unit != u {
					t.Errorf("%s unit = %q, want %q", m.Name, m.Unit, u)
				}
			}
			for name := range tc.want {
				if !seen[name] {
					t.Errorf("metric %s not declared in the directive", name)
				}
			}
		})
	}
}

func BenchmarkHit(b *testing.B) {
	var c Counters
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Hit()
		}
	})
}
