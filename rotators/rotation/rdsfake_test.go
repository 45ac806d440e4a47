package rotation

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// rdsTopology is what the tests' RDS knows, in the shape of localaws's "rds" seed.
type rdsTopology struct {
	instances []rdsInstance
	clusters  []rdsCluster
}

type rdsInstance struct {
	id, engine, address string
	port                int32
	clusterID           string
	readReplicaSource   string
}

type rdsCluster struct {
	id, engine, endpoint, readerEndpoint string
	port                                 int32
	members                              []rdsMember
}

type rdsMember struct {
	id     string
	writer bool
}

// fakeRDS answers DescribeDBInstances and DescribeDBClusters from a topology, by
// identifier or ARN, with RDS's not-found faults; err, when set, fails every call.
type fakeRDS struct {
	top rdsTopology
	err error
}

var _ RDS = (*fakeRDS)(nil)

func newFakeRDS(top rdsTopology) *fakeRDS { return &fakeRDS{top: top} }

// idOf accepts an identifier or an ARN of kind ("db", "cluster").
func idOf(v, kind string) string {
	if rest, ok := strings.CutPrefix(v, "arn:aws:rds:"); ok {
		parts := strings.SplitN(rest, ":", 4) // region, account, kind, id
		if len(parts) == 4 && parts[2] == kind {
			return parts[3]
		}
		return ""
	}
	return v
}

func (f *fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	id := idOf(aws.ToString(in.DBInstanceIdentifier), "db")
	for _, i := range f.top.instances {
		if i.id == id {
			out := types.DBInstance{
				DBInstanceIdentifier: aws.String(i.id), Engine: aws.String(i.engine),
				Endpoint: &types.Endpoint{Address: aws.String(i.address), Port: aws.Int32(i.port)},
			}
			if i.clusterID != "" {
				out.DBClusterIdentifier = aws.String(i.clusterID)
			}
			if i.readReplicaSource != "" {
				out.ReadReplicaSourceDBInstanceIdentifier = aws.String(i.readReplicaSource)
			}
			return &rds.DescribeDBInstancesOutput{DBInstances: []types.DBInstance{out}}, nil
		}
	}
	return nil, &types.DBInstanceNotFoundFault{Message: aws.String("DBInstance " + id + " not found.")}
}

func (f *fakeRDS) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	id := idOf(aws.ToString(in.DBClusterIdentifier), "cluster")
	for _, c := range f.top.clusters {
		if c.id == id {
			out := types.DBCluster{
				DBClusterIdentifier: aws.String(c.id), Engine: aws.String(c.engine), Port: aws.Int32(c.port),
				Endpoint: aws.String(c.endpoint), ReaderEndpoint: aws.String(c.readerEndpoint),
			}
			for _, m := range c.members {
				out.DBClusterMembers = append(out.DBClusterMembers, types.DBClusterMember{
					DBInstanceIdentifier: aws.String(m.id), IsClusterWriter: aws.Bool(m.writer),
				})
			}
			return &rds.DescribeDBClustersOutput{DBClusters: []types.DBCluster{out}}, nil
		}
	}
	return nil, &types.DBClusterNotFoundFault{Message: aws.String("DBCluster " + id + " not found.")}
}
