package localaws

import (
	"github.com/paramsecrets/paramsecrets/localaws/internal/rds"
)

// SeedRDS declares RDS instances and clusters, as a seed's "rds" and the
// body of POST /_localaws/rds: DescribeDBInstances and DescribeDBClusters
// answer them in the home account and Region. An id already declared is
// replaced; an id twice in one declaration is an error.
type SeedRDS struct {
	Instances []SeedDBInstance `json:"instances,omitempty"`
	Clusters  []SeedDBCluster  `json:"clusters,omitempty"`
}

// SeedDBInstance is a DB instance: where its server listens, and which
// cluster (clusterId) or instance (readReplicaSource) it belongs to.
type SeedDBInstance struct {
	ID                string `json:"id"`
	Engine            string `json:"engine"`
	Address           string `json:"address"`
	Port              int    `json:"port"`
	ClusterID         string `json:"clusterId,omitempty"`
	ReadReplicaSource string `json:"readReplicaSource,omitempty"`
}

// SeedDBCluster is an Aurora DB cluster with its endpoints and members.
type SeedDBCluster struct {
	ID             string                `json:"id"`
	Engine         string                `json:"engine"`
	Endpoint       string                `json:"endpoint"`
	ReaderEndpoint string                `json:"readerEndpoint,omitempty"`
	Port           int                   `json:"port"`
	Members        []SeedDBClusterMember `json:"members,omitempty"`
}

// SeedDBClusterMember is an instance of a cluster; writer marks the primary.
type SeedDBClusterMember struct {
	ID     string `json:"id"`
	Writer bool   `json:"writer,omitempty"`
}

// rdsDeclaration converts a seed's rds for the store.
func rdsDeclaration(sd *SeedRDS) ([]rds.Instance, []rds.Cluster) {
	if sd == nil {
		return nil, nil
	}
	instances := make([]rds.Instance, 0, len(sd.Instances))
	for _, in := range sd.Instances {
		instances = append(instances, rds.Instance{
			ID: in.ID, Engine: in.Engine, Address: in.Address, Port: in.Port,
			ClusterID: in.ClusterID, ReadReplicaSource: in.ReadReplicaSource,
		})
	}
	clusters := make([]rds.Cluster, 0, len(sd.Clusters))
	for _, c := range sd.Clusters {
		rc := rds.Cluster{ID: c.ID, Engine: c.Engine, Endpoint: c.Endpoint, ReaderEndpoint: c.ReaderEndpoint, Port: c.Port}
		for _, m := range c.Members {
			rc.Members = append(rc.Members, rds.Member{InstanceID: m.ID, Writer: m.Writer})
		}
		clusters = append(clusters, rc)
	}
	return instances, clusters
}

// rdsStore returns the RDS store of an account and Region, made on first use.
func (s *Server) rdsStore(account, region string) *rds.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := scope{account, region}
	if st, ok := s.rds[k]; ok {
		return st
	}
	st := rds.New(region, account)
	s.rds[k] = st
	return st
}

// DeclareRDS declares instances and clusters in the home account and
// Region, as POST /_localaws/rds does.
func (s *Server) DeclareRDS(sd SeedRDS) error {
	instances, clusters := rdsDeclaration(&sd)
	s.mu.Lock()
	account, region := s.acct, s.region
	s.mu.Unlock()
	return s.rdsStore(account, region).Put(instances, clusters)
}
