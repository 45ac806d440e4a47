package dbtls

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	cases := []struct {
		raw  string // "" for no key
		want Mode
	}{
		{"", Preferred}, {"null", Preferred}, {"true", Required}, {"false", Disabled},
		{`"TRUE"`, Required}, {`"False"`, Disabled}, {`"yes"`, Preferred}, {"1", Preferred}, {`{}`, Preferred},
	}
	for _, tc := range cases {
		var raw json.RawMessage
		if tc.raw != "" {
			raw = json.RawMessage(tc.raw)
		}
		if got := ParseMode(raw); got != tc.want {
			t.Errorf("ParseMode(%s) = %s, want %s", tc.raw, got, tc.want)
		}
	}
}

func TestRootsFromEnv(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvCABundle {
				return v
			}
			return ""
		}
	}
	if roots, err := RootsFromEnv(env("")); roots != nil || err != nil {
		t.Errorf("unset: %v, %v; want the system roots (nil)", roots, err)
	}
	for _, path := range []string{"/nonexistent/ca.pem", notPEM} {
		if _, err := RootsFromEnv(env(path)); err == nil || !strings.Contains(err.Error(), EnvCABundle) {
			t.Errorf("%s: error %v, want one naming %s", path, err, EnvCABundle)
		}
	}
}

// TestConnectPolicy: which attempts each mode makes, and that only the fall back to
// plain text is logged, at WARN, with the host and port.
func TestConnectPolicy(t *testing.T) {
	errTLS, errRefused, errPlain := errors.New("tls: handshake failure"), errors.New("wrong password"), errors.New("connection refused")
	cases := []struct {
		name     string
		mode     Mode
		results  map[bool]error // attempt over TLS (true) or plain (false) → its error
		want     []bool         // the attempts made, in order
		wantErr  error
		wantWarn bool
	}{
		{"required", Required, map[bool]error{true: nil}, []bool{true}, nil, false},
		{"required never falls back", Required, map[bool]error{true: errTLS}, []bool{true}, errTLS, false},
		{"disabled", Disabled, map[bool]error{false: nil}, []bool{false}, nil, false},
		{"preferred over TLS", Preferred, map[bool]error{true: nil}, []bool{true}, nil, false},
		{"preferred falls back", Preferred, map[bool]error{true: errTLS, false: nil}, []bool{true, false}, nil, true},
		{"preferred, refused over TLS", Preferred, map[bool]error{true: errRefused}, []bool{true}, errRefused, false},
		{"preferred, both fail", Preferred, map[bool]error{true: errTLS, false: errPlain}, []bool{true, false}, errPlain, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			target := Target{Host: "db.example.internal", Port: 5432, Mode: tc.mode, Log: slog.New(slog.NewTextHandler(&logs, nil)),
				Refused: func(err error) bool { return errors.Is(err, errRefused) }}
			var made []bool
			_, err := Connect(context.Background(), target, func(_ context.Context, c *tls.Config) (struct{}, error) {
				if c != nil && (c.ServerName != "db.example.internal" || c.InsecureSkipVerify || c.MinVersion < tls.VersionTLS12) {
					t.Errorf("the TLS configuration does not verify the host name: %+v", c)
				}
				made = append(made, c != nil)
				return struct{}{}, tc.results[c != nil]
			})
			if !slices.Equal(made, tc.want) {
				t.Errorf("attempts over TLS: %v, want %v", made, tc.want)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			warned := strings.Contains(logs.String(), "level=WARN")
			if warned != tc.wantWarn || (warned && !strings.Contains(logs.String(), "host=db.example.internal port=5432")) {
				t.Errorf("log %q: want a WARN line naming the server: %v", logs.String(), tc.wantWarn)
			}
		})
	}
}
