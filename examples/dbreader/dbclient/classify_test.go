package dbclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
)

// TestClassify: the errors a login really returns, sorted into what the
// connector retries with a refresh (refused credential), without one
// (transient), and not at all.
func TestClassify(t *testing.T) {
	hangUp := hangingUpServer(t)
	quiet := slog.New(slog.DiscardHandler)
	type want struct{ auth, transient bool }
	cases := []struct {
		name string
		err  func(t *testing.T) error
		want want
	}{
		{"postgres refuses the password", func(t *testing.T) error {
			return openErr(t, secretJSON(t, servers()["postgres plain"], "nobody_pg", "Wrong-pw-1", "false"), nil, quiet)
		}, want{auth: true}},
		{"mariadb refuses the password", func(t *testing.T) error {
			return openErr(t, secretJSON(t, servers()["mariadb plain"], "nobody_my", "Wrong-pw-1", "false"), nil, quiet)
		}, want{auth: true}},
		{"postgres hangs up", func(t *testing.T) error {
			return openErr(t, secretAt(t, "postgres", hangUp), nil, quiet)
		}, want{transient: true}},
		{"mariadb hangs up", func(t *testing.T) error {
			return openErr(t, secretAt(t, "mariadb", hangUp), nil, quiet)
		}, want{transient: true}},
		{"certificate not trusted", func(t *testing.T) error {
			return openErr(t, secretJSON(t, servers()["postgres tls"], "nobody_tls", "Wrong-pw-1", "true"), x509.NewCertPool(), quiet)
		}, want{}},
		{"unknown engine", func(t *testing.T) error {
			return openErr(t, Secret{Engine: "oracle", Host: "127.0.0.1", Username: "u"}, nil, quiet)
		}, want{}},
		{"extension: throttled", func(*testing.T) error { return &ExtensionError{Status: 429, Type: "ThrottlingException"} }, want{transient: true}},
		{"extension: upstream timeout", func(*testing.T) error { return &ExtensionError{Status: 504, Type: "TimeoutError"} }, want{transient: true}},
		{"extension: no such secret", func(*testing.T) error {
			return &ExtensionError{Status: 400, Type: "ResourceNotFoundException"}
		}, want{}},
		{"an attempt's own timeout", func(*testing.T) error { return fmt.Errorf("log in: %w", context.DeadlineExceeded) }, want{transient: true}},
		// What go-sql-driver/mysql returns for a connection that broke before
		// anything was sent, in its own unexported error (seen when MariaDB
		// restarts under a query): not a driver.ErrBadConn, but safe to retry.
		{"mysql: bad connection", func(*testing.T) error {
			return fmt.Errorf("log in as app: %w", errors.New("bad connection"))
		}, want{transient: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			if err == nil {
				t.Fatal("no error")
			}
			if got := (want{IsAuthFailure(err), IsTransient(err)}); got != tc.want {
				t.Errorf("%v: auth %v, transient %v; want %+v", err, got.auth, got.transient, tc.want)
			}
			if strings.Contains(err.Error(), "Wrong-pw-1") {
				t.Errorf("error %q holds the password", err)
			}
		})
	}
}

func openErr(t *testing.T, s Secret, roots *x509.CertPool, log *slog.Logger) error {
	t.Helper()
	sess, err := Open(t.Context(), s, roots, log)
	if err == nil {
		sess.Close()
	}
	return err
}

// secretAt is a secret for engine pointing at addr.
func secretAt(t *testing.T, engine, addr string) Secret {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return secretJSON(t, server{engine: engine, host: host, port: p}, "someone", "Wrong-pw-1", "false")
}

// hangingUpServer accepts connections and closes them at once, as a database
// going down does.
func hangingUpServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// FuzzParseSecret: any SecretString parses or fails without panicking, and a
// failure never quotes the value.
func FuzzParseSecret(f *testing.F) {
	f.Add(`{"engine":"postgres","host":"db","port":5432,"username":"app","password":"pw","dbname":"d","ssl":true}`)
	f.Add(`{"engine":"mysql","port":"3306","password":"p@ss/word"}`)
	f.Add(`{"port":"x"}`)
	f.Add(`not json, with a password in it`)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSecret(in)
		if err != nil {
			if len(in) > 8 && strings.Contains(err.Error(), in) {
				t.Fatalf("error %q quotes the value", err)
			}
			return
		}
		if p, err := s.PortNumber(); err == nil && (p < 1 || p > 65535) {
			t.Fatalf("port %d accepted", p)
		}
	})
}
