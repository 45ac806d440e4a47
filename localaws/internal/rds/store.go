// Package rds is the subset of Amazon RDS that database credential
// rotation reads: DescribeDBInstances and DescribeDBClusters over the Query
// protocol (Version 2014-10-31), answering the endpoints, engines, replicas
// and cluster members of instances and clusters that a seed or the admin
// route declared. Nothing runs: an instance is a name for a database server
// that lives elsewhere (a test's throwaway PostgreSQL, say).
//
// AWS's templates for RDS-managed master secrets find host, port and engine
// with these two calls
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_turn-on-for-db.html).
package rds

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Version and Namespace of the API, as the SDKs send and read them.
const (
	Version   = "2014-10-31"
	Namespace = "http://rds.amazonaws.com/doc/2014-10-31/"
)

// Instance is a DB instance.
type Instance struct {
	ID      string
	Engine  string
	Address string
	Port    int
	// ClusterID names the Aurora cluster the instance belongs to, if any.
	ClusterID string
	// ReadReplicaSource is the identifier (or ARN) of the instance this one
	// replicates, if it is a read replica.
	ReadReplicaSource string
}

// Cluster is a DB cluster (Aurora).
type Cluster struct {
	ID             string
	Engine         string
	Endpoint       string
	ReaderEndpoint string
	Port           int
	Members        []Member
}

// Member is an instance of a cluster; Writer marks the primary.
type Member struct {
	InstanceID string
	Writer     bool
}

// identifier is RDS's rule for instance and cluster identifiers: 1 to 63
// letters, digits or hyphens, starting with a letter, with no two hyphens
// in a row and none at the end
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints).
var identifier = regexp.MustCompile(`^[a-zA-Z](?:-?[a-zA-Z0-9])*$`)

func checkID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("rds %s without an id", kind)
	}
	if len(id) > 63 || !identifier.MatchString(id) {
		return fmt.Errorf("rds %s %q: an identifier is 1-63 letters, digits and single hyphens, starting with a letter", kind, id)
	}
	return nil
}

func checkPort(kind, id string, port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("rds %s %q: port %d is not 1-65535", kind, id, port)
	}
	return nil
}

// Check validates a set of instances and clusters as one declaration:
// identifiers, engines, endpoints and ports present and well-formed, no id
// twice. A member or replica source naming an instance that is not declared
// is allowed (AWS lists members it may not show, and a source may be in
// another Region).
func Check(instances []Instance, clusters []Cluster) error {
	seen := map[string]bool{}
	for _, in := range instances {
		if err := checkID("instance", in.ID); err != nil {
			return err
		}
		id := strings.ToLower(in.ID)
		switch {
		case seen[id]:
			return fmt.Errorf("rds instance %q is declared twice", in.ID)
		case in.Engine == "":
			return fmt.Errorf("rds instance %q has no engine", in.ID)
		case in.Address == "":
			return fmt.Errorf("rds instance %q has no address", in.ID)
		case in.ClusterID != "" && checkID("cluster", in.ClusterID) != nil:
			return fmt.Errorf("rds instance %q: clusterId %q is not an identifier", in.ID, in.ClusterID)
		}
		if err := checkPort("instance", in.ID, in.Port); err != nil {
			return err
		}
		seen[id] = true
	}
	seen = map[string]bool{}
	for _, c := range clusters {
		if err := checkID("cluster", c.ID); err != nil {
			return err
		}
		id := strings.ToLower(c.ID)
		switch {
		case seen[id]:
			return fmt.Errorf("rds cluster %q is declared twice", c.ID)
		case c.Engine == "":
			return fmt.Errorf("rds cluster %q has no engine", c.ID)
		case c.Endpoint == "":
			return fmt.Errorf("rds cluster %q has no endpoint", c.ID)
		}
		if err := checkPort("cluster", c.ID, c.Port); err != nil {
			return err
		}
		members := map[string]bool{}
		for _, m := range c.Members {
			if err := checkID("cluster "+c.ID+" member", m.InstanceID); err != nil {
				return err
			}
			if members[strings.ToLower(m.InstanceID)] {
				return fmt.Errorf("rds cluster %q lists member %q twice", c.ID, m.InstanceID)
			}
			members[strings.ToLower(m.InstanceID)] = true
		}
		seen[id] = true
	}
	return nil
}

// Store holds the instances and clusters of one account and Region. It is
// safe for concurrent use.
type Store struct {
	region, account string

	mu        sync.Mutex
	instances map[string]Instance
	clusters  map[string]Cluster
}

// New returns an empty store for an account and Region, which appear in the
// ARNs it answers.
func New(region, account string) *Store {
	return &Store{region: region, account: account, instances: map[string]Instance{}, clusters: map[string]Cluster{}}
}

// Put checks a declaration (see Check) and merges it: an instance or
// cluster with the id of one already held replaces it. Identifiers are kept
// in lower case, as RDS keeps them.
func (s *Store) Put(instances []Instance, clusters []Cluster) error {
	if err := Check(instances, clusters); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range instances {
		in.ID, in.ClusterID = strings.ToLower(in.ID), strings.ToLower(in.ClusterID)
		if !strings.HasPrefix(in.ReadReplicaSource, "arn:") {
			in.ReadReplicaSource = strings.ToLower(in.ReadReplicaSource)
		}
		s.instances[in.ID] = in
	}
	for _, c := range clusters {
		c.ID = strings.ToLower(c.ID)
		c.Members = append([]Member(nil), c.Members...)
		for i := range c.Members {
			c.Members[i].InstanceID = strings.ToLower(c.Members[i].InstanceID)
		}
		s.clusters[c.ID] = c
	}
	return nil
}

// instanceARN and clusterARN are the ARNs RDS gives its resources.
func (s *Store) instanceARN(id string) string {
	return "arn:aws:rds:" + s.region + ":" + s.account + ":db:" + id
}

func (s *Store) clusterARN(id string) string {
	return "arn:aws:rds:" + s.region + ":" + s.account + ":cluster:" + id
}

// sortedInstances lists the instances by identifier, as RDS lists them. The
// caller holds s.mu.
func (s *Store) sortedInstances() []Instance {
	out := make([]Instance, 0, len(s.instances))
	for _, in := range s.instances {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Store) sortedClusters() []Cluster {
	out := make([]Cluster, 0, len(s.clusters))
	for _, c := range s.clusters {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
