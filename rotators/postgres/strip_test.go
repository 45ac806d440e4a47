package postgres

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// tlsStripper forwards TCP connections to a PostgreSQL server. While armed it answers a
// client's SSLRequest with 'N' itself, as a man in the middle does to make a client that
// only prefers TLS talk plain text, and counts the armed connections that then log in
// in plain text.
type tlsStripper struct {
	addr  string
	armed atomic.Bool
	plain atomic.Int32
}

// startStripper listens on 127.0.0.1 (which the test certificate names) until the test
// ends and returns the port.
func startStripper(t *testing.T, upstream string) (*tlsStripper, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tlsStripper{addr: upstream}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { s.serve(c) })
		}
	})
	return s, l.Addr().(*net.TCPAddr).Port
}

// sslRequest is the code of PostgreSQL's SSLRequest message.
const sslRequest = 80877103

func (s *tlsStripper) serve(c net.Conn) {
	defer c.Close()
	armed := s.armed.Load()
	first := make([]byte, 8)
	if _, err := io.ReadFull(c, first); err != nil {
		return
	}
	isSSLRequest := binary.BigEndian.Uint32(first[4:]) == sslRequest
	if armed && isSSLRequest {
		if _, err := c.Write([]byte{'N'}); err != nil {
			return
		}
		// A client that requires TLS gives up here; one that goes on speaks plain text.
		if _, err := io.ReadFull(c, first); err != nil {
			return
		}
	}
	if armed {
		s.plain.Add(1)
	}
	u, err := net.Dial("tcp", s.addr)
	if err != nil {
		return
	}
	defer u.Close()
	if _, err := u.Write(first); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(u, c); done <- struct{}{} }()
	go func() { io.Copy(c, u); done <- struct{}{} }()
	<-done
}

// armAtSync arms the stripper when the master logs in, so the users' own logins (which
// require TLS) go through and only the master's connection is attacked.
type armAtSync struct {
	rotation.Database
	arm func()
}

func (a armAtSync) SyncClone(ctx context.Context, master rotation.Secret, p rotation.Pair) error {
	a.arm()
	return a.Database.SyncClone(ctx, master, p)
}

// TestMasterLoginRequiresTLSWhenTheSecretDoes: the rotated secret says ssl true and the
// master secret has no ssl key. The master's connection carries the new password (as a
// SCRAM verifier) to the server, so when someone on the path strips TLS from it the
// rotation must fail rather than send it in plain text.
func TestMasterLoginRequiresTLSWhenTheSecretDoes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, tlsPG, "")
	strip, port := startStripper(t, net.JoinHostPort(tlsPG.Host, strconv.Itoa(tlsPG.Port)))
	opts, err := OptionsFromEnv(func(k string) string {
		if k == EnvCABundle {
			return tlsPG.CAFile
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	e := newAWS(t)
	pw, _ := rotation.PasswordConfigFromEnv(func(string) string { return "" }, DefaultExcludeCharacters)
	db := armAtSync{Database: New(opts), arm: func() { strip.armed.Store(true) }}
	e.srv.RegisterHandler(functionARN, rotation.New(rotation.AlternatingUsers(), db, e.sm, pw, nil).Handle)

	master := f.master()
	master.Port = port // no ssl key: the master secret alone would prefer TLS
	s := f.secret()
	s.Port, s.SSL = port, rotation.SSLRequired
	s.MasterARN = e.createSecret(t, "master-"+f.user, master)
	arn := e.createSecret(t, "strip-"+f.user, s)

	err = e.rotate(t.Context(), arn, "")
	if n := strip.plain.Load(); n != 0 {
		t.Fatalf("%d login(s) went on in plain text after TLS was stripped", n)
	}
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("rotation error = %v, want the master's TLS failure", err)
	}
	pending, _ := e.value(t, arn, rotation.StagePending)
	assertCannotLogIn(t, f.pg, f.dbname, pending.Username, pending.Password)
	cur, _ := e.value(t, arn, rotation.StageCurrent)
	if cur.Username != f.user {
		t.Errorf("AWSCURRENT moved to %q", cur.Username)
	}
}

// TestFallbackToPlainTextIsLoggedAtWarn: with ssl absent, a login that falls back to
// plain text says so at WARN, naming the server and never a password; one that gets
// TLS, or one that requires it, logs nothing.
func TestFallbackToPlainTextIsLoggedAtWarn(t *testing.T) {
	bundle, err := OptionsFromEnv(func(k string) string {
		if k == EnvCABundle {
			return tlsPG.CAFile
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		pg       *testdb.Postgres
		opts     Options
		ssl      rotation.SSLMode
		wantWarn bool
	}{
		{"preferred, server without TLS", plainPG, bundle, rotation.SSLPreferred, true},
		{"preferred, certificate not verified", tlsPG, Options{}, rotation.SSLPreferred, true},
		{"preferred, verified", tlsPG, bundle, rotation.SSLPreferred, false},
		{"required", tlsPG, bundle, rotation.SSLRequired, false},
		{"disabled", plainPG, bundle, rotation.SSLDisabled, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.pg, "")
			var logs safebuf.Buffer
			tc.opts.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			s := f.secret()
			s.SSL = tc.ssl
			if err := New(tc.opts).Ping(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			assertFallbackWarning(t, logs.String(), tc.wantWarn, tc.pg.Host, tc.pg.Port, f.password)
		})
	}
}

// assertFallbackWarning checks the log for one WARN line naming host and port, or none,
// and for the password anywhere.
func assertFallbackWarning(t *testing.T, logs string, want bool, host string, port int, password string) {
	t.Helper()
	if strings.Contains(logs, password) {
		t.Fatalf("the log holds the password: %s", logs)
	}
	var warns []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if line == "" || json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["level"] == "WARN" {
			warns = append(warns, rec)
		}
	}
	switch {
	case !want && len(warns) > 0:
		t.Fatalf("unexpected warning: %v", warns)
	case want && len(warns) != 1:
		t.Fatalf("%d WARN lines, want one; log:\n%s", len(warns), logs)
	case want && (warns[0]["host"] != host || warns[0]["port"] != float64(port)):
		t.Fatalf("the warning names %v:%v, want %s:%d: %v", warns[0]["host"], warns[0]["port"], host, port, warns[0])
	}
}
