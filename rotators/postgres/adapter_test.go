package postgres

import (
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func TestSetPasswordSendsVerifierThatPostgresAccepts(t *testing.T) {
	cases := []struct {
		name, user, newPassword string
	}{
		{"plain name", "", "N3w-" + randomHex(t, 10)},
		{"punctuation password", "", `p@ss:w/o"r'd\ ;--$1` + randomHex(t, 4)},
		{"injection in name", `a"; DROP ROLE x; --` + randomHex(t, 2), "N3w-" + randomHex(t, 10)},
		{"unicode name", "ünïcødé_用户_" + randomHex(t, 2), "N3w-" + randomHex(t, 10)},
		{"upper case name", "App_" + strings.ToUpper(randomHex(t, 3)), "N3w-" + randomHex(t, 10)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, plainPG, tc.user)
			db := New(Options{})
			if err := db.SetPassword(t.Context(), f.secret(), f.user, tc.newPassword); err != nil {
				t.Fatal(err)
			}
			assertLogsIn(t, plainPG, f.dbname, f.user, tc.newPassword)
			assertCannotLogIn(t, plainPG, f.dbname, f.user, f.password)
			assertNotInLog(t, plainPG, tc.newPassword)
		})
	}
}

func TestScramVerifierFormat(t *testing.T) {
	// The header carries the iterations and the salt; that the keys are right is proven by
	// logging in (TestSetPasswordSendsVerifierThatPostgresAccepts).
	v, err := scramVerifierWithSalt("pencil", []byte("0123456789abcdef"), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$") {
		t.Errorf("verifier %q has the wrong header", v)
	}
	if _, err := quoteVerifier(v); err != nil {
		t.Error(err)
	}
	if _, err := quoteVerifier(v + "'"); err == nil {
		t.Error("a quote in a verifier was accepted")
	}
	if _, err := scramVerifier("pässword"); err == nil {
		t.Error("a non-ASCII password was hashed without SASLprep")
	}
}

// TestNamesPostgresWouldNotTakeLiterally uses names that, sent as they are, would change
// the password of another, existing role: pgx drops a NUL byte from an identifier, and
// the server cuts a name to 63 bytes.
func TestNamesPostgresWouldNotTakeLiterally(t *testing.T) {
	f := newFixture(t, plainPG, "")
	long := "long_" + randomHex(t, 29) // 63 bytes
	longPW := "Long-" + randomHex(t, 8)
	if err := f.pg.CreateUser(t.Context(), long, longPW); err != nil {
		t.Fatal(err)
	}
	db := New(Options{})
	cases := []struct {
		name, user string
		victim     rotation.Secret // must still log in with its password
	}{
		{"NUL byte", f.user[:3] + "\x00" + f.user[3:], f.secret()},
		{"over 63 bytes", long + "x", f.master().WithCredentials(long, longPW)},
		{"empty", "", f.secret()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := db.SetPassword(t.Context(), f.master(), tc.user, "N3w-password-1"); err == nil {
				t.Fatal("accepted")
			}
			if err := db.Ping(t.Context(), tc.victim); err != nil {
				t.Errorf("%q no longer logs in with its password: %v", tc.victim.Username, err)
			}
		})
	}
}

func TestLoginErrorsNameTheFailureNotThePassword(t *testing.T) {
	f := newFixture(t, plainPG, "")
	s := f.secret()
	s.Password = "Wrong-" + randomHex(t, 8)
	err := New(Options{}).Ping(t.Context(), s)
	if err == nil {
		t.Fatal("a wrong password logged in")
	}
	if !strings.Contains(err.Error(), f.user) || !strings.Contains(err.Error(), "28P01") {
		t.Errorf("error %q does not say who failed and why", err)
	}
	if strings.Contains(err.Error(), s.Password) {
		t.Errorf("error %q holds the password", err)
	}
}

func TestTLS(t *testing.T) {
	bundle := trustTestCA(t)
	cases := []struct {
		name    string
		server  func() *fixture
		opts    Options
		ssl     rotation.SSLMode
		wantErr string
		wantTLS bool // when the login succeeds: is the session encrypted?
	}{
		{"required, verified with DB_CA_BUNDLE", func() *fixture { return newFixture(t, tlsPG, "") }, bundle, rotation.SSLRequired, "", true},
		{"required, CA unknown", func() *fixture { return newFixture(t, tlsPG, "") }, Options{}, rotation.SSLRequired, "certificate", false},
		{"required against a plain server", func() *fixture { return newFixture(t, plainPG, "") }, bundle, rotation.SSLRequired, "TLS", false},
		{"preferred against a plain server falls back", func() *fixture { return newFixture(t, plainPG, "") }, Options{}, rotation.SSLPreferred, "", false},
		{"preferred with an unverifiable certificate falls back", func() *fixture { return newFixture(t, tlsPG, "") }, Options{}, rotation.SSLPreferred, "", false},
		{"preferred, verified", func() *fixture { return newFixture(t, tlsPG, "") }, bundle, rotation.SSLPreferred, "", true},
		{"disabled against a TLS server", func() *fixture { return newFixture(t, tlsPG, "") }, bundle, rotation.SSLDisabled, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.server()
			s := f.secret()
			s.SSL = tc.ssl
			err := New(tc.opts).Ping(t.Context(), s)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Ping: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatal("Ping succeeded")
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
			if tc.wantErr != "" {
				return
			}
			// The server's view of the session, as a user auditing pg_stat_ssl sees it.
			conn, err := New(tc.opts).connect(t.Context(), s)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(t.Context())
			var encrypted bool
			if err := conn.QueryRow(t.Context(), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&encrypted); err != nil {
				t.Fatal(err)
			}
			if encrypted != tc.wantTLS {
				t.Errorf("session encrypted = %v, want %v", encrypted, tc.wantTLS)
			}
		})
	}
}

func TestOptionsFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
		setRole bool
	}{
		{"defaults", nil, "", false},
		{"clone set role", map[string]string{EnvCloneSetRole: "true"}, "", true},
		{"bad boolean", map[string]string{EnvCloneSetRole: "sometimes"}, EnvCloneSetRole, false},
		{"missing bundle", map[string]string{EnvCABundle: "/nonexistent/ca.pem"}, EnvCABundle, false},
		{"bundle without certificates", map[string]string{EnvCABundle: "/etc/hostname"}, "no PEM certificate", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := OptionsFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.CloneSetRole != tc.setRole {
				t.Errorf("CloneSetRole = %v", o.CloneSetRole)
			}
		})
	}
}

func TestCheckSCRAMServer(t *testing.T) {
	cases := []struct {
		version string
		ok      bool
	}{
		{"15.4 (Debian 15.4-1.pgdg120+1)", true},
		{"10.23", true},
		{"16beta1", true},
		{"17devel", true},
		{"9.6.24", false},
		{"8.4", false},
		{"", true}, // not reported (a proxy): every server before 10 reports it
		{"unknown", false},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			if err := checkSCRAMServer(tc.version); (err == nil) != tc.ok {
				t.Errorf("checkSCRAMServer(%q) = %v, want ok=%v", tc.version, err, tc.ok)
			}
		})
	}
}
