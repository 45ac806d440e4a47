package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// RDS endpoint names, as RDS names instances (<id>.<random>.<region>.rds.amazonaws.com)
// and Aurora clusters (<id>.cluster-<random>... and <id>.cluster-ro-<random>...). Under
// the emulator they resolve, through the function's private /etc/hosts, to the loopback
// addresses the real servers (or forwarders to them) listen on; every server's
// certificate carries its names, so verify-full against them is real.
const (
	pgPrimaryName = "pg1.c9xyz.us-east-1.rds.amazonaws.com"
	pgReplicaName = "pg1-ro.c9xyz.us-east-1.rds.amazonaws.com"
	myPrimaryName = "my1.c9xyz.us-east-1.rds.amazonaws.com"
	myReplicaName = "my1-ro.c9xyz.us-east-1.rds.amazonaws.com"
	pgForeignName = "other1.c9xyz.us-east-1.rds.amazonaws.com"
	myForeignName = "other2.c9xyz.us-east-1.rds.amazonaws.com"
	aurWriterName = "aur1.cluster-c9xyz.us-east-1.rds.amazonaws.com"
	aurReaderName = "aur1.cluster-ro-c9xyz.us-east-1.rds.amazonaws.com"
	aurAName      = "aur1-a.c9xyz.us-east-1.rds.amazonaws.com"
	aurBName      = "aur1-b.c9xyz.us-east-1.rds.amazonaws.com"

	rdsARNPrefix = "arn:aws:rds:" + localaws.DefaultRegion + ":" + localaws.DefaultAccountID + ":"
)

// Loopback addresses of the topology, one per host.
const (
	ipPGPrimary = "127.0.12.1"
	ipPGReplica = "127.0.12.2"
	ipMyPrimary = "127.0.12.3"
	ipMyReplica = "127.0.12.4"
	ipAurWriter = "127.0.12.5"
	ipAurReader = "127.0.12.6"
	ipPGForeign = "127.0.12.9"
	ipMyForeign = "127.0.12.10"
)

// rdsFixture is a small RDS account made of real servers: PostgreSQL pg1 with its
// streaming standby pg1-ro, MariaDB my1 with its replica my1-ro, an Aurora-shaped cluster
// aur1 whose writer is pg1 and whose reader is pg1-ro (on the cluster's one port, through
// forwarders), and two standalone instances other1 and other2 that are the primaries
// again behind counting forwarders: a host that is nobody's replica, where any
// connection would show.
type rdsFixture struct {
	pg, pgReplica *testdb.Postgres
	my, myReplica *testdb.MariaDB
	aurWriter     *forwarder // aur1's writer endpoint and aur1-a: pg1
	aurReader     *forwarder // aur1's reader endpoint and aur1-b: pg1-ro
	pgForeign     *forwarder // other1: pg1, counting
	myForeign     *forwarder // other2: my1, counting
	hosts         map[string]string
	caBundle      string // every server's CA, for DB_CA_BUNDLE
}

// startRDSFixture starts the servers (TLS on all, password authentication enforced)
// and the forwarders; they stop when t ends.
func startRDSFixture(t *testing.T) *rdsFixture {
	t.Helper()
	ctx := t.Context()
	f := &rdsFixture{}
	var err error
	closeLater := func(c interface{ Close() error }) {
		t.Cleanup(func() {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	if f.pg, err = testdb.StartPostgres(ctx, testdb.PostgresOptions{TLS: true, LogStatements: true, Listen: ipPGPrimary,
		DNSNames: []string{pgPrimaryName, pgForeignName, aurWriterName, aurAName}}); err != nil {
		t.Fatal(err)
	}
	closeLater(f.pg)
	if err := f.pg.CreateDatabase(ctx, sandbox.Database); err != nil {
		t.Fatal(err)
	}
	if f.pgReplica, err = testdb.StartPostgresStandby(ctx, f.pg, testdb.PostgresOptions{TLS: true, Listen: ipPGReplica,
		DNSNames: []string{pgReplicaName, aurReaderName, aurBName}}); err != nil {
		t.Fatal(err)
	}
	closeLater(f.pgReplica)
	if f.my, err = testdb.StartMariaDB(ctx, testdb.MariaDBOptions{TLS: true, GeneralLog: true, Primary: true, Listen: ipMyPrimary,
		DNSNames: []string{myPrimaryName, myForeignName}}); err != nil {
		t.Fatal(err)
	}
	closeLater(f.my)
	if err := f.my.CreateDatabase(ctx, sandbox.Database); err != nil {
		t.Fatal(err)
	}
	if f.myReplica, err = testdb.StartMariaDBReplica(ctx, f.my, testdb.MariaDBOptions{TLS: true, Listen: ipMyReplica,
		DNSNames: []string{myReplicaName}}); err != nil {
		t.Fatal(err)
	}
	closeLater(f.myReplica)

	// An Aurora cluster has one port for its writer and reader endpoints.
	f.aurWriter = forward(t, hostPort(ipAurWriter, 0), hostPort(f.pg.Host, f.pg.Port))
	f.aurReader = forward(t, hostPort(ipAurReader, f.aurWriter.Port()), hostPort(f.pgReplica.Host, f.pgReplica.Port))
	f.pgForeign = forward(t, hostPort(ipPGForeign, 0), hostPort(f.pg.Host, f.pg.Port))
	f.myForeign = forward(t, hostPort(ipMyForeign, 0), hostPort(f.my.Host, f.my.Port))
	f.hosts = map[string]string{
		pgPrimaryName: ipPGPrimary, pgReplicaName: ipPGReplica, myPrimaryName: ipMyPrimary, myReplicaName: ipMyReplica,
		aurWriterName: ipAurWriter, aurAName: ipAurWriter, aurReaderName: ipAurReader, aurBName: ipAurReader,
		pgForeignName: ipPGForeign, myForeignName: ipMyForeign,
	}
	var bundle bytes.Buffer
	for _, ca := range []string{f.pg.CAFile, f.pgReplica.CAFile, f.my.CAFile, f.myReplica.CAFile} {
		pem, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		bundle.Write(pem)
	}
	f.caBundle = filepath.Join(t.TempDir(), "rds-ca-bundle.pem")
	if err := os.WriteFile(f.caBundle, bundle.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// rdsSeed is the account's RDS side, in localaws's seed format.
func (f *rdsFixture) rdsSeed() map[string]any {
	inst := func(id, engine, address string, port int, extra map[string]any) map[string]any {
		m := map[string]any{"id": id, "engine": engine, "address": address, "port": port}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	return map[string]any{
		"instances": []any{
			inst("pg1", "postgres", pgPrimaryName, f.pg.Port, nil),
			inst("pg1-ro", "postgres", pgReplicaName, f.pgReplica.Port, map[string]any{"readReplicaSource": "pg1"}),
			inst("my1", "mariadb", myPrimaryName, f.my.Port, nil),
			inst("my1-ro", "mariadb", myReplicaName, f.myReplica.Port, map[string]any{"readReplicaSource": "my1"}),
			inst("other1", "postgres", pgForeignName, f.pgForeign.Port(), nil),
			inst("other2", "mariadb", myForeignName, f.myForeign.Port(), nil),
			inst("aur1-a", "aurora-postgresql", aurAName, f.aurWriter.Port(), map[string]any{"clusterId": "aur1"}),
			inst("aur1-b", "aurora-postgresql", aurBName, f.aurWriter.Port(), map[string]any{"clusterId": "aur1"}),
		},
		"clusters": []any{map[string]any{
			"id": "aur1", "engine": "aurora-postgresql", "endpoint": aurWriterName, "readerEndpoint": aurReaderName,
			"port": f.aurWriter.Port(), "members": []any{map[string]any{"id": "aur1-a", "writer": true}, map[string]any{"id": "aur1-b", "writer": false}},
		}},
	}
}

// The RDS-managed master secrets of the account: username and password only, and the
// system tag naming their database.
const (
	pgManagedMaster  = "rds!db-pg1"
	myManagedMaster  = "rds!db-my1"
	aurManagedMaster = "rds!cluster-aur1"
)

// rdsWorld is one test's localaws holding the fixture's RDS account and its managed
// master secrets.
type rdsWorld struct {
	f      *rdsFixture
	cloud  *sandbox.Cloud
	prefix string
}

func newRDSWorld(t *testing.T, f *rdsFixture, prefix string) *rdsWorld {
	t.Helper()
	w := &rdsWorld{f: f, cloud: startCloud(t), prefix: runPrefix(prefix)}
	managed := func(name, user, password, tag, arn string) map[string]any {
		v, _ := json.Marshal(map[string]string{"username": user, "password": password})
		return map[string]any{"name": name, "secretString": string(v), "description": "master user secret managed by RDS",
			"tags": []any{map[string]string{"Key": tag, "Value": arn}, map[string]string{"Key": "aws:secretsmanager:owningService", "Value": "rds"}}}
	}
	w.seed(t, map[string]any{
		"rds": f.rdsSeed(),
		"secrets": []any{
			managed(pgManagedMaster, f.pg.User, f.pg.Password, "aws:rds:primarydbinstancearn", rdsARNPrefix+"db:pg1"),
			managed(myManagedMaster, f.my.User, f.my.Password, "aws:rds:primarydbinstancearn", rdsARNPrefix+"db:my1"),
			managed(aurManagedMaster, f.pg.User, f.pg.Password, "aws:rds:primarydbclusterarn", rdsARNPrefix+"cluster:aur1"),
		},
	})
	return w
}

// seed loads a seed document into the world's localaws.
func (w *rdsWorld) seed(t *testing.T, doc map[string]any) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cloud.Server.LoadSeed(bytes.NewReader(raw)); err != nil {
		t.Fatalf("seed localaws: %v", err)
	}
}
