package mysql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		env       map[string]string
		wantLimit int
		wantErr   string
	}{
		"defaults":           {env: nil, wantLimit: 32},
		"limit":              {env: map[string]string{EnvUsernameLimit: "16"}, wantLimit: 16},
		"limit not a number": {env: map[string]string{EnvUsernameLimit: "lots"}, wantErr: EnvUsernameLimit},
		"limit zero":         {env: map[string]string{EnvUsernameLimit: "0"}, wantErr: EnvUsernameLimit},
		"bundle missing":     {env: map[string]string{EnvCABundle: "/nonexistent/ca.pem"}, wantErr: EnvCABundle},
		"bundle without PEM": {env: map[string]string{EnvCABundle: notPEM}, wantErr: EnvCABundle},
		"bundle of test CA":  {env: map[string]string{EnvCABundle: tlsServer.CAFile}, wantLimit: 32},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := New(cfg).MaxUsernameLength(); got != tc.wantLimit {
				t.Fatalf("MaxUsernameLength = %d, want %d", got, tc.wantLimit)
			}
		})
	}
}
