package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// plainPG logs every statement and has TLS off; tlsPG has TLS on (plain text still
// accepted); tlsOnlyPG refuses plain text, so a rotation against it shows that every
// login used TLS. Tests share them and isolate themselves with their own databases and
// users.
var plainPG, tlsPG, tlsOnlyPG *testdb.Postgres

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	plainPG, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{LogStatements: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer plainPG.Close()
	tlsPG, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{TLS: true, LogStatements: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer tlsPG.Close()
	tlsOnlyPG, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{RequireTLS: true, LogStatements: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer tlsOnlyPG.Close()
	return m.Run()
}

// trustTestCA is the adapter's options with DB_CA_BUNDLE naming the TLS servers' CAs.
func trustTestCA(t testing.TB) Options {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	var pem []byte
	for _, pg := range []*testdb.Postgres{tlsPG, tlsOnlyPG} {
		b, err := os.ReadFile(pg.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pem = append(pem, b...)
	}
	if err := os.WriteFile(bundle, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := OptionsFromEnv(func(k string) string {
		if k == EnvCABundle {
			return bundle
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// fixture is one test's database and login user on a server.
type fixture struct {
	pg       *testdb.Postgres
	dbname   string
	user     string
	password string
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newFixture creates a database and a user that owns nothing but can read table "notes".
// user may be "" for a random name.
func newFixture(t testing.TB, pg *testdb.Postgres, user string) *fixture {
	t.Helper()
	ctx := context.Background()
	if user == "" {
		user = "app_" + randomHex(t, 4)
	}
	f := &fixture{pg: pg, dbname: "db_" + randomHex(t, 6), user: user, password: "Init-" + randomHex(t, 12)}
	if err := pg.CreateDatabase(ctx, f.dbname); err != nil {
		t.Fatal(err)
	}
	if err := pg.CreateUser(ctx, f.user, f.password); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE notes (id int PRIMARY KEY, body text)",
		"INSERT INTO notes VALUES (1, 'hello')",
		"GRANT SELECT ON notes TO " + pgx.Identifier{f.user}.Sanitize(),
	} {
		if err := pg.Exec(ctx, f.dbname, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log tail:\n%s", pg.LogTail(40))
		}
	})
	return f
}

// secret is the fixture's user as a rotation secret.
func (f *fixture) secret() rotation.Secret {
	return rotation.Secret{Engine: "postgres", Host: f.pg.Host, Port: f.pg.Port, Username: f.user,
		Password: f.password, DBName: f.dbname}
}

// master is the server's superuser as a secret.
func (f *fixture) master() rotation.Secret {
	return rotation.Secret{Engine: "postgres", Host: f.pg.Host, Port: f.pg.Port, Username: f.pg.User,
		Password: f.pg.Password, DBName: f.dbname}
}

// login connects as a client would, over TLS when the server has it, and reads the notes
// table.
func login(ctx context.Context, pg *testdb.Postgres, dbname, user, password string) error {
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return err
	}
	cfg.Host, cfg.Port, cfg.Database = pg.Host, uint16(pg.Port), dbname
	cfg.User, cfg.Password = user, password
	cfg.TLSConfig, cfg.Fallbacks = pg.TLSConfig(), nil // nil (plain text) when the server has no TLS
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var body string
	return conn.QueryRow(ctx, "SELECT body FROM notes WHERE id = 1").Scan(&body)
}

func assertLogsIn(t *testing.T, pg *testdb.Postgres, dbname, user, password string) {
	t.Helper()
	if err := login(t.Context(), pg, dbname, user, password); err != nil {
		t.Errorf("%q cannot log in and read notes: %v", user, err)
	}
}

func assertCannotLogIn(t *testing.T, pg *testdb.Postgres, dbname, user, password string) {
	t.Helper()
	err := login(t.Context(), pg, dbname, user, password)
	if err == nil {
		t.Errorf("%q still logs in with the old password", user)
		return
	}
	if !strings.Contains(err.Error(), "28P01") && !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("%q fails to log in, but not on the password: %v", user, err)
	}
}

// assertNotInLog fails when the server log holds any of the passwords.
func assertNotInLog(t *testing.T, pg *testdb.Postgres, passwords ...string) {
	t.Helper()
	log := pg.Log()
	if !strings.Contains(log, "ALTER ROLE") && !strings.Contains(log, "CREATE ROLE") {
		t.Fatal("the server log holds no ALTER/CREATE ROLE statement: is log_statement on?")
	}
	for _, p := range passwords {
		if p != "" && strings.Contains(log, p) {
			t.Errorf("the server log holds a plaintext password")
		}
	}
}
