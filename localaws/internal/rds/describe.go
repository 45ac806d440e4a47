package rds

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/awsquery"
)

// Call runs one action.
func (s *Store) Call(_ context.Context, req awsquery.Request) (any, error) {
	if req.Version != "" && req.Version != Version {
		return nil, awsquery.InvalidAction(req)
	}
	switch req.Action {
	case "DescribeDBInstances":
		return s.describeDBInstances(req)
	case "DescribeDBClusters":
		return s.describeDBClusters(req)
	}
	return nil, awsquery.InvalidAction(req)
}

// The answers, with the element names of the RDS API: list members are
// named by their XML names (<DBInstances><DBInstance>, ...), and an empty
// list is an empty element, as RDS sends it.
type endpoint struct {
	Address string
	Port    int
}

type replicaIDs struct {
	IDs []string `xml:"ReadReplicaDBInstanceIdentifier"`
}

type dbInstance struct {
	DBInstanceIdentifier                  string
	Engine                                string
	DBInstanceStatus                      string
	Endpoint                              endpoint
	DBClusterIdentifier                   string `xml:",omitempty"`
	ReadReplicaSourceDBInstanceIdentifier string `xml:",omitempty"`
	ReadReplicaDBInstanceIdentifiers      replicaIDs
	DBInstanceArn                         string
}

type dbInstances struct {
	Items []dbInstance `xml:"DBInstance"`
}

type describeDBInstancesResult struct {
	DBInstances dbInstances
	Marker      string `xml:",omitempty"`
}

type clusterMember struct {
	DBInstanceIdentifier string
	IsClusterWriter      bool
}

type clusterMembers struct {
	Items []clusterMember `xml:"DBClusterMember"`
}

type dbCluster struct {
	DBClusterIdentifier string
	Engine              string
	Status              string
	Endpoint            string
	ReaderEndpoint      string `xml:",omitempty"`
	Port                int
	DBClusterMembers    clusterMembers
	DBClusterArn        string
}

type dbClusters struct {
	Items []dbCluster `xml:"DBCluster"`
}

type describeDBClustersResult struct {
	DBClusters dbClusters
	Marker     string `xml:",omitempty"`
}

// describeDBInstances answers the instances the identifier (an id or an
// ARN) and the filters select, by identifier.
func (s *Store) describeDBInstances(req awsquery.Request) (any, error) {
	filters, pg, err := readSelection(req, "db-instance-id", "db-cluster-id", "engine")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.sortedInstances()
	id, named := req.Get("DBInstanceIdentifier")
	var out []dbInstance
	for _, in := range all {
		if named && !s.instanceNamed(in, id) {
			continue
		}
		if !filters.match("db-instance-id", in.ID, s.instanceARN(in.ID)) ||
			!filters.match("db-cluster-id", in.ClusterID, s.clusterARN(in.ClusterID)) ||
			!filters.match("engine", in.Engine) {
			continue
		}
		out = append(out, s.instanceAnswer(in, all))
	}
	if named && len(out) == 0 && !s.anyInstanceNamed(id) {
		return nil, awsquery.Errorf(http.StatusNotFound, "DBInstanceNotFound", "DBInstance %s not found.", id)
	}
	page, marker := pageOf(out, pg, func(in dbInstance) string { return in.DBInstanceIdentifier })
	return describeDBInstancesResult{DBInstances: dbInstances{page}, Marker: marker}, nil
}

func (s *Store) instanceNamed(in Instance, id string) bool {
	return strings.EqualFold(in.ID, id) || id == s.instanceARN(in.ID)
}

func (s *Store) anyInstanceNamed(id string) bool {
	for _, in := range s.instances {
		if s.instanceNamed(in, id) {
			return true
		}
	}
	return false
}

// instanceAnswer describes an instance; its replicas are the instances that
// name it as their source.
func (s *Store) instanceAnswer(in Instance, all []Instance) dbInstance {
	replicas := []string{}
	for _, r := range all {
		if r.ReadReplicaSource != "" && (r.ReadReplicaSource == in.ID || r.ReadReplicaSource == s.instanceARN(in.ID)) {
			replicas = append(replicas, r.ID)
		}
	}
	return dbInstance{
		DBInstanceIdentifier: in.ID, Engine: in.Engine, DBInstanceStatus: "available",
		Endpoint:            endpoint{Address: in.Address, Port: in.Port},
		DBClusterIdentifier: in.ClusterID, ReadReplicaSourceDBInstanceIdentifier: in.ReadReplicaSource,
		ReadReplicaDBInstanceIdentifiers: replicaIDs{replicas}, DBInstanceArn: s.instanceARN(in.ID),
	}
}

// describeDBClusters answers the clusters the identifier (an id or an ARN)
// and the filters select, by identifier.
func (s *Store) describeDBClusters(req awsquery.Request) (any, error) {
	filters, pg, err := readSelection(req, "db-cluster-id", "engine")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, named := req.Get("DBClusterIdentifier")
	var out []dbCluster
	for _, c := range s.sortedClusters() {
		if named && !strings.EqualFold(c.ID, id) && id != s.clusterARN(c.ID) {
			continue
		}
		if !filters.match("db-cluster-id", c.ID, s.clusterARN(c.ID)) || !filters.match("engine", c.Engine) {
			continue
		}
		members := []clusterMember{}
		for _, m := range c.Members {
			members = append(members, clusterMember{DBInstanceIdentifier: m.InstanceID, IsClusterWriter: m.Writer})
		}
		out = append(out, dbCluster{
			DBClusterIdentifier: c.ID, Engine: c.Engine, Status: "available",
			Endpoint: c.Endpoint, ReaderEndpoint: c.ReaderEndpoint, Port: c.Port,
			DBClusterMembers: clusterMembers{members}, DBClusterArn: s.clusterARN(c.ID),
		})
	}
	if named && len(out) == 0 {
		exists := false
		for _, c := range s.clusters {
			exists = exists || strings.EqualFold(c.ID, id) || id == s.clusterARN(c.ID)
		}
		if !exists {
			return nil, awsquery.Errorf(http.StatusNotFound, "DBClusterNotFoundFault", "DBCluster %s not found.", id)
		}
	}
	page, marker := pageOf(out, pg, func(c dbCluster) string { return c.DBClusterIdentifier })
	return describeDBClustersResult{DBClusters: dbClusters{page}, Marker: marker}, nil
}

// readSelection reads what a describe call selects: its filters, of which
// it supports the names given, and its page.
func readSelection(req awsquery.Request, supported ...string) (filters, page, error) {
	f, err := readFilters(req, supported...)
	if err != nil {
		return nil, page{}, err
	}
	pg, err := readPage(req)
	return f, pg, err
}

// filters are the Filters.Filter.N of a request: a name and the values any
// of which it accepts. Filters combine with AND.
type filters map[string][]string

// unsupportedFilters are filters RDS has that localaws does not evaluate.
var unsupportedFilters = map[string]bool{"dbi-resource-id": true, "domain": true, "clone-group-id": true, "db-cluster-resource-id": true}

func readFilters(req awsquery.Request, supported ...string) (filters, error) {
	out := filters{}
	for _, f := range req.Structs("Filters", "Filter") {
		name, ok := f.Get("Name")
		if !ok || name == "" {
			return nil, awsquery.Errorf(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter Filter.Name")
		}
		values := append(f.Strings("Values", "Value"), f.Strings("Values", "member")...)
		if len(values) == 0 {
			return nil, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterCombination", "Filter %s must have at least one value", name)
		}
		known := false
		for _, s := range supported {
			known = known || s == name
		}
		switch {
		case !known && unsupportedFilters[name]:
			return nil, awsjson.Unsupported("InvalidParameterValue", "the filter "+name)
		case !known:
			return nil, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue", "Unrecognized filter name: %s", name)
		}
		out[name] = append(out[name], values...)
	}
	return out, nil
}

// match reports whether a filter accepts one of a resource's names (an id
// and its ARN, say); a filter the request does not have accepts anything.
func (f filters) match(name string, names ...string) bool {
	values, ok := f[name]
	if !ok {
		return true
	}
	for _, v := range values {
		for _, n := range names {
			if n != "" && (v == n || strings.EqualFold(v, n) && !strings.HasPrefix(v, "arn:")) {
				return true
			}
		}
	}
	return false
}

// page is where a describe call starts and how many it answers. MaxRecords
// is 20-100, default 100; the Marker is the identifier to start after.
type page struct {
	max    int
	marker string
}

func readPage(req awsquery.Request) (page, error) {
	pg := page{max: 100}
	if v, ok := req.Get("MaxRecords"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20 || n > 100 {
			return page{}, awsquery.Errorf(http.StatusBadRequest, "InvalidParameterValue", "Invalid value for MaxRecords. Must be between 20 and 100")
		}
		pg.max = n
	}
	pg.marker, _ = req.Get("Marker")
	return pg, nil
}

// pageOf cuts one page out of a sorted answer; the marker is empty on the
// last page.
func pageOf[T any](all []T, pg page, id func(T) string) ([]T, string) {
	start := 0
	if pg.marker != "" {
		for start < len(all) && id(all[start]) <= pg.marker {
			start++
		}
	}
	all = all[start:]
	if len(all) <= pg.max {
		return all, ""
	}
	return all[:pg.max], id(all[pg.max-1])
}
