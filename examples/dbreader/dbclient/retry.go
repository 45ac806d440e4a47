package dbclient

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Retry bounds the recovery: how many tries in all and how long to wait
// between them.
type Retry struct {
	// Attempts is the number of tries, the first included.
	Attempts int
	// Backoff is the wait before the second try; it doubles before each later
	// one, up to MaxBackoff. Each wait is drawn between three quarters and all
	// of it, so that functions refused at the same moment do not all come
	// back at the same moment.
	Backoff, MaxBackoff time.Duration
}

// DefaultRetry is the recovery the example function uses: 12 tries, waiting
// 100 ms, 200 ms, 400 ms, 800 ms, 1.6 s, then 2 s (less up to a quarter):
// between 11 s and 15 s in all before it gives up. The first retry comes
// quickly, for the common case (a cached password a rotation replaced); the
// whole outlasts a single-user rotation's window (the password already
// changed, AWSCURRENT not yet moved), a burst of Secrets Manager throttling and
// a database restart of a few seconds, as the soak harness (internal/soak)
// measures them. A function whose timeout is shorter gives up earlier: no wait
// runs past its deadline.
func DefaultRetry() Retry {
	return Retry{Attempts: 12, Backoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}
}

// wait is the pause after the given (1-based) failed try.
func (r Retry) wait(try int) time.Duration {
	d := r.Backoff
	for i := 1; i < try && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	if d <= 0 {
		return 0
	}
	return d - rand.N(d/4+1)
}

// Connector logs in with a secret read through the extension and recovers
// when a rotation changes the password under it. It is the pattern to copy:
//
//   - read the secret with a plain read (the extension's cache answers);
//   - log in; when the database refuses the credential, back off briefly and
//     read it again with refreshNow=true, which asks Secrets Manager for the
//     current value — a cached value may be one a rotation has since
//     replaced, and with a single-user rotation AWSCURRENT names the new
//     password only moments after the database took it;
//   - when the extension or the database failed transiently (throttling, a
//     5xx, a timeout, a database restarting), back off and try the same way
//     again;
//   - stop after Retry.Attempts tries, or at the caller's deadline.
//
// Anything else (no such secret, a certificate that does not verify, an
// unknown engine) fails at once: trying again would not change it. A
// Connector is safe for concurrent use.
type Connector struct {
	Extension *Extension
	SecretID  string
	// Roots verify the database's certificate; nil means the system roots.
	Roots *x509.CertPool
	// Log receives one WARN line per retry (never a password); nil is
	// slog.Default().
	Log *slog.Logger
	// Retry bounds the recovery; the zero value means DefaultRetry().
	Retry Retry
}

// Recovery is what it took to get a working session.
type Recovery struct {
	// Attempts is the number of tries, the last one included.
	Attempts int
	// AuthFailures counts logins the database refused (each followed by a
	// refreshNow read); Transient counts the other failures retried.
	AuthFailures, Transient int
	// Recovered is the time from the first failure to the success; zero when
	// the first try worked or none did.
	Recovered time.Duration
}

// Open returns a logged-in session; the caller closes it.
func (c *Connector) Open(ctx context.Context) (*Session, Recovery, error) {
	return c.run(ctx, true, nil)
}

// Do logs in, runs fn on the session and closes it. A failure of fn is
// classified like a failed login, so a query cut off by a database restart is
// tried again on a new session.
func (c *Connector) Do(ctx context.Context, fn func(context.Context, *Session) error) (Recovery, error) {
	_, rec, err := c.run(ctx, false, fn)
	return rec, err
}

// run is the recovery loop of Open (keep) and Do (fn).
func (c *Connector) run(ctx context.Context, keep bool, fn func(context.Context, *Session) error) (*Session, Recovery, error) {
	policy := c.Retry
	if policy.Attempts <= 0 {
		policy = DefaultRetry()
	}
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	var rec Recovery
	var firstFailure time.Time
	refresh := false
	for {
		rec.Attempts++
		sess, err := c.try(ctx, refresh, keep, fn)
		if err == nil {
			if !firstFailure.IsZero() {
				rec.Recovered = time.Since(firstFailure)
			}
			return sess, rec, nil
		}
		switch {
		case ctx.Err() != nil:
			return nil, rec, err
		case IsAuthFailure(err):
			rec.AuthFailures++
			refresh = true // and stays so: the value to find is Secrets Manager's, not the cache's
		case IsTransient(err):
			rec.Transient++
		default:
			return nil, rec, err
		}
		if rec.Attempts >= policy.Attempts {
			return nil, rec, fmt.Errorf("secret %s: gave up after %d attempts: %w", c.SecretID, rec.Attempts, err)
		}
		if firstFailure.IsZero() {
			firstFailure = time.Now()
		}
		pause := policy.wait(rec.Attempts)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < pause {
			return nil, rec, fmt.Errorf("secret %s: no time left for another attempt after %d: %w", c.SecretID, rec.Attempts, err)
		}
		log.Warn("database access failed; trying again", "secretId", c.SecretID, "attempt", rec.Attempts,
			"refreshNow", refresh, "wait", pause.Round(time.Millisecond).String(), "error", err.Error())
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, rec, err
		case <-t.C:
		}
	}
}

// try makes one attempt: read the secret, log in, run fn. The session is
// returned when keep is set and all went well, else closed.
func (c *Connector) try(ctx context.Context, refresh, keep bool, fn func(context.Context, *Session) error) (*Session, error) {
	s, err := c.Extension.Secret(ctx, c.SecretID, refresh)
	if err != nil {
		return nil, err
	}
	sess, err := Open(ctx, s, c.Roots, c.Log)
	if err != nil {
		return nil, err
	}
	if fn != nil {
		err = fn(ctx, sess)
	}
	if err != nil || !keep {
		sess.Close()
		return nil, err
	}
	return sess, nil
}
