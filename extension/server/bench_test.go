package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// discardWriter is a ResponseWriter that keeps one header map, so the
// in-process benchmark measures the handler and not a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkCacheHit measures the cache-hit path: in process (the handler alone,
// whose allocations -benchmem reports), and over loopback HTTP next to a bare
// net/http handler that writes the same bytes (the ratio of the two is the
// extension's overhead on a hit).
//
//	go test -run '^$' -bench CacheHit -benchmem ./extension/server
func BenchmarkCacheHit(b *testing.B) {
	e := newEnv(b, envOptions{quiet: true})
	seedAll(b, e)
	const target = "/secretsmanager/get?secretId=app/db"
	warm := e.get(b, target)
	if warm.status != http.StatusOK {
		b.Fatalf("warm-up: %d %s", warm.status, warm.body)
	}

	b.Run("handler", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set(TokenHeader, testToken)
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			e.srv.ServeHTTP(w, req)
		}
	})

	// The baseline: a bare net/http handler that writes the same bytes.
	bareHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(warm.body)
	})
	b.Run("handler-bare", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			bareHandler.ServeHTTP(w, req)
		}
	})
	bare := httptest.NewServer(bareHandler)
	b.Cleanup(bare.Close)
	for _, srv := range []struct{ name, url string }{{"http/extension", e.url}, {"http/bare", bare.URL}} {
		b.Run(srv.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.Cleanup(client.CloseIdleConnections)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest(http.MethodGet, srv.url+target, nil)
				req.Header.Set(TokenHeader, testToken)
				for pb.Next() {
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
