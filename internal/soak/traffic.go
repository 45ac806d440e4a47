package soak

import (
	"context"
	"sync"
	"time"

	"github.com/paramsecrets/paramsecrets/examples/dbreader/dbclient"
)

// requestTimeout bounds one request, recovery included; the recovery itself
// gives up long before.
const requestTimeout = time.Minute

// heldPing is how often a long-lived session is used.
const heldPing = 250 * time.Millisecond

// appStats is what one secret's application saw.
type appStats struct {
	mu sync.Mutex
	appCounts
}

// appCounts are appStats' counters.
type appCounts struct {
	// requests made and failed (after the connector's retries).
	requests, failed int
	// authFailures counts logins the database refused, recovered or not;
	// authRecovered those a later try of the same request recovered from.
	authFailures, authRecovered int
	// transientRecovered counts requests that succeeded after a transient
	// failure only (a database restart, Secrets Manager throttling).
	transientRecovered int
	// slowestAuth and slowest are the longest recoveries: from the first
	// refused login to the success, and from any first failure.
	slowestAuth, slowest time.Duration
	// failures keeps the first few errors, for the report (they name users,
	// never passwords).
	failures []string
	// Long-lived sessions: opened, dropped (a query on them failed), of which
	// by a restart of the database, and the most rotations one outlived.
	heldOpened, heldDropped, heldDroppedByRestart, heldMaxRotations int
}

// snapshot copies the counters.
func (s *appStats) snapshot() appCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.appCounts
	c.failures = append([]string(nil), s.failures...)
	return c
}

func (s *appStats) record(rec dbclient.Recovery, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.authFailures += rec.AuthFailures
	if err != nil {
		s.failed++
		if len(s.failures) < 5 {
			s.failures = append(s.failures, err.Error())
		}
		return
	}
	switch {
	case rec.AuthFailures > 0:
		s.authRecovered += rec.AuthFailures
		s.slowestAuth = max(s.slowestAuth, rec.Recovered)
	case rec.Transient > 0:
		s.transientRecovered++
	}
	s.slowest = max(s.slowest, rec.Recovered)
}

// traffic is the application: per secret, workers that read the credential
// through the extension, log in and query in a loop (dbclient.Connector.Do,
// the example function's code), and one long-lived session held across
// rotations.
type traffic struct {
	h    *harness
	stop chan struct{}
	wg   sync.WaitGroup
	// gate lets the harness pause the reads through the extension: each
	// request holds it shared; pause takes it whole.
	gate sync.RWMutex
}

func (t *traffic) start(rs *rotatorState) {
	for range t.h.cfg.Workers {
		t.wg.Go(func() { t.work(rs) })
	}
	t.wg.Go(func() { t.hold(rs) })
}

// work is one worker's loop.
func (t *traffic) work(rs *rotatorState) {
	for {
		select {
		case <-t.stop:
			return
		default:
		}
		t.gate.RLock()
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		rec, err := rs.connector.Do(ctx, func(ctx context.Context, s *dbclient.Session) error { return s.Ping(ctx) })
		cancel()
		t.gate.RUnlock()
		rs.app.record(rec, err)
		select {
		case <-t.stop:
			return
		case <-time.After(t.h.cfg.Pace):
		}
	}
}

// hold keeps one session open and uses it; when a query on it fails, it
// counts a drop — one a database restart explains if a restart began after
// the last one that had finished when the session was opened — and opens
// another.
func (t *traffic) hold(rs *rotatorState) {
	var sess *dbclient.Session
	var since, rotationsAtOpen int64
	defer func() {
		if sess != nil {
			sess.Close()
		}
	}()
	for {
		if sess == nil {
			t.gate.RLock()
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			_, since = t.h.restarts(rs.r.Engine)
			s, rec, err := rs.connector.Open(ctx)
			cancel()
			t.gate.RUnlock()
			rs.app.record(rec, err)
			if err == nil {
				sess, rotationsAtOpen = s, int64(rs.completedRotations())
				rs.app.mu.Lock()
				rs.app.heldOpened++
				rs.app.mu.Unlock()
			}
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := sess.Ping(ctx)
			cancel()
			held := int(int64(rs.completedRotations()) - rotationsAtOpen)
			rs.app.mu.Lock()
			if err != nil {
				rs.app.heldDropped++
				if begun, _ := t.h.restarts(rs.r.Engine); begun > since {
					rs.app.heldDroppedByRestart++
				} else if len(rs.app.failures) < 5 {
					rs.app.failures = append(rs.app.failures, "long-lived session dropped: "+err.Error())
				}
			} else {
				rs.app.heldMaxRotations = max(rs.app.heldMaxRotations, held)
			}
			rs.app.mu.Unlock()
			if err != nil {
				sess.Close()
				sess = nil
				continue
			}
		}
		select {
		case <-t.stop:
			return
		case <-time.After(heldPing):
		}
	}
}

// pause waits for the requests in flight to finish and holds new ones back
// until resume.
func (t *traffic) pause()  { t.gate.Lock() }
func (t *traffic) resume() { t.gate.Unlock() }

// close stops the workers once their requests in flight are done.
func (t *traffic) close() {
	close(t.stop)
	t.wg.Wait()
}
