package rotation

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// memDB is an in-memory user table, so the engine's behaviour can be shown without a
// database server (rotators/postgres runs the same flows against a real one).
type memDB struct {
	mu    sync.Mutex
	users map[string]string // username → password
	syncs []syncCall        // every SyncClone, in order
}

// syncCall is what the engine handed SyncClone.
type syncCall struct {
	master Secret
	pair   Pair
}

var _ Database = (*memDB)(nil)

func (d *memDB) Engines() []string      { return []string{"postgres"} }
func (d *memDB) DefaultPort() int       { return 5432 }
func (d *memDB) MaxUsernameLength() int { return 63 }

func (d *memDB) Ping(_ context.Context, s Secret) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if pw, ok := d.users[s.Username]; !ok || pw != s.Password {
		return errors.New("password authentication failed for user " + s.Username)
	}
	return nil
}

func (d *memDB) LoginRefused(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "password authentication failed")
}

func (d *memDB) SetPassword(ctx context.Context, login Secret, user, password string) error {
	if err := d.Ping(ctx, login); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[user] = password
	return nil
}

func (d *memDB) SyncClone(ctx context.Context, master Secret, p Pair) error {
	if err := d.Ping(ctx, master); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncs = append(d.syncs, syncCall{master: master, pair: p})
	d.users[p.Pending.Username] = p.Pending.Password
	return nil
}

// recordingSM passes every call to the real client and keeps the PutSecretValue inputs.
type recordingSM struct {
	SecretsManager
	mu   sync.Mutex
	puts []secretsmanager.PutSecretValueInput
}

func (r *recordingSM) PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	r.mu.Lock()
	r.puts = append(r.puts, *in)
	r.mu.Unlock()
	return r.SecretsManager.PutSecretValue(ctx, in, opts...)
}

const testFunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate"

type engineEnv struct {
	sm   *recordingSM
	srv  *localaws.Server
	url  string // where srv listens
	db   *memDB
	pw   PasswordConfig
	logs *bytes.Buffer
}

func newEngineEnv(t *testing.T, strategy Strategy, users map[string]string) *engineEnv {
	t.Helper()
	srv := localaws.NewServer(localaws.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	client := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: aws.AnonymousCredentials{},
	})
	pw, err := PasswordConfigFromEnv(func(string) string { return "" }, `:/@"'\`)
	if err != nil {
		t.Fatal(err)
	}
	e := &engineEnv{sm: &recordingSM{SecretsManager: client}, srv: srv, url: ts.URL, db: &memDB{users: users}, pw: pw, logs: &bytes.Buffer{}}
	// The handler runs inside RotateSecret, on the test's goroutine chain, one step at a
	// time, so the buffer needs no lock.
	r := New(strategy, e.db, e.sm, pw, slog.New(slog.NewTextHandler(e.logs, nil)))
	srv.RegisterHandler(testFunctionARN, r.Handle)
	return e
}

func (e *engineEnv) create(t *testing.T, name, body string) string {
	t.Helper()
	out, err := e.sm.SecretsManager.(*secretsmanager.Client).CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(body),
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.ARN
}

func (e *engineEnv) rotate(t *testing.T, id string) error {
	t.Helper()
	_, err := e.sm.SecretsManager.(*secretsmanager.Client).RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(id), RotationLambdaARN: aws.String(testFunctionARN),
	})
	return err
}

func (e *engineEnv) current(t *testing.T, id string) Secret {
	t.Helper()
	s, err := getSecret(t.Context(), e.sm, id, StageCurrent, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEngineSendsTheEventsRotationToken shows that createSecret hands PutSecretValue the
// very RotationToken Secrets Manager put in the event: localaws, like AWS, refuses a
// pending value written with any other token, and then the rotation stops at createSecret.
func TestEngineSendsTheEventsRotationToken(t *testing.T) {
	cases := []struct {
		name string
		// alter changes the event before the rotator sees it; nil passes it unchanged.
		alter   func(ev *events.SecretsManagerSecretRotationEvent)
		wantErr string
	}{
		{"the event's token", nil, ""},
		{"a token from elsewhere", func(ev *events.SecretsManagerSecretRotationEvent) {
			ev.RotationToken = "11111111-2222-3333-4444-555555555555"
		}, "AccessDeniedException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngineEnv(t, SingleUser(), map[string]string{"app": "Old-password-1"})
			r := New(SingleUser(), e.db, e.sm, e.pw, slog.New(slog.NewTextHandler(e.logs, nil)))
			var sent []string
			e.srv.RegisterHandler(testFunctionARN, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
				if tc.alter != nil {
					tc.alter(&ev)
				}
				sent = append(sent, ev.RotationToken)
				return r.Handle(ctx, ev)
			})
			arn := e.create(t, "app", `{"engine":"postgres","host":"h","username":"app","password":"Old-password-1"}`)
			err := e.rotate(t, arn)
			if len(e.sm.puts) != 1 || len(sent) == 0 || aws.ToString(e.sm.puts[0].RotationToken) != sent[0] {
				t.Fatalf("PutSecretValue calls %d; want one carrying the createSecret event's RotationToken", len(e.sm.puts))
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("rotation: %v", err)
				}
				cur := e.current(t, arn)
				if e.db.users["app"] != cur.Password || cur.Password == "Old-password-1" {
					t.Error("the database and AWSCURRENT disagree after rotation")
				}
				if strings.Contains(e.logs.String(), cur.Password) {
					t.Error("a password was logged")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "createSecret") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("rotation error = %v, want createSecret failing with %s", err, tc.wantErr)
			}
			if cur := e.current(t, arn); cur.Password != "Old-password-1" || e.db.users["app"] != "Old-password-1" {
				t.Error("a refused createSecret changed AWSCURRENT or the database")
			}
		})
	}
}

func TestEngineAlternatingUsersFlip(t *testing.T) {
	e := newEngineEnv(t, AlternatingUsers(), map[string]string{"app": "Old-password-1", "root": "Root-password-1"})
	master := e.create(t, "master", `{"engine":"postgres","host":"h","username":"root","password":"Root-password-1"}`)
	arn := e.create(t, "app", `{"engine":"postgres","host":"h","username":"app","password":"Old-password-1","masterarn":"`+master+`"}`)
	for i, want := range []string{"app_clone", "app", "app_clone"} {
		if err := e.rotate(t, arn); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
		if got := e.current(t, arn).Username; got != want {
			t.Errorf("rotation %d: AWSCURRENT user %q, want %q", i+1, got, want)
		}
	}
}

func TestAlternateUsername(t *testing.T) {
	cases := []struct {
		name, in, want, wantErr string
	}{
		{"adds suffix", "app", "app_clone", ""},
		{"removes suffix", "app_clone", "app", ""},
		{"exactly the limit", strings.Repeat("a", 57), strings.Repeat("a", 57) + "_clone", ""},
		{"over the limit", strings.Repeat("a", 58), "", "over the limit of 63"},
		{"limit counts bytes", strings.Repeat("é", 29), "", "over the limit of 63"},
		{"suffix alone", "_clone", "", "nothing before"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AlternateUsername(tc.in, 63)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("AlternateUsername(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestEngineRefusesCloneNameOverLimitAtCreateSecret(t *testing.T) {
	long := strings.Repeat("u", 60)
	e := newEngineEnv(t, AlternatingUsers(), map[string]string{long: "Old-password-1"})
	arn := e.create(t, "long", `{"engine":"postgres","host":"h","username":"`+long+`","password":"Old-password-1","masterarn":"x"}`)
	err := e.rotate(t, arn)
	if err == nil || !strings.Contains(err.Error(), "createSecret") || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("rotation error = %v, want createSecret naming the limit", err)
	}
}

// TestEngineHandsSyncCloneThePair: the adapter gets the current and pending users and,
// as Previous, the pending user's credential from the rotation before: none on the first
// rotation, the base user's (checked to log in) on the turn back, the clone's after.
func TestEngineHandsSyncCloneThePair(t *testing.T) {
	e := newEngineEnv(t, AlternatingUsers(), map[string]string{"app": "Old-password-1", "root": "Root-password-1"})
	master := e.create(t, "master", `{"engine":"postgres","host":"h","username":"root","password":"Root-password-1"}`)
	arn := e.create(t, "app", `{"engine":"postgres","host":"h","username":"app","password":"Old-password-1","masterarn":"`+master+`"}`)
	var currents []Secret
	for i := range 3 {
		currents = append(currents, e.current(t, arn))
		if err := e.rotate(t, arn); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
	}
	if len(e.db.syncs) != 3 {
		t.Fatalf("%d SyncClone calls, want 3", len(e.db.syncs))
	}
	wantPrevious := []struct{ user, password string }{
		{"", ""}, {"app", "Old-password-1"}, {"app_clone", currents[1].Password},
	}
	for i, c := range e.db.syncs {
		if c.pair.Current.Username != currents[i].Username || c.pair.Current.Password != currents[i].Password {
			t.Errorf("rotation %d: Current is %q, want AWSCURRENT's %q", i+1, c.pair.Current.Username, currents[i].Username)
		}
		if w := wantPrevious[i]; c.pair.Previous.Username != w.user || c.pair.Previous.Password != w.password {
			t.Errorf("rotation %d: Previous is user %q, want %q with its password from the rotation before", i+1, c.pair.Previous.Username, w.user)
		}
	}
}

// TestEngineMasterRequiresTLSWhenTheSecretDoes: the master's connection carries the new
// password, so when the rotated secret requires TLS the master login requires it too,
// whatever the master secret's own ssl key says; otherwise that key decides.
func TestEngineMasterRequiresTLSWhenTheSecretDoes(t *testing.T) {
	cases := []struct {
		name              string
		secretSSL, master string // the ssl key's JSON, "" for none
		want              SSLMode
	}{
		{"required, master without the key", "true", "", SSLRequired},
		{"required, master says false", "true", "false", SSLRequired},
		{"an unknown word reads as absent", `"yes"`, "", SSLPreferred},
		{"absent, master without the key", "", "", SSLPreferred},
		{"absent, master says false", "", "false", SSLDisabled},
		{"disabled, master requires", "false", "true", SSLRequired},
	}
	key := func(v string) string {
		if v == "" {
			return ""
		}
		return `,"ssl":` + v
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngineEnv(t, AlternatingUsers(), map[string]string{"app": "Old-password-1", "root": "Root-password-1"})
			master := e.create(t, "master", `{"engine":"postgres","host":"h","username":"root","password":"Root-password-1"`+key(tc.master)+`}`)
			arn := e.create(t, "app", `{"engine":"postgres","host":"h","username":"app","password":"Old-password-1","masterarn":"`+master+`"`+key(tc.secretSSL)+`}`)
			if err := e.rotate(t, arn); err != nil {
				t.Fatal(err)
			}
			if len(e.db.syncs) != 1 {
				t.Fatalf("%d SyncClone calls, want 1", len(e.db.syncs))
			}
			if got := e.db.syncs[0].master.SSL; got != tc.want {
				t.Errorf("master logged in with ssl %s, want %s", got, tc.want)
			}
		})
	}
}
