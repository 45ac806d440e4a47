package localaws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestCLIAssumeRole: `aws sts assume-role` gives credentials the CLI then
// signs with; `aws sts get-caller-identity` names the session, and the
// session reads the secret its role's policy allows.
func TestCLIAssumeRole(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	arn := seedSharedWithRoleA(t, srv, url)
	lab := newCLILab(t, url)
	var out struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken, Expiration string
		}
		AssumedRoleUser struct{ AssumedRoleId, Arn string }
	}
	lab.json(t, &out, "sts", "assume-role", "--role-arn", roleA, "--role-session-name", "cli", "--duration-seconds", "900")
	want(t, "assume-role", strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") && out.Credentials.Expiration != "" &&
		out.AssumedRoleUser.Arn == "arn:aws:sts::222233334444:assumed-role/app-a/cli", out)
	lab.fails(t, "ValidationError", "sts", "assume-role", "--role-arn", roleA, "--role-session-name", "no spaces")

	session := &cliLab{bin: lab.bin, dir: lab.dir, env: slices.Concat(slices.DeleteFunc(slices.Clone(lab.env), func(kv string) bool {
		return strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=")
	}), []string{
		"AWS_ACCESS_KEY_ID=" + out.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + out.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + out.Credentials.SessionToken,
	})}
	var who struct{ UserId, Account, Arn string }
	session.json(t, &who, "sts", "get-caller-identity")
	want(t, "get-caller-identity", who.Account == "222233334444" && who.Arn == out.AssumedRoleUser.Arn && who.UserId == out.AssumedRoleUser.AssumedRoleId, who)
	got := session.run(t, "secretsmanager", "get-secret-value", "--secret-id", arn, "--query", "SecretString", "--output", "text")
	want(t, "the session reads the shared secret", strings.TrimSpace(got) == "shared-value", got)
}

// TestCLIDescribeRDS: the AWS CLI's rds commands read the seeded instances
// and clusters, as AWS's rotation templates read them.
func TestCLIDescribeRDS(t *testing.T) {
	t.Parallel()
	_, url := seedRDS(t)
	lab := newCLILab(t, url)
	lab.env = append(lab.env, "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1")
	var instances struct {
		DBInstances []struct {
			DBInstanceIdentifier, Engine, DBInstanceArn string
			Endpoint                                    struct {
				Address string
				Port    int
			}
			ReadReplicaDBInstanceIdentifiers []string
		}
	}
	lab.json(t, &instances, "rds", "describe-db-instances", "--db-instance-identifier", "pg1")
	want(t, "describe-db-instances pg1", len(instances.DBInstances) == 1 && instances.DBInstances[0].Endpoint.Address == "pg1.c9xyz.eu-west-1.rds.amazonaws.com" &&
		instances.DBInstances[0].Endpoint.Port == 5432 && instances.DBInstances[0].Engine == "postgres" &&
		slices.Equal(instances.DBInstances[0].ReadReplicaDBInstanceIdentifiers, []string{"pg1-replica"}), instances)
	ids := lab.run(t, "rds", "describe-db-instances", "--filters", "Name=db-cluster-id,Values=aur1", "--query", "DBInstances[].DBInstanceIdentifier", "--output", "text")
	want(t, "describe-db-instances --filters", strings.Fields(ids)[0] == "aur1-a" && len(strings.Fields(ids)) == 2, ids)
	var clusters struct {
		DBClusters []struct {
			DBClusterIdentifier, Engine, Endpoint, ReaderEndpoint string
			Port                                                  int
			DBClusterMembers                                      []struct {
				DBInstanceIdentifier string
				IsClusterWriter      bool
			}
		}
	}
	lab.json(t, &clusters, "rds", "describe-db-clusters")
	want(t, "describe-db-clusters", len(clusters.DBClusters) == 1 && clusters.DBClusters[0].Endpoint == "aur1.cluster-c9xyz.eu-west-1.rds.amazonaws.com" &&
		clusters.DBClusters[0].ReaderEndpoint == "aur1.cluster-ro-c9xyz.eu-west-1.rds.amazonaws.com" && clusters.DBClusters[0].Port == 5432 &&
		clusters.DBClusters[0].Engine == "aurora-postgresql" && len(clusters.DBClusters[0].DBClusterMembers) == 2 &&
		clusters.DBClusters[0].DBClusterMembers[0].IsClusterWriter && !clusters.DBClusters[0].DBClusterMembers[1].IsClusterWriter, clusters)
	lab.fails(t, "DBInstanceNotFound", "rds", "describe-db-instances", "--db-instance-identifier", "pg9")
	lab.fails(t, "DBClusterNotFoundFault", "rds", "describe-db-clusters", "--db-cluster-identifier", "aur9")
}
