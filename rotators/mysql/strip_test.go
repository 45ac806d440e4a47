package mysql

import (
	"context"
	"crypto/x509"
	"encoding/binary"
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

// tlsStripper forwards TCP connections to a MySQL server. While armed it clears
// CLIENT_SSL in the server's greeting, as a man in the middle does to make a client
// that only prefers TLS talk plain text, and counts the armed connections on which the
// client then answers (in plain text).
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

// clientSSL is the CLIENT_SSL capability flag of the handshake.
const clientSSL = 0x0800

func (s *tlsStripper) serve(c net.Conn) {
	defer c.Close()
	armed := s.armed.Load()
	u, err := net.Dial("tcp", s.addr)
	if err != nil {
		return
	}
	defer u.Close()
	// The greeting: a 4-byte header (3-byte length, sequence), then protocol version 10,
	// the server version up to a NUL, a 4-byte connection id, 8 bytes of scramble, a
	// filler byte and the low two bytes of the capability flags.
	head := make([]byte, 4)
	if _, err := io.ReadFull(u, head); err != nil {
		return
	}
	payload := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
	if _, err := io.ReadFull(u, payload); err != nil {
		return
	}
	if armed && len(payload) > 0 && payload[0] == 10 {
		if nul := strings.IndexByte(string(payload[1:]), 0); nul >= 0 && 1+nul+1+4+8+1+2 <= len(payload) {
			at := 1 + nul + 1 + 4 + 8 + 1
			binary.LittleEndian.PutUint16(payload[at:], binary.LittleEndian.Uint16(payload[at:])&^clientSSL)
		}
	}
	if _, err := c.Write(append(head, payload...)); err != nil {
		return
	}
	// A client that requires TLS hangs up without a word; one that answers the stripped
	// greeting logs in in plain text. It is counted before its answer is passed on, so
	// before the login can succeed.
	answer := make([]byte, 4096)
	n, err := c.Read(answer)
	if n == 0 || err != nil && err != io.EOF {
		return
	}
	if armed {
		s.plain.Add(1)
	}
	if _, err := u.Write(answer[:n]); err != nil {
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
// native hash on MariaDB, the password itself on MySQL), so when someone on the path
// strips TLS from it the rotation must fail rather than send it in plain text.
func TestMasterLoginRequiresTLSWhenTheSecretDoes(t *testing.T) {
	t.Parallel()
	g := newRig(t, rotation.AlternatingUsers())
	strip, port := startStripper(t, tlsServer.Config("").Addr)
	pw, err := rotation.PasswordConfigFromEnv(func(string) string { return "" }, DefaultExcludeCharacters)
	if err != nil {
		t.Fatal(err)
	}
	db := armAtSync{Database: g.d, arm: func() { strip.armed.Store(true) }}
	g.r = rotation.New(rotation.AlternatingUsers(), db, g.sm, pw, slog.New(slog.NewTextHandler(g.logs, nil)))

	user, userPW := uniq("strip"), "strip-pw-"+uniq("")
	createUser(t, tlsServer, user, "127.0.0.1", userPW)
	t.Cleanup(func() { dropAll(tlsServer, user+"_clone") })
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLPreferred)
	master.Port = port
	s := secretFor(tlsServer, user, userPW, rotation.SSLRequired)
	s.Port = port
	s.MasterARN = g.create(t, master)
	id := g.create(t, s)

	err = g.rotate(id, "")
	if n := strip.plain.Load(); n != 0 {
		t.Fatalf("%d login(s) went on in plain text after TLS was stripped", n)
	}
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("rotation error = %v, want the master's TLS failure", err)
	}
	pending, _ := g.stage(t, id, rotation.StagePending)
	if hosts := hostsOf(t, pending.Username); len(hosts) != 0 {
		t.Errorf("the clone %q was created at %q", pending.Username, hosts)
	}
	if cur, _ := g.stage(t, id, rotation.StageCurrent); cur.Username != user {
		t.Errorf("AWSCURRENT moved to %q", cur.Username)
	}
}

// TestFallbackToPlainTextIsLoggedAtWarn: with ssl absent, a login that falls back to
// plain text says so at WARN, naming the server and never a password; one that gets
// TLS, or one that requires it, logs nothing.
func TestFallbackToPlainTextIsLoggedAtWarn(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		srv      *testdb.MariaDB
		roots    bool // trust the test CA
		ssl      rotation.SSLMode
		wantWarn bool
	}{
		"preferred, server without TLS":       {plainServer, true, rotation.SSLPreferred, true},
		"preferred, certificate not verified": {tlsServer, false, rotation.SSLPreferred, true},
		"preferred, verified":                 {tlsServer, true, rotation.SSLPreferred, false},
		"required":                            {tlsServer, true, rotation.SSLRequired, false},
		"disabled":                            {plainServer, true, rotation.SSLDisabled, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			user, pw := uniq("warn"), "warn-pw-"+uniq("")
			createUser(t, tc.srv, user, "127.0.0.1", pw)
			cfg := Config{Roots: x509.NewCertPool()}
			if tc.roots {
				cfg = adapter(t, tlsServer).cfg
			}
			var logs safebuf.Buffer
			cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
			if err := New(cfg).Ping(context.Background(), secretFor(tc.srv, user, pw, tc.ssl)); err != nil {
				t.Fatal(err)
			}
			text := logs.String()
			if strings.Contains(text, pw) {
				t.Fatalf("the log holds the password: %s", text)
			}
			warns := strings.Count(text, "level=WARN")
			named := strings.Contains(text, "host="+tc.srv.Host+" port="+strconv.Itoa(tc.srv.Port))
			if tc.wantWarn && (warns != 1 || !named) {
				t.Fatalf("want one WARN line naming %s:%d, log:\n%s", tc.srv.Host, tc.srv.Port, text)
			}
			if !tc.wantWarn && warns != 0 {
				t.Fatalf("unexpected warning:\n%s", text)
			}
		})
	}
}
