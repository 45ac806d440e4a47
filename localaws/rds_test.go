package localaws_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	awshttp "github.com/aws/smithy-go/transport/http"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// rdsSeed is DESIGN.md's seed shape: a PostgreSQL primary with a read
// replica, and an Aurora cluster with a writer and a reader.
const rdsSeed = `{"region": "eu-west-1", "rds": {
  "instances": [
    {"id": "pg1", "engine": "postgres", "address": "pg1.c9xyz.eu-west-1.rds.amazonaws.com", "port": 5432},
    {"id": "pg1-replica", "engine": "postgres", "address": "pg1-replica.c9xyz.eu-west-1.rds.amazonaws.com", "port": 5433, "readReplicaSource": "pg1"},
    {"id": "aur1-a", "engine": "aurora-postgresql", "address": "aur1-a.c9xyz.eu-west-1.rds.amazonaws.com", "port": 5432, "clusterId": "aur1"},
    {"id": "aur1-b", "engine": "aurora-postgresql", "address": "aur1-b.c9xyz.eu-west-1.rds.amazonaws.com", "port": 5432, "clusterId": "aur1"}],
  "clusters": [
    {"id": "aur1", "engine": "aurora-postgresql", "endpoint": "aur1.cluster-c9xyz.eu-west-1.rds.amazonaws.com",
     "readerEndpoint": "aur1.cluster-ro-c9xyz.eu-west-1.rds.amazonaws.com", "port": 5432,
     "members": [{"id": "aur1-a", "writer": true}, {"id": "aur1-b"}]}]}}`

func newRDSClient(url, region string) *rds.Client {
	return rds.New(rds.Options{
		Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
	})
}

func seedRDS(t *testing.T) (*localaws.Server, string) {
	t.Helper()
	srv, url := startLocal(t, localaws.Options{})
	if err := srv.LoadSeed(strings.NewReader(rdsSeed)); err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	return srv, url
}

func instanceIDs(in []types.DBInstance) []string {
	var out []string
	for _, i := range in {
		out = append(out, aws.ToString(i.DBInstanceIdentifier))
	}
	return out
}

// TestDescribeDBInstances reads the seed back through the SDK's rds client:
// every field the rotators use, by identifier, by ARN and by filter.
func TestDescribeDBInstances(t *testing.T) {
	t.Parallel()
	srv, url := seedRDS(t)
	c := newRDSClient(url, "eu-west-1")
	const pgARN = "arn:aws:rds:eu-west-1:123456789012:db:pg1"

	out, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("pg1")})
	if err != nil || len(out.DBInstances) != 1 {
		t.Fatalf("DescribeDBInstances pg1: %v, %v", out, err)
	}
	pg := out.DBInstances[0]
	if aws.ToString(pg.DBInstanceIdentifier) != "pg1" || aws.ToString(pg.DBInstanceArn) != pgARN ||
		aws.ToString(pg.Engine) != "postgres" || aws.ToString(pg.DBInstanceStatus) != "available" ||
		aws.ToString(pg.Endpoint.Address) != "pg1.c9xyz.eu-west-1.rds.amazonaws.com" || aws.ToInt32(pg.Endpoint.Port) != 5432 ||
		pg.DBClusterIdentifier != nil || pg.ReadReplicaSourceDBInstanceIdentifier != nil ||
		!slices.Equal(pg.ReadReplicaDBInstanceIdentifiers, []string{"pg1-replica"}) {
		t.Errorf("pg1 = %+v", pg)
	}
	byARN, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(pgARN)})
	if err != nil || !slices.Equal(instanceIDs(byARN.DBInstances), []string{"pg1"}) {
		t.Errorf("by ARN: %v, %v", instanceIDs(byARN.DBInstances), err)
	}
	replica, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("PG1-Replica")})
	if err != nil || aws.ToString(replica.DBInstances[0].ReadReplicaSourceDBInstanceIdentifier) != "pg1" ||
		aws.ToInt32(replica.DBInstances[0].Endpoint.Port) != 5433 || len(replica.DBInstances[0].ReadReplicaDBInstanceIdentifiers) != 0 {
		t.Errorf("the replica (named in upper case): %+v, %v", replica, err)
	}
	aurora, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("aur1-b")})
	if err != nil || aws.ToString(aurora.DBInstances[0].DBClusterIdentifier) != "aur1" {
		t.Errorf("an Aurora instance names its cluster: %+v, %v", aurora, err)
	}

	all, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{})
	if err != nil || !slices.Equal(instanceIDs(all.DBInstances), []string{"aur1-a", "aur1-b", "pg1", "pg1-replica"}) {
		t.Errorf("all instances: %v, %v", instanceIDs(all.DBInstances), err)
	}
	filters := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"db-instance-id by id and ARN", []types.Filter{{Name: aws.String("db-instance-id"), Values: []string{"pg1-replica", pgARN, "nothing"}}}, []string{"pg1", "pg1-replica"}},
		{"db-cluster-id", []types.Filter{{Name: aws.String("db-cluster-id"), Values: []string{"aur1"}}}, []string{"aur1-a", "aur1-b"}},
		{"both", []types.Filter{{Name: aws.String("db-cluster-id"), Values: []string{"arn:aws:rds:eu-west-1:123456789012:cluster:aur1"}},
			{Name: aws.String("db-instance-id"), Values: []string{"aur1-b", "pg1"}}}, []string{"aur1-b"}},
		{"engine", []types.Filter{{Name: aws.String("engine"), Values: []string{"postgres"}}}, []string{"pg1", "pg1-replica"}},
		{"unknown id", []types.Filter{{Name: aws.String("db-instance-id"), Values: []string{"nothing"}}}, nil},
	}
	for _, tc := range filters {
		got, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{Filters: tc.filters})
		if err != nil || !slices.Equal(instanceIDs(got.DBInstances), tc.want) {
			t.Errorf("filter %s: %v, %v, want %v", tc.name, instanceIDs(got.DBInstances), err, tc.want)
		}
	}

	_, err = c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("pg9")})
	var nf *types.DBInstanceNotFoundFault
	var re *awshttp.ResponseError
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "DBInstance pg9 not found." || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Errorf("unknown instance: %v, want the SDK's DBInstanceNotFoundFault (404)", err)
	}
	_, err = c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{Filters: []types.Filter{{Name: aws.String("colour"), Values: []string{"red"}}}})
	if errCode(err) != "InvalidParameterValue" {
		t.Errorf("unknown filter: %v", err)
	}
	// Another Region has no instances.
	if other, err := newRDSClient(url, "us-east-1").DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{}); err != nil || len(other.DBInstances) != 0 {
		t.Errorf("us-east-1: %v, %v", instanceIDs(other.DBInstances), err)
	}
	if n := srv.Stats()["rds.DescribeDBInstances"]; n != 13 {
		t.Errorf("stats rds.DescribeDBInstances = %d, want 13", n)
	}
}

// TestDescribeDBClusters: the cluster's endpoints, port, engine and members.
func TestDescribeDBClusters(t *testing.T) {
	t.Parallel()
	_, url := seedRDS(t)
	c := newRDSClient(url, "eu-west-1")
	for _, id := range []string{"aur1", "arn:aws:rds:eu-west-1:123456789012:cluster:aur1"} {
		out, err := c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
		if err != nil || len(out.DBClusters) != 1 {
			t.Fatalf("DescribeDBClusters %s: %v, %v", id, out, err)
		}
		cl := out.DBClusters[0]
		if aws.ToString(cl.DBClusterIdentifier) != "aur1" || aws.ToString(cl.DBClusterArn) != "arn:aws:rds:eu-west-1:123456789012:cluster:aur1" ||
			aws.ToString(cl.Engine) != "aurora-postgresql" || aws.ToString(cl.Status) != "available" || aws.ToInt32(cl.Port) != 5432 ||
			aws.ToString(cl.Endpoint) != "aur1.cluster-c9xyz.eu-west-1.rds.amazonaws.com" ||
			aws.ToString(cl.ReaderEndpoint) != "aur1.cluster-ro-c9xyz.eu-west-1.rds.amazonaws.com" || len(cl.DBClusterMembers) != 2 ||
			aws.ToString(cl.DBClusterMembers[0].DBInstanceIdentifier) != "aur1-a" || !aws.ToBool(cl.DBClusterMembers[0].IsClusterWriter) ||
			aws.ToString(cl.DBClusterMembers[1].DBInstanceIdentifier) != "aur1-b" || aws.ToBool(cl.DBClusterMembers[1].IsClusterWriter) {
			t.Errorf("cluster by %s = %+v", id, cl)
		}
	}
	filtered, err := c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{Filters: []types.Filter{{Name: aws.String("db-cluster-id"), Values: []string{"nothing"}}}})
	if err != nil || len(filtered.DBClusters) != 0 {
		t.Errorf("filter db-cluster-id nothing: %v, %v", filtered, err)
	}
	_, err = c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("aur9")})
	var nf *types.DBClusterNotFoundFault
	var re *awshttp.ResponseError
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "DBCluster aur9 not found." || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Errorf("unknown cluster: %v, want the SDK's DBClusterNotFoundFault (404)", err)
	}
}

// TestRDSAdminRouteAndReset: POST /_localaws/rds declares instances (a
// later declaration of an id replaces it), bad declarations change nothing,
// and reset forgets them.
func TestRDSAdminRouteAndReset(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	c := newRDSClient(url, "us-east-1")
	post := func(body string) int {
		resp, err := http.Post(url+"/_localaws/rds", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"instances": [{"id": "my1", "engine": "mysql", "address": "127.0.0.1", "port": 3306}]}`); code != 200 {
		t.Fatalf("POST /_localaws/rds: %d", code)
	}
	if code := post(`{"instances": [{"id": "my1", "engine": "mariadb", "address": "127.0.0.2", "port": 3307}]}`); code != 200 {
		t.Fatalf("POST /_localaws/rds again: %d", code)
	}
	bad := []string{
		`{"instances": [{"engine": "mysql", "address": "a", "port": 3306}]}`,
		`{"instances": [{"id": "x1", "engine": "mysql", "address": "a", "port": 0}]}`,
		`{"instances": [{"id": "x1", "engine": "mysql", "address": "a", "port": 70000}]}`,
		`{"instances": [{"id": "x1", "engine": "mysql", "address": "a", "port": "3306"}]}`,
		`{"instances": [{"id": "x1", "engine": "mysql", "address": "a", "port": 1}, {"id": "X1", "engine": "mysql", "address": "b", "port": 2}]}`,
		`{"instances": [{"id": "1x", "engine": "mysql", "address": "a", "port": 3306}]}`,
		`{"clusters": [{"id": "c1", "engine": "aurora-mysql", "endpoint": "e", "port": 3306}, {"id": "c1", "engine": "aurora-mysql", "endpoint": "e", "port": 3306}]}`,
		`{"clusters": [{"id": "c1", "engine": "aurora-mysql", "port": 3306}]}`,
		`{"instances": [], "hosts": []}`,
	}
	for _, b := range bad {
		if code := post(b); code != 400 {
			t.Errorf("POST /_localaws/rds %s: %d, want 400", b, code)
		}
	}
	out, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{})
	if err != nil || len(out.DBInstances) != 1 || aws.ToString(out.DBInstances[0].Engine) != "mariadb" || aws.ToInt32(out.DBInstances[0].Endpoint.Port) != 3307 {
		t.Errorf("after the declarations: %v, %v", out, err)
	}
	if err := srv.Seed(localaws.Seed{RDS: &localaws.SeedRDS{Clusters: []localaws.SeedDBCluster{
		{ID: "c1", Engine: "aurora-mysql", Endpoint: "c1.cluster-x.us-east-1.rds.amazonaws.com", Port: 3306, Members: []localaws.SeedDBClusterMember{{ID: "gone", Writer: true}}},
	}}}); err != nil {
		t.Errorf("a member naming no declared instance is allowed: %v", err)
	}
	if err := srv.LoadSeed(strings.NewReader(`{"rds": {"instances": [{"id": "x1"}]}}`)); err == nil || !strings.Contains(err.Error(), `"x1"`) {
		t.Errorf("a seed with a bad instance: %v, want an error naming it", err)
	}
	srv.Reset()
	out, err = c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{})
	if err != nil || len(out.DBInstances) != 0 {
		t.Errorf("after reset: %v, %v", instanceIDs(out.DBInstances), err)
	}
	if _, err := c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("c1")}); errCode(err) != "DBClusterNotFoundFault" {
		t.Errorf("cluster after reset: %v", err)
	}
}

// TestRDSFaults: a fault on rds.DescribeDBInstances answers the XML error
// the SDK reads, with the tester's status.
func TestRDSFaults(t *testing.T) {
	t.Parallel()
	srv, url := seedRDS(t)
	srv.InjectFault(localaws.Fault{Operation: "rds.DescribeDBInstances", Code: "Throttling", Message: "Rate exceeded", Status: 400})
	c := rds.New(rds.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
		RetryMaxAttempts: 1,
	})
	_, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("pg1")})
	if errCode(err) != "Throttling" || !strings.Contains(err.Error(), "Rate exceeded") {
		t.Fatalf("faulted call: %v", err)
	}
	if _, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("pg1")}); err != nil {
		t.Fatalf("the call after the fault: %v", err)
	}
}

// TestDescribeDBInstancesPages: the SDK's paginator walks MaxRecords pages
// with the Marker localaws answers.
func TestDescribeDBInstancesPages(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	var decl localaws.SeedRDS
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("db%02d", i)
		want = append(want, id)
		decl.Instances = append(decl.Instances, localaws.SeedDBInstance{ID: id, Engine: "mysql", Address: id + ".example", Port: 3306})
	}
	if err := srv.DeclareRDS(decl); err != nil {
		t.Fatal(err)
	}
	p := rds.NewDescribeDBInstancesPaginator(newRDSClient(url, "us-east-1"), &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(20)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, instanceIDs(out.DBInstances)...)
	}
	if pages != 2 || !slices.Equal(got, want) {
		t.Errorf("%d pages of %v, want 2 pages of %v", pages, got, want)
	}
}

// TestDesignSeedRDS loads the rds part of DESIGN.md's seed example as it is
// written there: empty clusterId and readReplicaSource mean none.
func TestDesignSeedRDS(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	err := srv.LoadSeed(strings.NewReader(`{"region": "us-east-1", "accountId": "123456789012",
 "rds": {"instances": [{"id": "pg1", "engine": "postgres", "address": "pg1.c9xyz.us-east-1.rds.amazonaws.com",
                        "port": 5432, "clusterId": "", "readReplicaSource": ""}],
         "clusters": [{"id": "aur1", "engine": "aurora-postgresql", "endpoint": "...", "readerEndpoint": "...",
                       "port": 5432, "members": [{"id": "aur1-a", "writer": true}]}]}}`))
	if err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	out, err := newRDSClient(url, "us-east-1").DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("pg1")})
	if err != nil || out.DBInstances[0].DBClusterIdentifier != nil || out.DBInstances[0].ReadReplicaSourceDBInstanceIdentifier != nil ||
		aws.ToString(out.DBInstances[0].DBInstanceArn) != "arn:aws:rds:us-east-1:123456789012:db:pg1" {
		t.Errorf("pg1 = %+v, %v", out, err)
	}
}
