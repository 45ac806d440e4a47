package testdb

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestTailLines(t *testing.T) {
	tests := []struct {
		name string
		text string
		n    int
		want string
	}{
		{"fewer lines than asked", "a\nb\n", 5, "a\nb"},
		{"last two of three", "a\nb\nc\n", 2, "b\nc"},
		{"no trailing newline", "a\nb\nc", 1, "c"},
		{"zero lines", "a\nb\n", 0, ""},
		{"empty log", "", 3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tailLines(tc.text, tc.n); got != tc.want {
				t.Errorf("tailLines(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
			}
		})
	}
}

func TestLogExcerptKeepsErrorsBeyondTheTail(t *testing.T) {
	log := "[ERROR] the real cause\n" + strings.Repeat("boilerplate\n", 2*defaultLogTail)
	got := logExcerpt("install output", log)
	if !strings.Contains(got, "the real cause") {
		t.Errorf("excerpt lost the error line:\n%s", got)
	}
}

func TestNativePasswordHash(t *testing.T) {
	// Values of MariaDB's PASSWORD() function.
	tests := []struct {
		name, password, want string
	}{
		{"word", "password", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"},
		{"empty means none", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nativePasswordHash(tc.password); got != tc.want {
				t.Errorf("nativePasswordHash(%q) = %s, want %s", tc.password, got, tc.want)
			}
		})
	}
}

func TestScramVerifierFormat(t *testing.T) {
	v, err := scramVerifier("secret")
	if err != nil {
		t.Fatal(err)
	}
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
	rest, ok := strings.CutPrefix(v, "SCRAM-SHA-256$4096:")
	if !ok || strings.Count(rest, "$") != 1 || strings.Count(rest, ":") != 1 {
		t.Errorf("verifier %q is not in PostgreSQL's format", v)
	}
	if strings.Contains(v, "secret") {
		t.Error("verifier contains the password")
	}
	v2, err := scramVerifier("secret")
	if err != nil {
		t.Fatal(err)
	}
	if v == v2 {
		t.Error("two verifiers of one password are equal: the salt is not random")
	}
}

// createMariaDBUser creates name@host on m and drops it when the test ends, so
// that the package's shared servers are as each test found them and the tests
// can run again in the same process (-count=N).
func createMariaDBUser(t *testing.T, m *MariaDB, name, host, password string) {
	t.Helper()
	if err := m.CreateUser(t.Context(), name, host, password); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Exec(context.Background(), "", "DROP USER ?@?", name, host); err != nil {
			t.Errorf("drop user %q@%q: %v", name, host, err)
		}
	})
}

// createMariaDBDatabase creates database name on m and drops it when the test ends.
func createMariaDBDatabase(t *testing.T, m *MariaDB, name string) {
	t.Helper()
	if err := m.CreateDatabase(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Exec(context.Background(), "", "DROP DATABASE "+quoteMySQLIdent(name)); err != nil {
			t.Errorf("drop database %q: %v", name, err)
		}
	})
}

// createPostgresUser creates a LOGIN role on pg and drops it when the test ends.
func createPostgresUser(t *testing.T, pg *Postgres, name, password string) {
	t.Helper()
	if err := pg.CreateUser(t.Context(), name, password); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pg.Exec(context.Background(), "postgres", "DROP ROLE "+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Errorf("drop role %q: %v", name, err)
		}
	})
}

// createPostgresDatabase creates database name on pg and drops it when the test
// ends (WITH (FORCE): a connection the test left open must not keep it).
func createPostgresDatabase(t *testing.T, pg *Postgres, name string) {
	t.Helper()
	if err := pg.CreateDatabase(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pg.Exec(context.Background(), "postgres", "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %q: %v", name, err)
		}
	})
}
