package tests

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestRDS runs the four rotators under the emulator against an RDS account made of real
// servers (rdsFixture): RDS-managed master secrets, secrets on a read replica and on
// Aurora readers, and a host that belongs to none of them.
func TestRDS(t *testing.T) {
	f := startRDSFixture(t)
	t.Run("replicas", func(t *testing.T) { testRDSReplicas(t, f) })
	t.Run("foreign host", func(t *testing.T) { testRDSForeignHostRefused(t, f) })
	t.Run("aurora", func(t *testing.T) { testRDSAurora(t, f) })
	t.Run("stopped replica", func(t *testing.T) { testRDSStoppedReplica(t, f) })

	// With only username, password and the system tag in the master secret, both
	// alternating rotators rotate ten times; after every rotation both users log in and
	// AWSPREVIOUS is the version that was current.
	t.Run("managed master, ten rotations", func(t *testing.T) {
		w := newRDSWorld(t, f, "mm_")
		for _, c := range []struct{ rotator, master, host string }{
			{"postgres-alternating-users", pgManagedMaster, pgPrimaryName},
			{"mysql-alternating-users", myManagedMaster, myPrimaryName},
		} {
			t.Run(c.rotator, func(t *testing.T) {
				r := rotatorByName(t, c.rotator)
				port := f.pg.Port
				if r.Engine != "postgres" {
					port = f.my.Port
				}
				u := w.addUser(t, r, shortName(r), c.host, port, c.master)
				fn := w.startRotator(t, r)
				var seen []rdsCredentials
				for i := range 10 {
					before := w.value(t, u, "AWSCURRENT")
					if err := w.rotate(t.Context(), u); err != nil {
						t.Fatalf("rotation %d: %v\n%s", i+1, err, fn.Logs())
					}
					cur, prev := w.value(t, u, "AWSCURRENT"), w.value(t, u, "AWSPREVIOUS")
					seen = append(seen, before, cur)
					if prev.version != before.version || cur.version == before.version {
						t.Errorf("rotation %d: AWSPREVIOUS is %s, want the old AWSCURRENT %s", i+1, prev.version, before.version)
					}
					if cur.Username == before.Username || cur.Password == before.Password {
						t.Errorf("rotation %d: AWSCURRENT user %s after %s, want the other user with a new password", i+1, cur.Username, before.Username)
					}
					w.assertLogin(t, u, cur, onPrimary)
					w.assertLogin(t, u, prev, onPrimary)
				}
				logs := fn.Logs()
				if !strings.Contains(logs, "master secret completed from RDS") {
					t.Error("the rotator's log does not say it completed the master secret from RDS")
				}
				for _, c := range seen {
					if strings.Contains(logs, c.Password) {
						t.Errorf("the rotator's log holds the password of %s", c.Username)
					}
				}
				if strings.Contains(logs, f.pg.Password) || strings.Contains(logs, f.my.Password) {
					t.Error("the rotator's log holds a master password")
				}
			})
		}
	})
}

// testRDSReplicas: user secrets on the PostgreSQL standby and on the MariaDB replica, for
// both schemes. Replication is paused before the rotation: the password change is made on
// the primary, and testSecret, on the replica, keeps the rotation waiting (AWSCURRENT
// unmoved) until replication runs again; then the rotation completes and the new
// credential logs in on the replica.
func testRDSReplicas(t *testing.T, f *rdsFixture) {
	const waiting = "the replica does not accept the pending credential yet; waiting for replication"
	w := newRDSWorld(t, f, "rr_")
	for _, c := range []struct{ rotator, host, master string }{
		{"postgres-single-user", pgReplicaName, ""},
		{"postgres-alternating-users", pgReplicaName, pgManagedMaster},
		{"mysql-single-user", myReplicaName, ""},
		{"mysql-alternating-users", myReplicaName, myManagedMaster},
	} {
		t.Run(c.rotator, func(t *testing.T) {
			r := rotatorByName(t, c.rotator)
			port := f.pgReplica.Port
			if r.Engine != "postgres" {
				port = f.myReplica.Port
			}
			u := w.addUser(t, r, shortName(r), c.host, port, c.master)
			w.caughtUp(t, u)
			fn := w.startRotator(t, r)
			for i := range 2 {
				before := w.value(t, u, "AWSCURRENT")
				resume := w.pauseReplication(t, u)
				waits := strings.Count(fn.Logs(), waiting)
				done := make(chan error, 1)
				go func() { done <- w.rotate(t.Context(), u) }()
				waitLog(t, fn, waiting, waits, done)
				if cur := w.value(t, u, "AWSCURRENT"); cur.version != before.version {
					t.Fatalf("rotation %d: AWSCURRENT moved while the replica lagged", i+1)
				}
				pending := w.value(t, u, "AWSPENDING")
				if err := w.login(t.Context(), u, pending, onPrimary); err != nil { // the change was made on the primary
					t.Fatalf("rotation %d: %v (pending %s)\n%s", i+1, err, pending.version, fn.Logs())
				}
				if err := w.login(t.Context(), u, pending, onReplica); err == nil {
					t.Fatalf("rotation %d: the paused replica already accepts the new credential", i+1)
				}
				resume()
				if err := <-done; err != nil {
					t.Fatalf("rotation %d: %v\n%s", i+1, err, fn.Logs())
				}
				cur := w.value(t, u, "AWSCURRENT")
				if cur.version != pending.version || cur.Host != c.host {
					t.Errorf("rotation %d: AWSCURRENT %s on %s, want the pending version %s still on %s", i+1, cur.version, cur.Host, pending.version, c.host)
				}
				w.assertLogin(t, u, cur, onReplica)
				if r.Alternating {
					w.assertLogin(t, u, before, onReplica)
				} else if err := w.login(t.Context(), u, before, onReplica); err == nil {
					t.Errorf("rotation %d: the old password still logs in on the replica", i+1)
				}
			}
			if !strings.Contains(fn.Logs(), "the replica accepts the pending credential") {
				t.Errorf("the rotator's log does not say the replica caught up:\n%s", fn.Logs())
			}
		})
	}
}

// testRDSForeignHostRefused: a user secret whose host is an RDS instance that is neither
// the master's nor one of its replicas is refused in setSecret before anything reaches
// that host: the counting path to it saw no connection, and AWSCURRENT did not move.
func testRDSForeignHostRefused(t *testing.T, f *rdsFixture) {
	w := newRDSWorld(t, f, "fh_")
	for _, c := range []struct {
		rotator, host, master string
		path                  *forwarder
	}{
		{"postgres-alternating-users", pgForeignName, pgManagedMaster, f.pgForeign},
		{"mysql-alternating-users", myForeignName, myManagedMaster, f.myForeign},
	} {
		t.Run(c.rotator, func(t *testing.T) {
			r := rotatorByName(t, c.rotator)
			u := w.addUser(t, r, shortName(r), c.host, c.path.Port(), c.master)
			fn := w.startRotator(t, r)
			before := w.value(t, u, "AWSCURRENT")
			err := w.rotate(t.Context(), u)
			if err == nil || !strings.Contains(err.Error(), "setSecret") || !strings.Contains(err.Error(), "not the current host") ||
				!strings.Contains(err.Error(), "nor a read replica or Aurora reader of it") {
				t.Fatalf("rotation error = %v, want setSecret refusing the host\n%s", err, fn.Logs())
			}
			if n := c.path.Connections(); n != 0 {
				t.Errorf("%d connections reached %s, want none", n, c.host)
			}
			if cur := w.value(t, u, "AWSCURRENT"); cur.version != before.version {
				t.Error("AWSCURRENT moved after a refused rotation")
			}
			w.assertLogin(t, u, before, onPrimary)
		})
	}
}

// testRDSAurora: an Aurora-shaped cluster whose writer and reader are the real primary
// and standby. The master secret names the cluster; a secret on the reader endpoint
// rotates with alternating users, one on the reader instance with single user; both
// are changed through the writer and log in on the reader.
func testRDSAurora(t *testing.T, f *rdsFixture) {
	w := newRDSWorld(t, f, "au_")
	for _, c := range []struct{ rotator, host, master string }{
		{"postgres-alternating-users", aurReaderName, aurManagedMaster},
		{"postgres-single-user", aurBName, ""},
	} {
		t.Run(c.rotator, func(t *testing.T) {
			r := rotatorByName(t, c.rotator)
			u := w.addUser(t, r, shortName(r), c.host, f.aurReader.Port(), c.master)
			w.caughtUp(t, u)
			fn := w.startRotator(t, r)
			for i := range 3 {
				before := w.value(t, u, "AWSCURRENT")
				if err := w.rotate(t.Context(), u); err != nil {
					t.Fatalf("rotation %d: %v\n%s", i+1, err, fn.Logs())
				}
				cur := w.value(t, u, "AWSCURRENT")
				if cur.Password == before.Password || cur.Host != c.host {
					t.Errorf("rotation %d: AWSCURRENT on %s with a new password: %v", i+1, cur.Host, cur.Password != before.Password)
				}
				w.assertLogin(t, u, cur, onReplica)
				w.assertLogin(t, u, cur, onPrimary)
			}
			if f.aurWriter.Connections() == 0 {
				t.Error("nothing went through the cluster's writer endpoint")
			}
		})
	}
}

// shortName is a user name per rotator, so that one world's users stay apart.
func shortName(r sandbox.Rotator) string {
	name := map[string]string{"postgres-single-user": "psu", "postgres-alternating-users": "pau",
		"mysql-single-user": "msu", "mysql-alternating-users": "mau"}[r.Name]
	return name
}

// TestRecordedRDSEventsStepByStep replays events/postgres-rds/*.json, as `sam local
// invoke -e` does: the demo secret whose master secret RDS manages (username, password
// and the system tag only) is rotated one step at a time by postgres-alternating-users.
func TestRecordedRDSEventsStepByStep(t *testing.T) {
	w := newWorld(t, "rdsev_")
	r := sandbox.RDSRotator()
	evs, err := sandbox.LoadRotationEventsIn(repoRoot(t), sandbox.RDSEventsDir)
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range sandbox.Steps() {
		if ev := evs[i]; ev.Step != step || ev.SecretID != sandbox.PartialSecretARN(sandbox.RDSSecretName) ||
			ev.ClientRequestToken != evs[0].ClientRequestToken || ev.RotationToken == "" || ev.RotationToken != evs[0].RotationToken {
			t.Errorf("events/%s/%s.json: not one rotation of %s", sandbox.RDSEventsDir, step, sandbox.RDSSecretName)
		}
	}
	old, _ := w.secret(t, sandbox.RDSSecretName, "AWSCURRENT")
	errStop := errors.New("stopped before createSecret: the steps are invoked one by one")
	w.cloud.Server.RegisterHandler(r.FunctionARN(), func(context.Context, events.SecretsManagerSecretRotationEvent) error { return errStop })
	if _, err := w.cloud.SecretsManager().RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(evs[0].SecretID), ClientRequestToken: aws.String(evs[0].ClientRequestToken),
	}); err == nil {
		t.Fatal("RotateSecret succeeded with a function that refuses every step")
	}
	fn := lambdatest.StartTest(t, suite.bin.RDSRotatorOptions(w.cloud, suite.dbs))
	for _, step := range sandbox.Steps() {
		if _, err := fn.Invoke(t.Context(), recordedEvent(t, sandbox.RDSEventsDir+"/"+step+".json")); err != nil {
			t.Fatalf("%s/%s.json: %v", sandbox.RDSEventsDir, step, err)
		}
	}
	cur, version := w.secret(t, sandbox.RDSSecretName, "AWSCURRENT")
	if version != evs[0].ClientRequestToken || cur.Username != old.Username+"_clone" {
		t.Errorf("AWSCURRENT is %s for %s, want the events' token %s for %s_clone", version, cur.Username, evs[0].ClientRequestToken, old.Username)
	}
	assertLogsIn(t, cur)
	assertLogsIn(t, old)
	if !strings.Contains(fn.Logs(), "master secret completed from RDS") {
		t.Errorf("the rotator did not complete the master secret from RDS:\n%s", fn.Logs())
	}
	assertNoSecret(t, fn.Logs(), old, cur)
}

// testRDSStoppedReplica: when the replica does not catch up within the function's time
// (its timeout less 2 s), testSecret fails saying so and AWSCURRENT stays; the change is
// on the primary, and once replication runs again, Secrets Manager's retry with the same
// token completes the rotation.
func testRDSStoppedReplica(t *testing.T, f *rdsFixture) {
	w := newRDSWorld(t, f, "sr_")
	r := rotatorByName(t, "postgres-single-user")
	u := w.addUser(t, r, shortName(r), pgReplicaName, f.pgReplica.Port, "")
	w.caughtUp(t, u)
	fn := w.startRotatorWithTimeout(t, r, 4*time.Second)
	before := w.value(t, u, "AWSCURRENT")
	resume := w.pauseReplication(t, u)
	err := w.rotate(t.Context(), u)
	want := pgReplicaName + ":" + strconv.Itoa(f.pgReplica.Port) + " is a read replica of DB instance pg1 and did not accept the pending credential within"
	if err == nil || !strings.Contains(err.Error(), "testSecret") || !strings.Contains(err.Error(), want) {
		t.Fatalf("rotation error = %v, want testSecret saying %q\n%s", err, want, fn.Logs())
	}
	pending := w.value(t, u, "AWSPENDING")
	if cur := w.value(t, u, "AWSCURRENT"); cur.version != before.version {
		t.Fatal("AWSCURRENT moved after a failed testSecret")
	}
	if strings.Contains(err.Error(), pending.Password) || strings.Contains(fn.Logs(), pending.Password) {
		t.Error("the new password is in the error or the log")
	}
	w.assertLogin(t, u, pending, onPrimary)
	resume()
	if _, err := w.cloud.SecretsManager().RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(u.secret), ClientRequestToken: aws.String(pending.version),
	}); err != nil {
		t.Fatalf("retried rotation: %v\n%s", err, fn.Logs())
	}
	cur := w.value(t, u, "AWSCURRENT")
	if cur.version != pending.version {
		t.Errorf("AWSCURRENT is %s after the retry, want the pending version %s", cur.version, pending.version)
	}
	w.assertLogin(t, u, cur, onReplica)
}
