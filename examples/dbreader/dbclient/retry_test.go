package dbclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// reader is one function's view: a localaws holding its secret "app/db", and
// the real extension binary in front of it, caching for five minutes as the
// AWS extension does by default.
type reader struct {
	srv   server
	user  string
	cloud *sandbox.Cloud
	ext   *Extension
	logs  *safebuf.Buffer // the extension's and the connector's
}

func newReader(t *testing.T, srv server, password string) *reader {
	t.Helper()
	r := &reader{srv: srv, user: fmt.Sprintf("retry_%d", seq.Add(1)), logs: &safebuf.Buffer{}}
	if err := srv.createUser(t.Context(), r.user, password); err != nil {
		t.Fatal(err)
	}
	var err error
	if r.cloud, err = sandbox.StartCloud(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.cloud.Close() })
	value := r.value(t, password)
	if err := r.cloud.Server.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{Name: "app/db", SecretString: &value}}}); err != nil {
		t.Fatal(err)
	}
	proc, err := sandbox.StartExtension(t.Context(), extensionBinary, r.cloud, []string{"SECRETS_MANAGER_TTL=300"}, r.logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := proc.Close(); err != nil {
			t.Error(err)
		}
	})
	r.ext = NewExtension(proc.Port, proc.Token)
	return r
}

// value is the secret's JSON for password.
func (r *reader) value(t *testing.T, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"engine": r.srv.engine, "host": r.srv.host, "port": r.srv.port,
		"username": r.user, "password": password, "ssl": false})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rotate makes password the database's; with current, AWSCURRENT names it too.
func (r *reader) rotate(t *testing.T, password string, current bool) {
	t.Helper()
	if err := r.srv.setPassword(t.Context(), r.user, password); err != nil {
		t.Fatal(err)
	}
	if current {
		r.putCurrent(t, password)
	}
}

func (r *reader) putCurrent(t *testing.T, password string) {
	t.Helper()
	_, err := r.cloud.SecretsManager().PutSecretValue(context.WithoutCancel(t.Context()), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app/db"), SecretString: aws.String(r.value(t, password)),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// connector returns the pattern under test, fast: waits of a millisecond.
func (r *reader) connector(log slog.Handler) *Connector {
	if log == nil {
		log = slog.NewJSONHandler(r.logs, nil)
	}
	return &Connector{Extension: r.ext, SecretID: "app/db", Log: slog.New(log),
		Retry: Retry{Attempts: 5, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}}
}

// plainServers are the servers without TLS, whose statement logs are off.
func plainServers() map[string]server {
	all := servers()
	return map[string]server{"postgres": all["postgres plain"], "mariadb": all["mariadb plain"]}
}

// TestConnectorRecoversFromACachedPassword: after a rotation the extension
// still serves the old password from its cache; the database refuses it, the
// connector reads again with refreshNow and logs in with the new one.
func TestConnectorRecoversFromACachedPassword(t *testing.T) {
	for name, srv := range plainServers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t, srv, "Old-pw-1")
			c := r.connector(nil)
			sess, rec, err := c.Open(t.Context())
			if err != nil || rec.Attempts != 1 || rec.Recovered != 0 {
				t.Fatalf("first open: %v, %+v; want one attempt", err, rec)
			}
			old := sess.VersionID
			sess.Close()
			r.rotate(t, "New-pw-2", true)

			sess, rec, err = c.Open(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if rec.Attempts != 2 || rec.AuthFailures != 1 || rec.Transient != 0 || rec.Recovered <= 0 {
				t.Errorf("recovery %+v, want 2 attempts after 1 refused login", rec)
			}
			if sess.VersionID == old || sess.Username != r.user {
				t.Errorf("session for version %s as %s, want the new version as %s", sess.VersionID, sess.Username, r.user)
			}
			assertNoPassword(t, r.logs.String(), "Old-pw-1", "New-pw-2")
		})
	}
}

// TestConnectorWaitsForAWSCURRENT is a single-user rotation's window: the
// database has the new password, AWSCURRENT still names the old one. The
// connector keeps reading with refreshNow until AWSCURRENT moves (here, at its
// second retry).
func TestConnectorWaitsForAWSCURRENT(t *testing.T) {
	for name, srv := range plainServers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t, srv, "Old-pw-1")
			r.rotate(t, "New-pw-2", false)
			hook := &onWarn{Handler: slog.NewJSONHandler(r.logs, nil), at: 2, do: func() { r.putCurrent(t, "New-pw-2") }}
			sess, rec, err := r.connector(hook).Open(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if rec.Attempts != 3 || rec.AuthFailures != 2 {
				t.Errorf("recovery %+v, want 3 attempts after 2 refused logins", rec)
			}
			if got := strings.Count(r.logs.String(), `"refreshNow":true`); got != 2 {
				t.Errorf("%d retry lines say refreshNow, want 2:\n%s", got, r.logs.String())
			}
			assertNoPassword(t, r.logs.String(), "Old-pw-1", "New-pw-2")
		})
	}
}

// onWarn runs do when the at-th WARN record is logged, before the connector
// waits and tries again.
type onWarn struct {
	slog.Handler
	at, n int
	do    func()
}

func (h *onWarn) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		if h.n++; h.n == h.at {
			h.do()
		}
	}
	return h.Handler.Handle(ctx, r)
}

// TestConnectorGivesUp: a password that never works is tried Retry.Attempts
// times, then the refusal is returned, naming the user and not the password.
func TestConnectorGivesUp(t *testing.T) {
	for name, srv := range plainServers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t, srv, "Old-pw-1")
			r.rotate(t, "Nobody-knows-3", false)
			_, rec, err := r.connector(nil).Open(t.Context())
			if !IsAuthFailure(err) || rec.Attempts != 5 || rec.AuthFailures != 5 {
				t.Fatalf("open: %v, %+v; want the refusal after 5 attempts", err, rec)
			}
			if !strings.Contains(err.Error(), r.user) || !strings.Contains(err.Error(), "5 attempts") {
				t.Errorf("error %q does not name the user and the attempts", err)
			}
			assertNoPassword(t, err.Error()+r.logs.String(), "Old-pw-1", "Nobody-knows-3")
		})
	}
}

// TestConnectorFailsAtOnce: what a second try cannot change is not tried
// again.
func TestConnectorFailsAtOnce(t *testing.T) {
	r := newReader(t, plainServers()["postgres"], "Old-pw-1")
	c := r.connector(nil)
	c.SecretID = "no/such/secret"
	_, rec, err := c.Open(t.Context())
	var extErr *ExtensionError
	if !errors.As(err, &extErr) || extErr.Type != "ResourceNotFoundException" || rec.Attempts != 1 {
		t.Errorf("open of a missing secret: %v, %+v; want ResourceNotFoundException after 1 attempt", err, rec)
	}
	c.SecretID = "app/db"
	sess, _, err := c.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	deadline, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	c.Retry = Retry{Attempts: 5, Backoff: 2 * time.Hour, MaxBackoff: 2 * time.Hour}
	r.rotate(t, "New-pw-2", false)
	_, rec, err = c.Open(deadline)
	if !IsAuthFailure(err) || !strings.Contains(err.Error(), "no time left") || rec.Attempts != 1 {
		t.Errorf("open with a wait past the deadline: %v, %+v; want the refusal at once", err, rec)
	}
}

// TestConnectorWaitsOutSecretsManagerFaults: Secrets Manager failing on the
// first read (the extension has nothing cached) is a 500 from the extension,
// tried again without a refresh.
func TestConnectorWaitsOutSecretsManagerFaults(t *testing.T) {
	r := newReader(t, plainServers()["mariadb"], "Old-pw-1")
	r.cloud.Server.InjectFault(localaws.Fault{Operation: "secretsmanager.GetSecretValue", Code: "InternalServiceError", Status: 500, Count: 3})
	sess, rec, err := r.connector(nil).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	if rec.Transient < 1 || rec.AuthFailures != 0 || strings.Contains(r.logs.String(), `"refreshNow":true`) {
		t.Errorf("recovery %+v, want transient failures retried without refreshNow:\n%s", rec, r.logs.String())
	}
}

// TestDoRetriesADroppedSession: a query that fails because the connection
// went away (here: closed under it) is tried again on a new session.
func TestDoRetriesADroppedSession(t *testing.T) {
	for name, srv := range plainServers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t, srv, "Old-pw-1")
			calls := 0
			rec, err := r.connector(nil).Do(t.Context(), func(ctx context.Context, s *Session) error {
				if calls++; calls == 1 {
					s.Close()
				}
				return s.Ping(ctx)
			})
			if err != nil || calls != 2 || rec.Transient != 1 {
				t.Errorf("do: %v after %d calls, %+v; want success on the second", err, calls, rec)
			}
		})
	}
}

// TestDefaultRetryWaits: each wait is its doubling step less at most a
// quarter, and the whole default recovery waits between 11 s and 15 s.
func TestDefaultRetryWaits(t *testing.T) {
	r := DefaultRetry()
	for range 100 {
		var total time.Duration
		step := r.Backoff
		for try := 1; try < r.Attempts; try++ {
			w := r.wait(try)
			if w > step || w < step*3/4 {
				t.Fatalf("wait after try %d: %s, want between %s and %s", try, w, step*3/4, step)
			}
			total += w
			step = min(2*step, r.MaxBackoff)
		}
		if total < 11*time.Second || total > 15*time.Second+100*time.Millisecond {
			t.Fatalf("the default recovery waits %s in all, want 11 s to 15 s", total)
		}
	}
}

func assertNoPassword(t *testing.T, text string, passwords ...string) {
	t.Helper()
	for _, p := range passwords {
		if strings.Contains(text, p) {
			t.Errorf("a password shows in:\n%s", text)
		}
	}
}
