package testdb

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgLoginAs logs in to pg as the superuser over verify-full TLS, dialing
// pg.Host but checking the certificate against serverName: what a client
// that resolved serverName to pg.Host does.
func pgLoginAs(ctx context.Context, pg *Postgres, user, password, serverName string) error {
	cfg, err := pgx.ParseConfig(pg.UserDSN(user, password, ""))
	if err != nil {
		return err
	}
	tlsCfg := pg.TLSConfig()
	tlsCfg.ServerName = serverName
	cfg.TLSConfig, cfg.Fallbacks = tlsCfg, nil
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var one int
	return c.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// myTLSAs is m's client TLS configuration checking serverName.
func myTLSAs(m *MariaDB, serverName string) *tls.Config {
	cfg := m.TLSConfig()
	cfg.ServerName = serverName
	return cfg
}

func TestListenAddressAndNames(t *testing.T) {
	ctx := t.Context()
	logOnFailure(t, "postgres pg1", pgPrimary.LogTail)
	logOnFailure(t, "mariadb my1", myPrimary.LogTail)
	if pgPrimary.Host != pgPrimaryIP || myPrimary.Host != myPrimaryIP {
		t.Fatalf("Host = %s and %s, want the listen addresses %s and %s",
			pgPrimary.Host, myPrimary.Host, pgPrimaryIP, myPrimaryIP)
	}
	if pgTLS.Host != "127.0.0.1" || myTLS.Host != "127.0.0.1" {
		t.Errorf("default Host = %s and %s, want 127.0.0.1", pgTLS.Host, myTLS.Host)
	}
	var listen string
	c, err := pgPrimary.Connect(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if listen != pgPrimaryIP {
		t.Errorf("postgres listen_addresses = %q, want %s", listen, pgPrimaryIP)
	}
	db, err := myPrimary.Connect("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, "SELECT @@bind_address").Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if listen != myPrimaryIP {
		t.Errorf("mariadb bind_address = %q, want %s", listen, myPrimaryIP)
	}

	// verify-full by name: the certificate carries the RDS-style name and
	// still the loopback names it always had.
	for _, tc := range []struct {
		serverName string
		wantOK     bool
	}{
		{pgPrimaryName, true},
		{pgPrimaryIP, true},
		{"localhost", true},
		{"127.0.0.1", true},
		{"pg2.c9xyz.us-east-1.rds.amazonaws.com", false},
	} {
		t.Run("postgres verify-full as "+tc.serverName, func(t *testing.T) {
			err := pgLoginAs(ctx, pgPrimary, pgPrimary.User, pgPrimary.Password, tc.serverName)
			if (err == nil) != tc.wantOK {
				t.Fatalf("login error = %v, want success %t", err, tc.wantOK)
			}
		})
	}
	for _, tc := range []struct {
		serverName string
		wantOK     bool
	}{
		{myPrimaryName, true},
		{myPrimaryIP, true},
		{"localhost", true},
		{"my2.c9xyz.us-east-1.rds.amazonaws.com", false},
	} {
		t.Run("mariadb verify-full as "+tc.serverName, func(t *testing.T) {
			err := myLogin(ctx, myPrimary, myPrimary.User, myPrimary.Password, "", myTLSAs(myPrimary, tc.serverName))
			if (err == nil) != tc.wantOK {
				t.Fatalf("login error = %v, want success %t", err, tc.wantOK)
			}
		})
	}
	t.Run("mariadb DSN verifies the listen address", func(t *testing.T) {
		if err := myLogin(ctx, myPrimary, myPrimary.User, myPrimary.Password, myPrimary.TLSName, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListenOptionsRejectBadValues(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name     string
		listen   string
		dnsNames []string
		want     string
	}{
		{"not loopback", "10.1.2.3", nil, "not an IPv4 loopback address"},
		{"IPv6", "::1", nil, "not an IPv4 loopback address"},
		{"a name", "localhost", nil, "not an IPv4 loopback address"},
		{"empty DNS name", "", []string{""}, "is not a host name"},
		{"DNS name with a port", "", []string{"pg1.example.com:5432"}, "is not a host name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pg, err := StartPostgres(ctx, PostgresOptions{TLS: true, Listen: tc.listen, DNSNames: tc.dnsNames})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				pg.Close()
				t.Errorf("StartPostgres error = %v, want one containing %q", err, tc.want)
			}
			m, err := StartMariaDB(ctx, MariaDBOptions{TLS: true, Listen: tc.listen, DNSNames: tc.dnsNames})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				m.Close()
				t.Errorf("StartMariaDB error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
