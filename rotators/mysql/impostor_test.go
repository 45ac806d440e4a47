package mysql

import (
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestAlternatingRefusesAnImpostorClone: whoever owns an account named "x_clone"
// and can write a secret naming it must not get the master to set x's password
// (nor copy x's grants to the impostor). The turn back from x_clone to x needs
// the secret to hold x's working credential as AWSPREVIOUS, as a real rotation
// to the clone leaves it.
func TestAlternatingRefusesAnImpostorClone(t *testing.T) {
	t.Parallel()
	g := newRig(t, rotation.AlternatingUsers())
	victim, victimPW := uniq("victim"), "victim-pw-"+uniq("")
	createUser(t, tlsServer, victim, "127.0.0.1", victimPW)
	root(t, tlsServer, "GRANT SELECT ON mysql.* TO "+acct(victim, "127.0.0.1"))
	impostor, impostorPW := victim+"_clone", "impostor-pw-"+uniq("")
	createUser(t, tlsServer, impostor, "127.0.0.1", impostorPW)
	before := grantsOf(t, tlsServer, impostor, "127.0.0.1")

	master := secretFor(tlsServer, tlsServer.User, tlsServer.Password, rotation.SSLRequired)
	s := secretFor(tlsServer, impostor, impostorPW, rotation.SSLRequired)
	s.MasterARN = g.create(t, master)
	id := g.create(t, s)

	err := g.rotate(id, "")
	if err == nil || !strings.Contains(err.Error(), "AWSPREVIOUS") {
		t.Fatalf("rotation error = %v, want a setSecret refusal asking for the base user's credential", err)
	}
	assertLogsIn(t, g.d, secretFor(tlsServer, victim, victimPW, rotation.SSLRequired))
	if after := grantsOf(t, tlsServer, impostor, "127.0.0.1"); !slices.Equal(before, after) {
		t.Errorf("the impostor's grants changed:\nbefore %q\nafter  %q", before, after)
	}
	if cur, _ := g.stage(t, id, rotation.StageCurrent); cur.Username != impostor {
		t.Errorf("AWSCURRENT moved to %q", cur.Username)
	}
}
