// Package dbtlstest is what the tests of TLS to a database share: a proxy that strips
// TLS from a PostgreSQL or MySQL handshake as a man in the middle would, and the check
// of the warning dbtls logs when a login falls back to plain text.
package dbtlstest

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// Stripper forwards TCP connections from 127.0.0.1 (which the test certificates name)
// to a database server. While armed it strips TLS from each new connection's
// handshake, and counts the connections on which the client then goes on in plain
// text: counted before the client's next message is passed on, so before its login
// can succeed.
type Stripper struct {
	Port     int // where it listens on 127.0.0.1
	upstream string
	armed    atomic.Bool
	plain    atomic.Int32
	// strip handles one armed connection up to the client's first plain-text bytes,
	// which it returns (nil when the client gave up); u is the server.
	strip func(c, u net.Conn) []byte
}

// Arm makes every later connection lose TLS.
func (s *Stripper) Arm() { s.armed.Store(true) }

// PlainLogins is how many armed connections went on in plain text.
func (s *Stripper) PlainLogins() int { return int(s.plain.Load()) }

// StripPostgres answers an armed client's SSLRequest with 'N' itself, the server's "no
// TLS here", so a client that merely prefers TLS talks plain text.
func StripPostgres(t testing.TB, upstream string) *Stripper {
	return start(t, upstream, func(c, _ net.Conn) []byte {
		first := make([]byte, 8)
		if _, err := io.ReadFull(c, first); err != nil {
			return nil
		}
		const sslRequest = 80877103
		if binary.BigEndian.Uint32(first[4:]) != sslRequest {
			return first // plain text from the start
		}
		if _, err := c.Write([]byte{'N'}); err != nil {
			return nil
		}
		// A client that requires TLS gives up here; one that goes on speaks plain text.
		if _, err := io.ReadFull(c, first); err != nil {
			return nil
		}
		return first
	})
}

// StripMySQL clears CLIENT_SSL in the server's greeting, so a client that merely
// prefers TLS answers it in plain text.
func StripMySQL(t testing.TB, upstream string) *Stripper {
	return start(t, upstream, func(c, u net.Conn) []byte {
		// The greeting: a 4-byte header (3-byte length, sequence), then protocol version
		// 10, the server version up to a NUL, a 4-byte connection id, 8 bytes of
		// scramble, a filler byte and the low two bytes of the capability flags.
		head := make([]byte, 4)
		if _, err := io.ReadFull(u, head); err != nil {
			return nil
		}
		payload := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
		if _, err := io.ReadFull(u, payload); err != nil {
			return nil
		}
		if nul := strings.IndexByte(string(payload), 0); len(payload) > 0 && payload[0] == 10 && nul > 0 && nul+16 <= len(payload) {
			const clientSSL = 0x0800
			at := nul + 1 + 4 + 8 + 1
			binary.LittleEndian.PutUint16(payload[at:], binary.LittleEndian.Uint16(payload[at:])&^clientSSL)
		}
		if _, err := c.Write(append(head, payload...)); err != nil {
			return nil
		}
		// A client that requires TLS hangs up without a word.
		answer := make([]byte, 4096)
		n, _ := c.Read(answer)
		if n == 0 {
			return nil
		}
		return answer[:n]
	})
}

func start(t testing.TB, upstream string, strip func(c, u net.Conn) []byte) *Stripper {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Stripper{Port: l.Addr().(*net.TCPAddr).Port, upstream: upstream, strip: strip}
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
	return s
}

func (s *Stripper) serve(c net.Conn) {
	defer c.Close()
	u, err := net.Dial("tcp", s.upstream)
	if err != nil {
		return
	}
	defer u.Close()
	if s.armed.Load() {
		rest := s.strip(c, u)
		if rest == nil {
			return
		}
		s.plain.Add(1)
		if _, err := u.Write(rest); err != nil {
			return
		}
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(u, c); done <- struct{}{} }()
	go func() { io.Copy(c, u); done <- struct{}{} }()
	<-done
}

// ArmAtSync wraps db so that s is armed when SyncClone starts: the master's login is
// attacked, and the users' own logins before it are not.
func ArmAtSync(db rotation.Database, s *Stripper) rotation.Database {
	return armAtSync{Database: db, s: s}
}

type armAtSync struct {
	rotation.Database
	s *Stripper
}

func (a armAtSync) SyncClone(ctx context.Context, master rotation.Secret, p rotation.Pair) error {
	a.s.Arm()
	return a.Database.SyncClone(ctx, master, p)
}

// CheckFallbackWarning reads logs written by slog's JSON handler: with want, exactly one
// WARN record naming host and port (the fall back to plain text), else none; and never
// the password.
func CheckFallbackWarning(logs string, want bool, host string, port int, password string) error {
	if password != "" && strings.Contains(logs, password) {
		return fmt.Errorf("the log holds the password: %s", logs)
	}
	var warns []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] == "WARN" {
			warns = append(warns, rec)
		}
	}
	switch {
	case !want && len(warns) > 0:
		return fmt.Errorf("unexpected warning: %v", warns)
	case want && len(warns) != 1:
		return fmt.Errorf("%d WARN lines, want one; log:\n%s", len(warns), logs)
	case want && (warns[0]["host"] != host || warns[0]["port"] != float64(port)):
		return fmt.Errorf("the warning names %v:%v, want %s:%d", warns[0]["host"], warns[0]["port"], host, port)
	}
	return nil
}
