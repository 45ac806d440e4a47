package mysql

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/localaws"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-mysql"

// rig is localaws with the rotation function registered in-process, over the real
// MariaDB. wrap, when set, stands between Secrets Manager and the function.
type rig struct {
	aws  *localaws.Server
	url  string
	sm   *secretsmanager.Client
	d    *DB
	logs *safebuf.Buffer
	r    *rotation.Rotator
	mu   sync.Mutex
	wrap func(ev events.SecretsManagerSecretRotationEvent, next func() error) error
}

func newRig(t testing.TB, strategy rotation.Strategy) *rig {
	t.Helper()
	g := &rig{aws: localaws.NewServer(localaws.Options{}), d: adapter(t, tlsServer), logs: &safebuf.Buffer{}}
	hs := httptest.NewServer(g.aws)
	t.Cleanup(hs.Close)
	g.url = hs.URL
	g.sm = secretsmanager.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", ""),
	}, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(hs.URL) })
	// Quotes and backslashes in generated passwords too: exclude only '~'.
	pw, err := rotation.PasswordConfigFromEnv(func(k string) string {
		if k == "EXCLUDE_CHARACTERS" {
			return "~"
		}
		return ""
	}, DefaultExcludeCharacters)
	if err != nil {
		t.Fatal(err)
	}
	g.r = rotation.New(strategy, g.d, g.sm, pw, slog.New(slog.NewTextHandler(g.logs, nil)))
	g.aws.RegisterHandler(fnARN, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		g.mu.Lock()
		w := g.wrap
		g.mu.Unlock()
		next := func() error { return g.r.Handle(ctx, ev) }
		if w != nil {
			return w(ev, next)
		}
		return next()
	})
	return g
}

func (g *rig) setWrap(w func(ev events.SecretsManagerSecretRotationEvent, next func() error) error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.wrap = w
}

// create stores s as a new secret and returns its name.
func (g *rig) create(t testing.TB, s rotation.Secret) string {
	t.Helper()
	name := uniq("secret/")
	body, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(string(body)),
	}); err != nil {
		t.Fatal(err)
	}
	return name
}

// rotate asks Secrets Manager to rotate now; token "" lets it pick one.
func (g *rig) rotate(id, token string) error {
	in := &secretsmanager.RotateSecretInput{SecretId: aws.String(id), RotationLambdaARN: aws.String(fnARN), RotateImmediately: aws.Bool(true)}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	_, err := g.sm.RotateSecret(context.Background(), in)
	return err
}

// stage reads the version labelled stage.
func (g *rig) stage(t testing.TB, id, stage string) (rotation.Secret, string) {
	t.Helper()
	out, err := g.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionStage: aws.String(stage)})
	if err != nil {
		t.Fatalf("get %s of %s: %v", stage, id, err)
	}
	s, err := rotation.ParseSecret([]byte(aws.ToString(out.SecretString)))
	if err != nil {
		t.Fatal(err)
	}
	return s, aws.ToString(out.VersionId)
}

// pendingToken is the version labelled AWSPENDING but not AWSCURRENT, or "".
func (g *rig) pendingToken(t testing.TB, id string) string {
	t.Helper()
	out, err := g.sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	for v, stages := range out.VersionIdsToStages {
		pending, current := false, false
		for _, s := range stages {
			pending = pending || s == rotation.StagePending
			current = current || s == rotation.StageCurrent
		}
		if pending && !current {
			return v
		}
	}
	return ""
}

// assertNoSecretsLogged fails when a password reached the function's log.
func (g *rig) assertNoSecretsLogged(t testing.TB, passwords ...string) {
	t.Helper()
	log := g.logs.String()
	for _, pw := range passwords {
		if pw != "" && strings.Contains(log, pw) {
			t.Fatalf("a password reached the function's log")
		}
	}
}

// setup makes a rotated user at 127.0.0.1 (not '%') with an awkward name and password,
// the master secret (root) and the rotated secret; it returns the secret's name. The
// user requires TLS (the clone copies that), so a rotation that succeeds shows the
// users' logins used it.
func setup(t testing.TB, g *rig, alternating bool) (id string, cur rotation.Secret) {
	t.Helper()
	user := uniq(`r'\%_`)
	pw := `start'pw\` + uniq("%_")
	createUser(t, tlsServer, user, "127.0.0.1", pw)
	t.Cleanup(func() { dropAll(tlsServer, user+"_clone") })
	root(t, tlsServer, "GRANT SELECT ON mysql.db TO "+acct(user, "127.0.0.1")+" WITH GRANT OPTION",
		"ALTER USER "+acct(user, "127.0.0.1")+" REQUIRE SSL")
	cur = secretFor(tlsServer, user, pw, rotation.SSLRequired)
	cur.Engine = "mysql"
	if alternating {
		master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
		master.Engine = "mysql"
		cur.MasterARN = g.create(t, master)
	}
	return g.create(t, cur), cur
}

func strategies() map[string]rotation.Strategy {
	return map[string]rotation.Strategy{"single user": rotation.SingleUser(), "alternating users": rotation.AlternatingUsers()}
}

// TestRotateTenTimes: ten rotations in a row through RotateSecret; after each, AWSCURRENT
// logs in, AWSPREVIOUS holds the credential it replaced, and in single-user mode that
// password no longer logs in. No password generated reaches a log.
func TestRotateTenTimes(t *testing.T) {
	t.Parallel()
	for name, strategy := range strategies() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t, strategy)
			alternating := name == "alternating users"
			id, first := setup(t, g, alternating)
			var seen []string
			old := first
			for i := range 10 {
				if err := g.rotate(id, ""); err != nil {
					t.Fatalf("rotation %d: %v", i+1, err)
				}
				cur, _ := g.stage(t, id, rotation.StageCurrent)
				prev, _ := g.stage(t, id, rotation.StagePrevious)
				if cur.Password == old.Password || len(cur.Password) != 32 {
					t.Fatalf("rotation %d: AWSCURRENT is not a new 32-character password", i+1)
				}
				if prev.Username != old.Username || prev.Password != old.Password {
					t.Fatalf("rotation %d: AWSPREVIOUS is user %q with another password; want the AWSCURRENT it replaced (user %q)",
						i+1, prev.Username, old.Username)
				}
				seen = append(seen, cur.Password)
				assertLogsIn(t, g.d, cur)
				if alternating {
					if want, _ := rotation.AlternateUsername(old.Username, 32); cur.Username != want {
						t.Fatalf("rotation %d: user %q, want %q", i+1, cur.Username, want)
					}
					assertLogsIn(t, g.d, prev) // AWSPREVIOUS stays valid
				} else {
					if cur.Username != first.Username {
						t.Fatalf("rotation %d: user %q, want %q", i+1, cur.Username, first.Username)
					}
					assertLocked(t, g.d, prev)
				}
				old = cur
			}
			g.assertNoSecretsLogged(t, append(seen, first.Password)...)
			general := tlsServer.GeneralLog()
			for i, pw := range seen {
				// The hash shows the log holds the rotation's statements, so the
				// password's absence means something.
				if !strings.Contains(general, nativeHash(pw)) {
					t.Errorf("the general log lacks the statement that set the password of rotation %d", i+1)
				}
				for _, form := range loggedForms(pw) {
					if strings.Contains(general, form) {
						t.Fatalf("the password of rotation %d reached the server's general log", i+1)
					}
				}
			}
		})
	}
}

// TestRotateEachStepTwice: Secrets Manager retries steps; each step run twice ends where
// one run would.
func TestRotateEachStepTwice(t *testing.T) {
	t.Parallel()
	for name, strategy := range strategies() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := newRig(t, strategy)
			id, _ := setup(t, g, name == "alternating users")
			g.setWrap(func(_ events.SecretsManagerSecretRotationEvent, next func() error) error {
				if err := next(); err != nil {
					return err
				}
				return next()
			})
			for range 2 {
				if err := g.rotate(id, ""); err != nil {
					t.Fatal(err)
				}
				cur, _ := g.stage(t, id, rotation.StageCurrent)
				assertLogsIn(t, g.d, cur)
			}
		})
	}
}

// TestRotateStoppedAfterSetSecret: the function dies after setSecret (and, separately,
// testSecret fails); the rotation stays pending, AWSCURRENT is not moved, and a retry
// with the same token completes. Nobody is locked out.
func TestRotateStoppedAfterSetSecret(t *testing.T) {
	t.Parallel()
	for name, strategy := range strategies() {
		for _, failAt := range []string{rotation.StepTest, rotation.StepFinish} {
			t.Run(name+"/"+failAt, func(t *testing.T) {
				t.Parallel()
				g := newRig(t, strategy)
				alternating := name == "alternating users"
				id, first := setup(t, g, alternating)
				g.setWrap(func(ev events.SecretsManagerSecretRotationEvent, next func() error) error {
					if ev.Step == failAt {
						return errors.New("function killed")
					}
					return next()
				})
				if err := g.rotate(id, ""); err == nil {
					t.Fatal("the interrupted rotation succeeded")
				}
				cur, _ := g.stage(t, id, rotation.StageCurrent)
				if cur.Password != first.Password {
					t.Fatal("AWSCURRENT moved although the rotation did not finish")
				}
				if alternating {
					assertLogsIn(t, g.d, cur) // the current user was not touched
				} else {
					// Single user: the database already has the pending password, and
					// the stored AWSPENDING value holds it, so nobody is locked out.
					pending, _ := g.stage(t, id, rotation.StagePending)
					assertLogsIn(t, g.d, pending)
				}
				token := g.pendingToken(t, id)
				if token == "" {
					t.Fatal("no pending version left to retry")
				}
				g.setWrap(nil)
				if err := g.rotate(id, token); err != nil {
					t.Fatalf("retry: %v", err)
				}
				now, version := g.stage(t, id, rotation.StageCurrent)
				if version != token {
					t.Fatalf("AWSCURRENT is %s, want the retried %s", version, token)
				}
				assertLogsIn(t, g.d, now)
			})
		}
	}
}

// TestRotateKeepsGrantsInStep: a base user with a grant option and a default role;
// after a rotation through RotateSecret the clone can do what the base user can, and a
// grant revoked from the base user is gone from the clone after the next rotation.
func TestRotateKeepsGrantsInStep(t *testing.T) {
	t.Parallel()
	g := newRig(t, rotation.AlternatingUsers())
	id, base := setup(t, g, true)
	db, role, other := uniq("gdb"), uniq("grole"), uniq("gother")
	createUser(t, tlsServer, other, "127.0.0.1", "other-pw")
	t.Cleanup(func() { root(t, tlsServer, "DROP ROLE "+lit(role), "DROP DATABASE `"+db+"`") })
	b := acct(base.Username, "127.0.0.1")
	root(t, tlsServer, "CREATE DATABASE `"+db+"`", "CREATE TABLE `"+db+"`.t (id INT)", "CREATE ROLE "+lit(role),
		"GRANT INSERT ON `"+db+"`.* TO "+lit(role), "GRANT "+lit(role)+" TO "+b, "SET DEFAULT ROLE "+lit(role)+" FOR "+b,
		"GRANT SELECT ON `"+db+"`.* TO "+b+" WITH GRANT OPTION")
	if err := g.rotate(id, ""); err != nil {
		t.Fatal(err)
	}
	clone, _ := g.stage(t, id, rotation.StageCurrent)
	if clone.Username != base.Username+"_clone" {
		t.Fatalf("current user %q", clone.Username)
	}
	for _, q := range []string{"SELECT id FROM t", "INSERT INTO t VALUES (1)", "GRANT SELECT ON `" + db + "`.* TO " + acct(other, "127.0.0.1")} {
		if err := asUser(t, clone, db, q); err != nil {
			t.Errorf("%s as the clone: %v", q, err)
		}
	}
	root(t, tlsServer, "REVOKE SELECT, GRANT OPTION ON `"+db+"`.* FROM "+b)
	if err := g.rotate(id, ""); err != nil {
		t.Fatal(err)
	}
	if err := asUser(t, clone, db, "SELECT id FROM t"); err == nil {
		t.Fatal("the clone kept SELECT after the base user lost it")
	}
	if err := asUser(t, clone, db, "INSERT INTO t VALUES (2)"); err != nil {
		t.Fatalf("the clone lost the role's INSERT: %v", err)
	}
}

// BenchmarkRotation is one full in-process rotation through RotateSecret.
func BenchmarkRotation(b *testing.B) {
	for name, strategy := range strategies() {
		b.Run(name, func(b *testing.B) {
			g := newRig(b, strategy)
			id, _ := setup(b, g, name == "alternating users")
			b.ReportAllocs()
			for b.Loop() {
				if err := g.rotate(id, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
