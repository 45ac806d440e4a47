package testdb

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// myLogin connects to m over TCP as user/password with the given TLS
// settings (a registered name, or a config) and runs a query.
func myLogin(ctx context.Context, m *MariaDB, user, password, tlsName string, tlsCfg *tls.Config) error {
	cfg := m.UserConfig(user, password, "")
	cfg.TLSConfig, cfg.TLS = tlsName, tlsCfg
	cfg.Timeout = 10 * time.Second
	db, err := openMySQL(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// mysqlErrno returns the server error number, 0 for other errors.
func mysqlErrno(err error) uint16 {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		return myErr.Number
	}
	return 0
}

// errAccessDenied is ER_ACCESS_DENIED_ERROR.
const errAccessDenied = 1045

func TestMariaDBPasswordAuthentication(t *testing.T) {
	ctx := t.Context()
	const userPassword = `p@ss/w:rd'"?%\`
	for _, srv := range []struct {
		name string
		m    *MariaDB
	}{
		{"plain", myPlain},
		{"tls", myTLS},
	} {
		t.Run(srv.name, func(t *testing.T) {
			m := srv.m
			logOnFailure(t, "mariadb "+srv.name, m.LogTail)
			createMariaDBUser(t, m, "auth user", "%", userPassword)
			tests := []struct {
				name, user, password string
				wantErrno            uint16 // 0 means the login succeeds
			}{
				{"root right password", m.User, m.Password, 0},
				{"created user right password", "auth user", userPassword, 0},
				{"created user wrong password", "auth user", "wrong", errAccessDenied},
				{"created user no password", "auth user", "", errAccessDenied},
				{"root wrong password", m.User, m.Password + "x", errAccessDenied},
				{"root no password", m.User, "", errAccessDenied},
				{"unknown user", "nobody", "whatever", errAccessDenied},
				{"anonymous user", "", "", errAccessDenied},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					err := myLogin(ctx, m, tc.user, tc.password, m.TLSName, nil)
					switch {
					case tc.wantErrno == 0 && err != nil:
						t.Fatalf("login failed: %v", err)
					case tc.wantErrno != 0 && mysqlErrno(err) != tc.wantErrno:
						t.Fatalf("login error = %v, want error %d", err, tc.wantErrno)
					}
				})
			}
		})
	}
}

func TestMariaDBNoAnonymousUsers(t *testing.T) {
	db, err := myPlain.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM mysql.user WHERE User = ''").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d anonymous users remain", n)
	}
}

func TestMariaDBTLS(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "mariadb tls", myTLS.LogTail)
	wrongName := myTLS.TLSConfig()
	wrongName.ServerName = "db.example.com"
	tests := []struct {
		name    string
		m       *MariaDB
		tlsName string
		tlsCfg  *tls.Config
		wantOK  bool
	}{
		{"registered config with the CA", myTLS, myTLS.TLSName, nil, true},
		{"TLSConfig with the CA", myTLS, "", myTLS.TLSConfig(), true},
		{"system roots", myTLS, "true", nil, false},
		{"name not in the certificate", myTLS, "", wrongName, false},
		{"TLS required against a plain server", myPlain, "true", nil, false},
		{"TLS preferred against a plain server", myPlain, "preferred", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := myLogin(ctx, tc.m, tc.m.User, tc.m.Password, tc.tlsName, tc.tlsCfg)
			if tc.wantOK && err != nil {
				t.Fatalf("login failed: %v", err)
			}
			if !tc.wantOK && err == nil {
				t.Fatal("login succeeded, want failure")
			}
		})
	}

	t.Run("DSN session is encrypted", func(t *testing.T) {
		db, err := sql.Open("mysql", myTLS.DSN(""))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var name, cipher string
		if err := db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
			t.Fatal(err)
		}
		if cipher == "" {
			t.Error("Ssl_cipher is empty on a TLS connection")
		}
	})
	if myPlain.TLSConfig() != nil || myPlain.CAFile != "" || myPlain.TLSName != "" {
		t.Error("plain server reports TLS material")
	}
}

func TestMariaDBGeneralLog(t *testing.T) {
	ctx := t.Context()
	const marker = "general-log-marker-7a3b"
	const password = "never-logged-4e8f"
	for _, m := range []*MariaDB{myPlain, myTLS} {
		if err := m.Exec(ctx, "", "SELECT ?", marker); err != nil {
			t.Fatal(err)
		}
	}
	createMariaDBUser(t, myTLS, "log user", "localhost", password)
	if !strings.Contains(myTLS.GeneralLog(), marker) || !strings.Contains(myTLS.Log(), marker) {
		t.Errorf("general log lacks the statement; tail:\n%s", myTLS.LogTail(20))
	}
	if strings.Contains(myPlain.Log(), marker) || myPlain.GeneralLog() != "" {
		t.Error("server without GeneralLog logged a statement")
	}
	assertNoSecret(t, "general log after CreateUser", myTLS.Log(), password)
	assertNoSecret(t, "general log", myTLS.Log(), myTLS.Password)
}

func TestMariaDBCreateDatabase(t *testing.T) {
	ctx := t.Context()
	const name = "odd`db name"
	createMariaDBDatabase(t, myPlain, name)
	db, err := myPlain.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != name {
		t.Errorf("DATABASE() = %q, want %q", got, name)
	}
}

func TestMariaDBErrorsHideThePassword(t *testing.T) {
	ctx := t.Context()
	errs := map[string]error{
		"exec in a missing database": myPlain.Exec(ctx, "no such db", "SELECT 1"),
		"bad statement":              myPlain.Exec(ctx, "", "SELEC 1"),
	}
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		assertNoSecret(t, name+" error", err.Error(), myPlain.Password)
	}
	assertNoSecret(t, "String()", myPlain.String(), myPlain.Password)
}

func TestMariaDBUserDSN(t *testing.T) {
	ctx := t.Context()
	const password = `d@sn/pa:ss'"?%\`
	for _, srv := range []struct {
		name string
		m    *MariaDB
	}{
		{"plain", myPlain},
		{"tls", myTLS},
	} {
		t.Run(srv.name, func(t *testing.T) {
			createMariaDBUser(t, srv.m, "dsn user", "%", password)
			for _, tc := range []struct {
				name, password string
				wantOK         bool
			}{
				{"right password", password, true},
				{"wrong password", "wrong", false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					db, err := sql.Open("mysql", srv.m.UserDSN("dsn user", tc.password, ""))
					if err != nil {
						t.Fatal(err)
					}
					defer db.Close()
					err = db.PingContext(ctx)
					if (err == nil) != tc.wantOK {
						t.Fatalf("ping error = %v, want success %t", err, tc.wantOK)
					}
				})
			}
		})
	}
}
