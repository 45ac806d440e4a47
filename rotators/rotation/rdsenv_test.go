package rotation

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// The RDS endpoints of the tests' topology: an instance pg1 with a read replica pg1-ro, an
// unrelated instance other1 with its own replica, and an Aurora cluster aur1 whose
// writer is aur1-a and whose reader is aur1-b.
const (
	pgPrimary   = "pg1.c9xyz.us-east-1.rds.amazonaws.com"
	pgReplica   = "pg1-ro.c9xyz.us-east-1.rds.amazonaws.com"
	otherHost   = "other1.c9xyz.us-east-1.rds.amazonaws.com"
	otherRepl   = "other1-ro.c9xyz.us-east-1.rds.amazonaws.com"
	aurWriter   = "aur1.cluster-c9xyz.us-east-1.rds.amazonaws.com"
	aurReader   = "aur1.cluster-ro-c9xyz.us-east-1.rds.amazonaws.com"
	aurInstA    = "aur1-a.c9xyz.us-east-1.rds.amazonaws.com"
	aurInstB    = "aur1-b.c9xyz.us-east-1.rds.amazonaws.com"
	rdsARN      = "arn:aws:rds:us-east-1:123456789012:"
	rootPass    = "Root-password-1"
	appPass     = "Old-password-1"
	masterName  = "rds!db-managed"
	managedBody = `{"username":"root","password":"` + rootPass + `"}`
)

// testTopology is the RDS side of the tests' account, in localaws's seed.
func testTopology() *localaws.SeedRDS {
	inst := func(id, engine, address, cluster, source string) localaws.SeedDBInstance {
		return localaws.SeedDBInstance{ID: id, Engine: engine, Address: address, Port: 5432, ClusterID: cluster, ReadReplicaSource: source}
	}
	return &localaws.SeedRDS{
		Instances: []localaws.SeedDBInstance{
			inst("pg1", "postgres", pgPrimary, "", ""),
			inst("pg1-ro", "postgres", pgReplica, "", "pg1"),
			inst("other1", "postgres", otherHost, "", ""),
			inst("other1-ro", "postgres", otherRepl, "", "other1"),
			inst("aur1-a", "aurora-postgresql", aurInstA, "aur1", ""),
			inst("aur1-b", "aurora-postgresql", aurInstB, "aur1", ""),
		},
		Clusters: []localaws.SeedDBCluster{{ID: "aur1", Engine: "aurora-postgresql", Endpoint: aurWriter, ReaderEndpoint: aurReader, Port: 5432,
			Members: []localaws.SeedDBClusterMember{{ID: "aur1-a", Writer: true}, {ID: "aur1-b"}}}},
	}
}

// hostDB is memDB with a host for every login: it records where each login went, refuses
// changes on the replica hosts (they are read-only), and can pause replication, so that a
// replica answers from what it had at the pause.
type hostDB struct {
	*memDB
	replicas []string

	mu     sync.Mutex
	logins []string          // the host of every login, in order
	frozen map[string]string // the replicas' user table while replication is paused
}

var _ Database = (*hostDB)(nil)

func (d *hostDB) Engines() []string { return []string{"postgres", "aurora-postgresql"} }

func (d *hostDB) login(host string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.logins = append(d.logins, host)
}

func (d *hostDB) loginsTo() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.logins)
}

func (d *hostDB) pause() {
	d.memDB.mu.Lock()
	defer d.memDB.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.frozen = map[string]string{}
	for u, p := range d.memDB.users {
		d.frozen[u] = p
	}
}

func (d *hostDB) resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.frozen = nil
}

func (d *hostDB) Ping(ctx context.Context, s Secret) error {
	d.login(s.Host)
	d.mu.Lock()
	frozen := d.frozen
	if frozen != nil && slices.Contains(d.replicas, s.Host) {
		pw, ok := frozen[s.Username]
		d.mu.Unlock()
		if !ok || pw != s.Password {
			return errors.New("password authentication failed for user " + s.Username)
		}
		return nil
	}
	d.mu.Unlock()
	return d.memDB.Ping(ctx, s)
}

func (d *hostDB) SetPassword(ctx context.Context, login Secret, user, password string) error {
	d.login(login.Host)
	if slices.Contains(d.replicas, login.Host) {
		return errors.New("cannot execute ALTER ROLE in a read-only transaction")
	}
	return d.memDB.SetPassword(ctx, login, user, password)
}

func (d *hostDB) SyncClone(ctx context.Context, master Secret, p Pair) error {
	d.login(master.Host)
	if slices.Contains(d.replicas, master.Host) {
		return errors.New("cannot execute CREATE ROLE in a read-only transaction")
	}
	return d.memDB.SyncClone(ctx, master, p)
}

// rdsEnv is an engine with Secrets Manager and RDS (localaws, holding testTopology).
type rdsEnv struct {
	*engineEnv
	db   *hostDB
	logs *safebuf.Buffer
	r    *Rotator
}

func newRDSEnv(t *testing.T, strategy Strategy) *rdsEnv {
	t.Helper()
	e := newEngineEnv(t, strategy, map[string]string{"app": appPass, "root": rootPass})
	env := &rdsEnv{
		engineEnv: e,
		db:        &hostDB{memDB: e.db, replicas: []string{pgReplica, otherRepl, aurReader, aurInstB}},
		logs:      &safebuf.Buffer{},
	}
	if err := e.srv.Seed(localaws.Seed{RDS: testTopology()}); err != nil {
		t.Fatal(err)
	}
	client := rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), Credentials: aws.AnonymousCredentials{}})
	env.r = New(strategy, env.db, e.sm, e.pw, slog.New(slog.NewTextHandler(env.logs, nil))).WithRDS(client)
	e.srv.RegisterHandler(testFunctionARN, env.r.Handle)
	return env
}

// rdsFails makes every DescribeDBInstances fail as a role without the permission does.
func (e *rdsEnv) rdsFails() {
	e.srv.InjectFault(localaws.Fault{Operation: "rds.DescribeDBInstances", Code: "AccessDenied", Status: 403,
		Message: "not authorized to perform rds:DescribeDBInstances", Count: 1000})
}

// seedSecret creates a secret with tags (the API refuses aws: tags; a seed may set them).
func (e *rdsEnv) seedSecret(t *testing.T, name, body string, tags ...localaws.SeedTag) {
	t.Helper()
	if err := e.srv.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{Name: name, SecretString: aws.String(body), Tags: tags}}}); err != nil {
		t.Fatal(err)
	}
}
