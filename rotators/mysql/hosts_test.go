package mysql

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestSyncCloneCurrentCloneGainsHost: the clone is the current user and exists only at
// '%', while the base user has moved to 127.0.0.1. The clone follows the base user's
// hosts, and its clients, holding AWSCURRENT, keep logging in through the new entry:
// a failed or slow rotation must not lock them out.
func TestSyncCloneCurrentCloneGainsHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	base := uniq("moved")
	clone := base + "_clone"
	createUser(t, tlsServer, base, "127.0.0.1", "base-pw")
	createUser(t, tlsServer, clone, "%", "clone-current-pw")
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	current := secretFor(tlsServer, clone, "clone-current-pw", rotation.SSLRequired)
	pending := current.WithCredentials(base, "base-next-pw")
	assertLogsIn(t, d, current)
	if err := d.SyncClone(ctx, master, rotation.Pair{Current: current, Pending: pending, Previous: secretFor(tlsServer, base, "base-pw", rotation.SSLRequired)}); err != nil {
		t.Fatal(err)
	}
	if hosts := hostsOf(t, clone); !slices.Equal(hosts, []string{"127.0.0.1"}) {
		t.Fatalf("clone hosts %q, want the base user's 127.0.0.1", hosts)
	}
	assertLogsIn(t, d, current)
	assertLogsIn(t, d, pending)
}

// TestSyncCloneProxy: PROXY grants are copied, also on accounts whose names hold a
// quote or a backslash (MariaDB prints them in backticks; a single-quoted form of such
// a name is refused by the parser, see TestParseProxyGrants).
func TestSyncCloneProxy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := adapter(t, tlsServer)
	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	for name, proxied := range map[string]string{
		"plain name":  uniq("proxied"),
		"quoted name": uniq("pr'") + "'x",
		"backslashed": uniq(`pr\`),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := uniq("proxy")
			clone := base + "_clone"
			createUser(t, tlsServer, base, "127.0.0.1", "base-pw")
			createUser(t, tlsServer, proxied, "%", "proxied-pw")
			t.Cleanup(func() { dropAll(tlsServer, clone) })
			root(t, tlsServer, "GRANT PROXY ON "+acct(proxied, "%")+" TO "+acct(base, "127.0.0.1"))
			cur := secretFor(tlsServer, base, "base-pw", rotation.SSLRequired)
			if err := d.SyncClone(ctx, master, rotation.Pair{Current: cur, Pending: cur.WithCredentials(clone, "clone-pw")}); err != nil {
				t.Fatal(err)
			}
			got, want := grantsOf(t, tlsServer, clone, "127.0.0.1"), grantsOf(t, tlsServer, base, "127.0.0.1")
			if !slices.Equal(got, want) || !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, "PROXY ON "+quoteIdent(proxied)) }) {
				t.Fatalf("grants\n got %q\nwant %q", got, want)
			}
		})
	}
}
