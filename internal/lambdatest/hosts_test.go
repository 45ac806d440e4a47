package lambdatest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// hostEtcHosts describes the real /etc/hosts: its content and whether
// anything is mounted over it, as this process sees it.
func hostEtcHosts(t *testing.T) (content string, mounted bool) {
	t.Helper()
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	return string(b), mountedAt(t, "/etc/hosts")
}

// resolve asks the function to look name up.
func resolve(t *testing.T, fn *lambdatest.Function, name string) (addrs []string, lookupErr string) {
	t.Helper()
	ev, _ := json.Marshal(map[string]string{"name": name})
	body, err := fn.Invoke(t.Context(), ev)
	if err != nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	var got struct {
		Addrs []string `json:"addrs"`
		Error string   `json:"error"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("resolve %s: response %q: %v", name, body, err)
	}
	return got.Addrs, got.Error
}

func TestHostsResolveInsideTheFunction(t *testing.T) {
	t.Parallel()
	boot := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdatest.BuildBootstrap(t.Context(), "./testdata/resolve", boot); err != nil {
		t.Fatal(err)
	}
	before, mountedBefore := hostEtcHosts(t)
	const (
		pg1 = "pg1.c9xyz.us-east-1.rds.amazonaws.com"
		my1 = "my1.cluster-ro-c9xyz.us-east-1.rds.amazonaws.com"
	)
	fn := lambdatest.StartTest(t, lambdatest.Options{
		Bootstrap: boot,
		Hosts:     map[string]string{pg1: "127.0.0.3", my1: "127.0.0.4"},
	})
	for _, tc := range []struct {
		name string
		want string
	}{
		{pg1, "127.0.0.3"},
		{my1, "127.0.0.4"},
		{"localhost", "127.0.0.1"},
	} {
		addrs, lookupErr := resolve(t, fn, tc.name)
		if !slices.Contains(addrs, tc.want) {
			t.Errorf("inside the function %s resolves to %q (error %q), want %s", tc.name, addrs, lookupErr, tc.want)
		}
	}
	during, mountedDuring := hostEtcHosts(t)
	if during != before || mountedDuring != mountedBefore {
		t.Errorf("the real /etc/hosts changed while the function ran (mounted %v -> %v):\n%s\n->\n%s",
			mountedBefore, mountedDuring, before, during)
	}
	if strings.Contains(during, pg1) {
		t.Errorf("the real /etc/hosts names %s", pg1)
	}
}

func TestHostsRejectsBadEntries(t *testing.T) {
	t.Parallel()
	boot := buildEcho(t)
	tests := []struct {
		name  string
		hosts map[string]string
		want  string
	}{
		{"not an address", map[string]string{"pg1.example.com": "pg2.example.com"}, "not an IP address"},
		{"empty name", map[string]string{"": "127.0.0.3"}, "not a host name"},
		{"name with a space", map[string]string{"pg1 example.com": "127.0.0.3"}, "not a host name"},
		{"name with a comment", map[string]string{"pg1#x": "127.0.0.3"}, "not a host name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn, err := lambdatest.Start(t.Context(), lambdatest.Options{Bootstrap: boot, Hosts: tc.hosts})
			if err == nil {
				fn.Close()
				t.Fatal("Start accepted the entry")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
