package rotation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// RDS is the part of the RDS API the engine calls: to complete an RDS-managed master
// secret and to tell a read replica or an Aurora reader from any other host. The SDK
// client satisfies it; tests pass one pointed at localaws.
type RDS interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, opts ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

var _ RDS = (*rds.Client)(nil)

// The system tags RDS puts on the master secret it manages (ManageMasterUserPassword),
// naming the instance or cluster the secret belongs to. AWS's templates read them
// case-insensitively.
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
const (
	TagPrimaryInstanceARN = "aws:rds:primarydbinstancearn"
	TagPrimaryClusterARN  = "aws:rds:primarydbclusterarn"
)

// rdsLookupTimeout bounds one topology question (a few Describe calls, milliseconds
// each): a function in a VPC without a route to the RDS API must fail or go on, not
// spend a large part of a 30 s step waiting.
const rdsLookupTimeout = 5 * time.Second

// rdsDomains are the DNS suffixes of RDS endpoints (instances, cluster and reader
// endpoints, proxies) in the AWS partitions: aws and aws-us-gov, aws-cn, aws-iso,
// aws-iso-b, aws-iso-e, aws-iso-f. Every endpoint DescribeDBInstances or
// DescribeDBClusters can answer ends in one, so a host that does not can be no
// replica or reader, and is not looked up.
var rdsDomains = []string{
	".rds.amazonaws.com",
	".rds.amazonaws.com.cn",
	".rds.c2s.ic.gov",
	".rds.sc2s.sgov.gov",
	".rds.cloud.adc-e.uk",
	".rds.csp.hci.ic.gov",
}

// Endpoint is where a database server listens.
type Endpoint struct {
	Host string
	Port int
}

func (e Endpoint) String() string { return net.JoinHostPort(e.Host, fmt.Sprint(e.Port)) }

// endpointOf is where s points, with the adapter's default port when s has none.
func (r *Rotator) endpointOf(s Secret) Endpoint { return Endpoint{Host: s.Host, Port: r.port(s)} }

// sameEndpoint compares host names as DNS does, case-insensitively, and ports exactly.
func sameEndpoint(a, b Endpoint) bool { return strings.EqualFold(a.Host, b.Host) && a.Port == b.Port }

// at returns s pointed at e: the same credential, TLS setting and database, on another
// server of the same replication group.
func (s Secret) at(e Endpoint) Secret {
	s.Host, s.Port = e.Host, e.Port
	return s
}

// onlyCredentials reports whether s holds exactly the keys username and password: the
// shape of the master secret RDS manages, which AWS's templates complete from RDS.
func (s Secret) onlyCredentials() bool {
	_, u := s.raw[keyUsername]
	_, p := s.raw[keyPassword]
	return len(s.raw) == 2 && u && p
}

// errNoRDS is what a lookup answers when the Rotator was built without an RDS client.
var errNoRDS = errors.New("no RDS client configured")

// completeManagedMaster fills in host, port and engine of an RDS-managed master secret
// (username and password only) from its system tag, as AWS's templates do: the tag
// aws:rds:primarydbinstancearn names an instance (DescribeDBInstances: Endpoint.Address,
// Endpoint.Port, Engine), aws:rds:primarydbclusterarn a cluster (DescribeDBClusters:
// Endpoint, Port, Engine). Errors name the master secret and the ARN, never a value.
func (r *Rotator) completeManagedMaster(ctx context.Context, arn string, s Secret) (Secret, error) {
	meta, err := r.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		return Secret{}, fmt.Errorf("it holds only username and password; describe it for its RDS system tags: %w", err)
	}
	var key, dbARN string
	for _, t := range meta.Tags {
		k := strings.ToLower(aws.ToString(t.Key))
		if k == TagPrimaryInstanceARN || k == TagPrimaryClusterARN {
			key, dbARN = k, aws.ToString(t.Value)
		}
	}
	switch {
	case key == "":
		return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf(
			"it holds only username and password and has no system tag %s or %s (not an RDS-managed master secret): add host, port and engine to it",
			TagPrimaryInstanceARN, TagPrimaryClusterARN))
	case dbARN == "":
		return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf("its tag %s is empty", key))
	}
	if r.rds == nil {
		return Secret{}, fmt.Errorf("its tag %s names %s: %w", key, dbARN, errNoRDS)
	}
	ctx, cancel := context.WithTimeout(ctx, rdsLookupTimeout)
	defer cancel()
	if key == TagPrimaryInstanceARN {
		inst, err := r.instance(ctx, dbARN)
		if err != nil {
			return Secret{}, fmt.Errorf("its tag %s names %s: %w", key, dbARN, err)
		}
		if inst == nil || inst.Endpoint == nil || aws.ToString(inst.Endpoint.Address) == "" {
			return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf("its tag %s names %s, which DescribeDBInstances does not know (or which has no endpoint yet)", key, dbARN))
		}
		s.Host, s.Port, s.Engine = aws.ToString(inst.Endpoint.Address), int(aws.ToInt32(inst.Endpoint.Port)), aws.ToString(inst.Engine)
	} else {
		cl, err := r.cluster(ctx, dbARN)
		if err != nil {
			return Secret{}, fmt.Errorf("its tag %s names %s: %w", key, dbARN, err)
		}
		if cl == nil || aws.ToString(cl.Endpoint) == "" {
			return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf("its tag %s names %s, which DescribeDBClusters does not know (or which has no endpoint yet)", key, dbARN))
		}
		s.Host, s.Port, s.Engine = aws.ToString(cl.Endpoint), int(aws.ToInt32(cl.Port)), aws.ToString(cl.Engine)
	}
	r.log.Info("master secret completed from RDS", "secret", arn, "tag", key, "host", s.Host, "port", s.Port, "engine", s.Engine)
	return s, nil
}

// instance describes one DB instance by identifier or ARN; nil when RDS has none.
func (r *Rotator) instance(ctx context.Context, id string) (*types.DBInstance, error) {
	out, err := r.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	var nf *types.DBInstanceNotFoundFault
	switch {
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe DB instance %s: %w", id, err)
	case len(out.DBInstances) == 0:
		return nil, nil
	}
	return &out.DBInstances[0], nil
}

// cluster describes one DB cluster by identifier or ARN; nil when RDS has none.
func (r *Rotator) cluster(ctx context.Context, id string) (*types.DBCluster, error) {
	out, err := r.rds.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	var nf *types.DBClusterNotFoundFault
	switch {
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe DB cluster %s: %w", id, err)
	case len(out.DBClusters) == 0:
		return nil, nil
	}
	return &out.DBClusters[0], nil
}

// replica is what RDS says about a host that serves reads for another server.
type replica struct {
	// what it is, in words: "a read replica of DB instance pg1".
	what string
	// primaries are the endpoints that take its writes: the source instance's, or an
	// Aurora cluster's writer endpoint and its writer instance's. The first is where a
	// change is made when nothing else says.
	primaries []Endpoint
}

// isPrimary reports whether e is one of the replica's primaries.
func (rep *replica) isPrimary(e Endpoint) bool {
	for _, p := range rep.primaries {
		if sameEndpoint(p, e) {
			return true
		}
	}
	return false
}

// replicaOf asks RDS whether e is a read replica (its instance has a
// ReadReplicaSourceDBInstanceIdentifier), an Aurora reader instance (a cluster member
// that is not the writer) or an Aurora reader endpoint, and if so which endpoints take
// its writes. It answers nil for any other host, including one RDS does not know.
//
// RDS names an instance's endpoint after its identifier, so the host's first DNS label
// is what is looked up; but the host must then equal the endpoint RDS gives exactly
// (case aside), port included: a host that merely starts with a replica's name is not
// that replica. IP addresses and names outside the RDS domains are never RDS endpoints and are not
// looked up.
func (r *Rotator) replicaOf(ctx context.Context, e Endpoint) (*replica, error) {
	id, ok := rdsIdentifier(e.Host)
	if !ok {
		return nil, nil
	}
	if r.rds == nil {
		return nil, errNoRDS
	}
	ctx, cancel := context.WithTimeout(ctx, rdsLookupTimeout)
	defer cancel()
	inst, err := r.instance(ctx, id)
	if err != nil {
		return nil, err
	}
	if inst != nil && sameEndpoint(instanceEndpoint(inst), e) {
		return r.instanceReplica(ctx, inst)
	}
	cl, err := r.cluster(ctx, id)
	if err != nil || cl == nil {
		return nil, err
	}
	reader := Endpoint{Host: aws.ToString(cl.ReaderEndpoint), Port: int(aws.ToInt32(cl.Port))}
	if reader.Host == "" || !sameEndpoint(reader, e) {
		return nil, nil
	}
	primaries, err := r.clusterWriters(ctx, cl)
	if err != nil {
		return nil, err
	}
	return &replica{what: "the reader endpoint of DB cluster " + aws.ToString(cl.DBClusterIdentifier), primaries: primaries}, nil
}

// instanceReplica is replicaOf for a host that is inst's endpoint.
func (r *Rotator) instanceReplica(ctx context.Context, inst *types.DBInstance) (*replica, error) {
	name := aws.ToString(inst.DBInstanceIdentifier)
	if src := aws.ToString(inst.ReadReplicaSourceDBInstanceIdentifier); src != "" {
		source, err := r.instance(ctx, src)
		if err != nil {
			return nil, err
		}
		if source == nil || instanceEndpoint(source).Host == "" {
			return nil, fmt.Errorf("DB instance %s is a read replica of %s, which DescribeDBInstances does not know", name, src)
		}
		return &replica{what: "a read replica of DB instance " + aws.ToString(source.DBInstanceIdentifier), primaries: []Endpoint{instanceEndpoint(source)}}, nil
	}
	cid := aws.ToString(inst.DBClusterIdentifier)
	if cid == "" {
		return nil, nil
	}
	cl, err := r.cluster(ctx, cid)
	if err != nil || cl == nil {
		return nil, err
	}
	for _, m := range cl.DBClusterMembers {
		if strings.EqualFold(aws.ToString(m.DBInstanceIdentifier), name) && !aws.ToBool(m.IsClusterWriter) {
			primaries, err := r.clusterWriters(ctx, cl)
			if err != nil {
				return nil, err
			}
			return &replica{what: "a reader instance of DB cluster " + cid, primaries: primaries}, nil
		}
	}
	return nil, nil // the writer, or not a member
}

// clusterWriters are the endpoints that take an Aurora cluster's writes: its cluster
// (writer) endpoint, then its writer instance's own endpoint.
func (r *Rotator) clusterWriters(ctx context.Context, cl *types.DBCluster) ([]Endpoint, error) {
	var out []Endpoint
	if h := aws.ToString(cl.Endpoint); h != "" {
		out = append(out, Endpoint{Host: h, Port: int(aws.ToInt32(cl.Port))})
	}
	for _, m := range cl.DBClusterMembers {
		if !aws.ToBool(m.IsClusterWriter) {
			continue
		}
		w, err := r.instance(ctx, aws.ToString(m.DBInstanceIdentifier))
		if err != nil {
			return nil, err
		}
		if w != nil && w.Endpoint != nil {
			out = append(out, instanceEndpoint(w))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("DB cluster %s has no writer endpoint", aws.ToString(cl.DBClusterIdentifier))
	}
	return out, nil
}

func instanceEndpoint(inst *types.DBInstance) Endpoint {
	if inst.Endpoint == nil {
		return Endpoint{}
	}
	return Endpoint{Host: aws.ToString(inst.Endpoint.Address), Port: int(aws.ToInt32(inst.Endpoint.Port))}
}

// rdsIdentifier returns the first DNS label of host, lower-cased, when host may be an
// RDS endpoint: a DNS name under one of rdsDomains whose first label is a valid DB
// identifier (a letter, then letters, digits and hyphens, at most 63).
func rdsIdentifier(host string) (string, bool) {
	if net.ParseIP(host) != nil || !underRDSDomain(host) {
		return "", false
	}
	label, rest, ok := strings.Cut(host, ".")
	if !ok || rest == "" || label == "" || len(label) > 63 {
		return "", false
	}
	label = strings.ToLower(label)
	for i, c := range label {
		letter := c >= 'a' && c <= 'z'
		if !letter && (i == 0 || (c != '-' && (c < '0' || c > '9'))) {
			return "", false
		}
	}
	return label, true
}

// underRDSDomain reports whether host ends in one of rdsDomains, case aside (a
// trailing root dot allowed).
func underRDSDomain(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range rdsDomains {
		if strings.HasSuffix(h, d) {
			return true
		}
	}
	return false
}
