package rotation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/localaws"
)

func userBody(host, masterARN string) string {
	b := `{"engine":"postgres","host":"` + host + `","port":5432,"username":"app","password":"` + appPass + `","dbname":"appdb"`
	if masterARN != "" {
		b += `,"masterarn":"` + masterARN + `"`
	}
	return b + "}"
}

func instanceTag(id string) localaws.SeedTag {
	return localaws.SeedTag{Key: TagPrimaryInstanceARN, Value: rdsARN + "db:" + id}
}

func clusterTag(id string) localaws.SeedTag {
	return localaws.SeedTag{Key: TagPrimaryClusterARN, Value: rdsARN + "cluster:" + id}
}

// TestManagedMasterSecretIsCompletedFromRDS: a master secret holding only username and
// password is completed from its system tag (an instance's or a cluster's), as AWS's
// templates do, and the master logs in there, in the rotated secret's database.
func TestManagedMasterSecretIsCompletedFromRDS(t *testing.T) {
	cases := []struct {
		name       string
		tag        localaws.SeedTag
		host       string // the rotated secret's
		wantEngine string
	}{
		{"instance tag", instanceTag("pg1"), pgPrimary, "postgres"},
		{"instance tag spelt in capitals", localaws.SeedTag{Key: "AWS:RDS:PrimaryDBInstanceArn", Value: rdsARN + "db:pg1"}, pgPrimary, "postgres"},
		{"cluster tag", clusterTag("aur1"), aurWriter, "aurora-postgresql"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRDSEnv(t, AlternatingUsers())
			e.seedSecret(t, masterName, managedBody, tc.tag)
			e.seedSecret(t, "app", userBody(tc.host, masterName))
			for i, want := range []string{"app_clone", "app"} {
				if err := e.rotate(t, "app"); err != nil {
					t.Fatalf("rotation %d: %v\n%s", i+1, err, e.logs)
				}
				if got := e.current(t, "app").Username; got != want {
					t.Errorf("rotation %d: AWSCURRENT user %q, want %q", i+1, got, want)
				}
			}
			m := e.db.syncs[0].master
			if m.Host != tc.host || m.Port != 5432 || m.Engine != tc.wantEngine || m.DBName != "appdb" {
				t.Errorf("master logged in to %s:%d (engine %q, dbname %q), want %s:5432, %q, appdb", m.Host, m.Port, m.Engine, m.DBName, tc.host, tc.wantEngine)
			}
			if strings.Contains(e.logs.String(), rootPass) {
				t.Error("the master password was logged")
			}
		})
	}
}

// TestManagedMasterSecretRefusals: a username/password master secret without a usable
// tag fails setSecret naming the master secret, before any login, and changes nothing.
func TestManagedMasterSecretRefusals(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		tags    []localaws.SeedTag
		wantErr string
	}{
		{"no tag", managedBody, nil, "has no system tag aws:rds:primarydbinstancearn or aws:rds:primarydbclusterarn"},
		{"another tag only", managedBody, []localaws.SeedTag{{Key: "team", Value: "db"}}, "has no system tag"},
		{"unknown instance", managedBody, []localaws.SeedTag{instanceTag("gone1")}, "names " + rdsARN + "db:gone1, which DescribeDBInstances does not know"},
		{"unknown cluster", managedBody, []localaws.SeedTag{clusterTag("gone1")}, "which DescribeDBClusters does not know"},
		{"an empty tag", managedBody, []localaws.SeedTag{{Key: TagPrimaryInstanceARN, Value: ""}}, "is empty"},
		// Only exactly {username, password} is RDS's shape; anything else must say where.
		{"a third key", `{"username":"root","password":"` + rootPass + `","dbname":"postgres"}`, []localaws.SeedTag{instanceTag("pg1")}, `key "host" is missing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRDSEnv(t, AlternatingUsers())
			e.seedSecret(t, masterName, tc.body, tc.tags...)
			e.seedSecret(t, "app", userBody(pgPrimary, masterName))
			err := e.rotate(t, "app")
			if err == nil || !strings.Contains(err.Error(), "setSecret") || !strings.Contains(err.Error(), "master secret "+masterName) ||
				!strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("rotation error = %v, want setSecret naming master secret %s and %q", err, masterName, tc.wantErr)
			}
			if strings.Contains(err.Error(), rootPass) || strings.Contains(e.logs.String(), rootPass) {
				t.Error("the master password is in the error or the log")
			}
			if logins := e.db.loginsTo(); len(logins) != 0 {
				t.Errorf("logins to %v before the refusal, want none", logins)
			}
			if cur := e.current(t, "app"); cur.Username != "app" || cur.Password != appPass || e.db.users["app"] != appPass {
				t.Error("a refused rotation changed AWSCURRENT or the database")
			}
		})
	}
}

// TestAlternatingUsersOnAReplica: a user secret on a read replica of the master's
// instance, on the reader endpoint of its cluster or on a reader instance is rotated by
// the master on the primary; the secret keeps its host, and testSecret logs in there.
func TestAlternatingUsersOnAReplica(t *testing.T) {
	cases := []struct {
		name        string
		master      string // the master secret's JSON
		tags        []localaws.SeedTag
		host        string
		wantPrimary string
	}{
		{"read replica, managed master", managedBody, []localaws.SeedTag{instanceTag("pg1")}, pgReplica, pgPrimary},
		{"read replica, master with host", `{"engine":"postgres","host":"` + pgPrimary + `","port":5432,"username":"root","password":"` + rootPass + `"}`, nil, pgReplica, pgPrimary},
		{"replica host in capitals", managedBody, []localaws.SeedTag{instanceTag("pg1")}, strings.ToUpper(pgReplica), pgPrimary},
		{"aurora reader endpoint", managedBody, []localaws.SeedTag{clusterTag("aur1")}, aurReader, aurWriter},
		{"aurora reader instance", managedBody, []localaws.SeedTag{clusterTag("aur1")}, aurInstB, aurWriter},
		{"aurora reader, master on the writer instance", `{"engine":"aurora-postgresql","host":"` + aurInstA + `","port":5432,"username":"root","password":"` + rootPass + `"}`, nil, aurReader, aurInstA},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRDSEnv(t, AlternatingUsers())
			e.db.replicas = append(e.db.replicas, strings.ToUpper(pgReplica))
			e.seedSecret(t, masterName, tc.master, tc.tags...)
			e.seedSecret(t, "app", userBody(tc.host, masterName))
			for i := range 2 {
				if err := e.rotate(t, "app"); err != nil {
					t.Fatalf("rotation %d: %v\n%s", i+1, err, e.logs)
				}
			}
			for i, c := range e.db.syncs {
				if c.master.Host != tc.wantPrimary || c.pair.Current.Host != tc.wantPrimary || c.pair.Pending.Host != tc.wantPrimary {
					t.Errorf("rotation %d: master on %s with the pair on %s, want both on the primary %s", i+1, c.master.Host, c.pair.Current.Host, tc.wantPrimary)
				}
			}
			if cur := e.current(t, "app"); cur.Host != tc.host {
				t.Errorf("AWSCURRENT host %q, want the replica %q kept", cur.Host, tc.host)
			}
			if logins := e.db.loginsTo(); !slices.Contains(logins, tc.host) {
				t.Errorf("logins to %v, want testSecret's on the replica %s", logins, tc.host)
			}
		})
	}
}

// TestAlternatingUsersRefusesAForeignHostBeforeAnyLogin: a host that is neither the
// master's nor one of its replicas or readers is refused in setSecret before any
// credential is sent anywhere.
func TestAlternatingUsersRefusesAForeignHostBeforeAnyLogin(t *testing.T) {
	cases := []struct {
		name, host, wantErr string
		rdsFails            bool
	}{
		{"another instance", otherHost, "nor a read replica or Aurora reader of it", false},
		{"a replica of another instance", otherRepl, "is a read replica of DB instance other1, whose primary is " + otherHost, false},
		{"the replica's name under another domain", "pg1-ro.evil.example.com", "nor a read replica", false},
		{"the replica's name with more labels", pgReplica + ".evil.example.com", "nor a read replica", false},
		{"a host RDS does not know", "db.example.internal", "nor a read replica", false},
		{"an IP address", "192.0.2.10", "nor a read replica", false},
		{"the cluster's reader, master on another instance", aurReader, "is the reader endpoint of DB cluster aur1, whose primary is " + aurWriter, false},
		{"RDS cannot answer", pgReplica, "RDS could not tell whether that is a replica of it", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRDSEnv(t, AlternatingUsers())
			if tc.rdsFails {
				e.rdsFails()
			}
			e.seedSecret(t, masterName, `{"engine":"postgres","host":"`+pgPrimary+`","port":5432,"username":"root","password":"`+rootPass+`"}`)
			e.seedSecret(t, "app", userBody(tc.host, masterName))
			err := e.rotate(t, "app")
			if err == nil || !strings.Contains(err.Error(), "setSecret") || !strings.Contains(err.Error(), "not the current host") ||
				!strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("rotation error = %v, want setSecret refusing the host with %q", err, tc.wantErr)
			}
			if logins := e.db.loginsTo(); len(logins) != 0 {
				t.Errorf("logins to %v before the refusal, want none", logins)
			}
			if cur := e.current(t, "app"); cur.Username != "app" || cur.Password != appPass {
				t.Error("a refused rotation changed AWSCURRENT")
			}
		})
	}
}

// TestSingleUserOnAReplicaChangesThePrimary: a replica is read-only, so the user's own
// password change goes to the primary RDS names; testSecret logs in on the replica.
func TestSingleUserOnAReplicaChangesThePrimary(t *testing.T) {
	cases := []struct{ name, host, wantPrimary string }{
		{"read replica", pgReplica, pgPrimary},
		{"aurora reader endpoint", aurReader, aurWriter},
		{"aurora reader instance", aurInstB, aurWriter},
		{"the primary itself", pgPrimary, pgPrimary},
		{"a host RDS does not know", "db.example.internal", "db.example.internal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRDSEnv(t, SingleUser())
			e.seedSecret(t, "app", userBody(tc.host, ""))
			if err := e.rotate(t, "app"); err != nil {
				t.Fatalf("rotation: %v\n%s", err, e.logs)
			}
			cur := e.current(t, "app")
			if cur.Host != tc.host || e.db.users["app"] != cur.Password || cur.Password == appPass {
				t.Errorf("AWSCURRENT on %q, database and secret agree: %v; want a new password on %q", cur.Host, e.db.users["app"] == cur.Password, tc.host)
			}
			logins := e.db.loginsTo()
			if !slices.Contains(logins, tc.wantPrimary) || !slices.Contains(logins, tc.host) {
				t.Errorf("logins to %v, want the change on %s and the test on %s", logins, tc.wantPrimary, tc.host)
			}
		})
	}
}

// TestSingleUserWithoutRDSBehavesAsBefore: when RDS cannot answer (no permission, no
// route), the host is used as it is, with a warning, as before RDS support.
func TestSingleUserWithoutRDSBehavesAsBefore(t *testing.T) {
	e := newRDSEnv(t, SingleUser())
	e.rdsFails()
	e.seedSecret(t, "app", userBody(pgPrimary, ""))
	if err := e.rotate(t, "app"); err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if !strings.Contains(e.logs.String(), "could not ask RDS whether the host is a read replica") {
		t.Errorf("no warning in the log:\n%s", e.logs)
	}
}

// TestHostsOutsideRDSDomainsAreNotLookedUp: a host that is no RDS endpoint (its own DNS
// name, say, in a VPC that has no route to the RDS API) costs no RDS call: single-user
// rotates without the lookup, its timeout or its warning.
func TestHostsOutsideRDSDomainsAreNotLookedUp(t *testing.T) {
	for _, host := range []string{"db.example.internal", "pg1.c9xyz.us-east-1.rds.amazonaws.com.evil.example.com", "192.0.2.10"} {
		t.Run(host, func(t *testing.T) {
			if _, ok := rdsIdentifier(host); ok {
				t.Fatalf("%s counts as an RDS endpoint", host)
			}
		})
	}
	for _, host := range []string{pgPrimary, "aur1.cluster-ro-c9xyz.cn-north-1.rds.amazonaws.com.cn", "PG1.C9XYZ.US-EAST-1.RDS.AMAZONAWS.COM."} {
		if _, ok := rdsIdentifier(host); !ok {
			t.Errorf("%s does not count as an RDS endpoint", host)
		}
	}
	e := newRDSEnv(t, SingleUser())
	e.rdsFails()
	e.seedSecret(t, "app", userBody("db.example.internal", ""))
	if err := e.rotate(t, "app"); err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if strings.Contains(e.logs.String(), "could not ask RDS") {
		t.Errorf("RDS was asked about a host outside its domains:\n%s", e.logs)
	}
}

// TestTestSecretWaitsForTheReplica: with replication paused, testSecret on the replica
// keeps trying while the rotation stays in progress, and succeeds once replication runs
// again.
func TestTestSecretWaitsForTheReplica(t *testing.T) {
	for _, strategy := range []Strategy{SingleUser(), AlternatingUsers()} {
		t.Run(fmt.Sprintf("%T", strategy), func(t *testing.T) {
			e := newRDSEnv(t, strategy)
			e.seedSecret(t, masterName, managedBody, instanceTag("pg1"))
			e.seedSecret(t, "app", userBody(pgReplica, masterName))
			e.db.pause()
			done := make(chan error, 1)
			go func() { done <- e.rotate(t, "app") }()
			waitFor(t, done, func() bool { return strings.Contains(e.logs.String(), "waiting for replication") })
			// Still waiting after more refused logins: the rotation has not moved on.
			n := strings.Count(strings.Join(e.db.loginsTo(), " "), pgReplica)
			waitFor(t, done, func() bool { return strings.Count(strings.Join(e.db.loginsTo(), " "), pgReplica) > n+1 })
			if cur := e.current(t, "app"); cur.Password != appPass {
				t.Fatal("AWSCURRENT moved while the replica refused the new credential")
			}
			e.db.resume()
			if err := <-done; err != nil {
				t.Fatalf("rotation: %v\n%s", err, e.logs)
			}
			if !strings.Contains(e.logs.String(), "the replica accepts the pending credential") {
				t.Errorf("the log does not say the replica caught up:\n%s", e.logs)
			}
			if cur := e.current(t, "app"); cur.Password == appPass {
				t.Error("AWSCURRENT did not move")
			}
		})
	}
}

// TestTestSecretGivesUpOnAStoppedReplica: the wait ends 2 s before the Lambda deadline
// with an error that says what happened; AWSCURRENT stays.
func TestTestSecretGivesUpOnAStoppedReplica(t *testing.T) {
	e := newRDSEnv(t, SingleUser())
	e.srv.RegisterHandler(testFunctionARN, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		if ev.Step == StepTest {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, replicaWaitMargin+500*time.Millisecond)
			defer cancel()
		}
		return e.r.Handle(ctx, ev)
	})
	e.seedSecret(t, "app", userBody(pgReplica, ""))
	e.db.pause()
	err := e.rotate(t, "app")
	want := pgReplica + ":5432 is a read replica of DB instance pg1 and did not accept the pending credential within"
	if err == nil || !strings.Contains(err.Error(), "testSecret") || !strings.Contains(err.Error(), want) {
		t.Fatalf("rotation error = %v, want testSecret saying %q", err, want)
	}
	pending := e.db.users["app"]
	if strings.Contains(err.Error(), pending) || strings.Contains(e.logs.String(), pending) {
		t.Error("the new password is in the error or the log")
	}
	if cur := e.current(t, "app"); cur.Password != appPass {
		t.Error("AWSCURRENT moved after a failed testSecret")
	}
}

// TestTestSecretDoesNotWaitOffReplicas: a refused login on a host that is no replica
// fails at once, as before.
func TestTestSecretDoesNotWaitOffReplicas(t *testing.T) {
	e := newRDSEnv(t, SingleUser())
	e.seedSecret(t, "app", userBody(pgPrimary, ""))
	e.srv.RegisterHandler(testFunctionARN, func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
		if ev.Step == StepTest {
			e.db.memDB.mu.Lock()
			e.db.users["app"] = "changed-behind-our-back"
			e.db.memDB.mu.Unlock()
		}
		return e.r.Handle(ctx, ev)
	})
	err := e.rotate(t, "app")
	if err == nil || !strings.Contains(err.Error(), "testSecret") || strings.Contains(e.logs.String(), "waiting for replication") {
		t.Fatalf("rotation error = %v, want testSecret failing without waiting", err)
	}
}

// waitFor polls cond until it holds; it fails t if done yields first (the rotation
// ended while it should still be waiting).
func waitFor(t *testing.T, done <-chan error, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case err := <-done:
			t.Fatalf("the rotation ended (%v) before the condition held", err)
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatal("the test's deadline passed")
		}
	}
}
