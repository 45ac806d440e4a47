// Package dbtls reaches a database the way a Secrets Manager database secret's "ssl" key
// says, with the meaning AWS's rotation templates give it: absent, try TLS and fall back
// to plain text; true, TLS required; false, plain text. TLS is always verified: the
// server's certificate against the system roots plus DB_CA_BUNDLE, and its name against
// the secret's host (verify-full).
//
// The rotators log in with it, and so does examples/dbreader, so that a function reading
// a rotated secret treats "ssl" exactly as the function rotating it. It knows no driver:
// the caller makes each attempt with the *tls.Config it is handed (pgx's TLSConfig,
// go-sql-driver/mysql's TLS).
package dbtls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Mode is the meaning of the secret's "ssl" key.
type Mode int

const (
	// Preferred is the zero value: the key is absent (or neither true nor false), so
	// try TLS and fall back to plain text, as AWS's templates do.
	Preferred Mode = iota
	// Required is "ssl": true (or "true"): verified TLS or nothing.
	Required
	// Disabled is "ssl": false (or "false"): plain text only.
	Disabled
)

// String names the mode for messages.
func (m Mode) String() string {
	switch m {
	case Required:
		return "required"
	case Disabled:
		return "disabled"
	default:
		return "preferred"
	}
}

// ParseMode reads the raw JSON of the "ssl" key as AWS's templates do: a JSON boolean,
// or the strings "true" and "false" in any case, are strict; anything else (another
// string, a number, null, no key) means Preferred. Keeping that reading is what makes a
// secret that works with AWS's functions work here too.
func ParseMode(raw json.RawMessage) Mode {
	if raw == nil || string(raw) == "null" {
		return Preferred
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return Required
		}
		return Disabled
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "true":
			return Required
		case "false":
			return Disabled
		}
	}
	return Preferred
}

// EnvCABundle names a PEM file of CA certificates trusted on top of the system roots:
// for RDS, its CA bundle shipped with the function.
const EnvCABundle = "DB_CA_BUNDLE"

// RootsFromEnv returns the system roots plus the certificates in DB_CA_BUNDLE, or nil
// (the system roots) when it is unset. An unreadable file, or one holding no PEM
// certificate, is an error naming the variable: TLS that cannot verify would otherwise
// fail every login with a less obvious message.
func RootsFromEnv(getenv func(string) string) (*x509.CertPool, error) {
	path := getenv(EnvCABundle)
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvCABundle, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s=%q: no PEM certificate in the file", EnvCABundle, path)
	}
	return pool, nil
}

// Config is the client configuration for host: the certificate verified against roots
// (nil: the system roots) and the name host, TLS 1.2 or later.
func Config(host string, roots *x509.CertPool) *tls.Config {
	return &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12}
}

// Target is a database server as a secret names it, and how to reach it.
type Target struct {
	Host  string
	Port  int
	Mode  Mode
	Roots *x509.CertPool // nil: the system roots
	// Log gets the warning when Preferred falls back to plain text; nil is slog.Default().
	Log *slog.Logger
	// Refused reports whether an attempt's error means the server answered and refused
	// the credential (a wrong password, say). Then plain text is not tried: the server
	// would refuse it there too, and the password would cross the network unencrypted
	// for nothing. Nil means never.
	Refused func(error) bool
}

// Connect logs in as t.Mode says, calling attempt once or twice: with the TLS
// configuration for t.Host, or with nil for plain text. Required makes one TLS attempt
// and Disabled one plain one. Preferred tries TLS first and, unless the server refused
// the credential, plain text next — a fallback logged at WARN, naming the host and
// what failed, because it is also what a man in the middle would provoke to read the
// password. attempt's errors must not hold a password: they are logged.
func Connect[C any](ctx context.Context, t Target, attempt func(ctx context.Context, tc *tls.Config) (C, error)) (C, error) {
	switch t.Mode {
	case Required:
		return attempt(ctx, Config(t.Host, t.Roots))
	case Disabled:
		return attempt(ctx, nil)
	}
	c, errTLS := attempt(ctx, Config(t.Host, t.Roots))
	if errTLS == nil || (t.Refused != nil && t.Refused(errTLS)) {
		return c, errTLS
	}
	log := t.Log
	if log == nil {
		log = slog.Default()
	}
	log.Warn(`TLS to the database failed; trying plain text, as the secret has no "ssl" key (set "ssl": true to require TLS)`,
		"host", t.Host, "port", t.Port, "error", errTLS.Error())
	c, errPlain := attempt(ctx, nil)
	if errPlain != nil {
		var zero C
		return zero, fmt.Errorf("%w (over TLS first: %v)", errPlain, errTLS)
	}
	return c, nil
}
