package localaws_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// clientIn is c signing for another Region: the same endpoint, whose
// answer depends on the Region of the request's signature.
func clientIn(c *secretsmanager.Client, region string) *secretsmanager.Client {
	return secretsmanager.New(c.Options(), func(o *secretsmanager.Options) { o.Region = region })
}

// testReplication follows "Replicate an AWS Secrets Manager secret to other
// AWS Regions": the replica in us-west-2 serves the primary's value under an
// ARN in its own Region, follows writes to the primary, refuses writes of
// its own, and keeps the primary from being deleted until it is removed.
func testReplication(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	arn, _ := create(t, c, name, "one")
	west := clientIn(c, "us-west-2")
	out, err := c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String(name), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}},
	})
	if err != nil {
		t.Fatalf("ReplicateSecretToRegions: %v", err)
	}
	tg.check(t, "replicate-answer", len(out.ReplicationStatus) == 1 && aws.ToString(out.ReplicationStatus[0].Region) == "us-west-2" &&
		(out.ReplicationStatus[0].Status == types.StatusTypeInSync || out.ReplicationStatus[0].Status == types.StatusTypeInProgress),
		"ReplicationStatus %+v", out.ReplicationStatus)
	wantARN := strings.Replace(arn, ":us-east-1:", ":us-west-2:", 1)
	got, err := west.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	tg.check(t, "replica-read", err == nil && aws.ToString(got.SecretString) == "one" && aws.ToString(got.ARN) == wantARN,
		"replica GetSecretValue: %+v, %v (want ARN %s)", got, err, wantARN)
	put(t, c, name, "two")
	got, err = west.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	tg.check(t, "replica-follows-primary", err == nil && aws.ToString(got.SecretString) == "two", "replica after a put on the primary: %v", err)
	_, err = west.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String("west")})
	tg.checkCode(t, "replica-refuses-writes", err, "InvalidParameterException")
	tg.check(t, "replica-unchanged", current(t, c, name) == "two", "a refused replica write changed the primary")

	d, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.check(t, "primary-replication-status", err == nil && aws.ToString(d.PrimaryRegion) == "us-east-1" && len(d.ReplicationStatus) == 1 &&
		aws.ToString(d.ReplicationStatus[0].Region) == "us-west-2", "primary DescribeSecret: %+v, %v", d, err)
	rd, err := west.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	tg.check(t, "replica-primary-region", err == nil && aws.ToString(rd.PrimaryRegion) == "us-east-1" && aws.ToString(rd.ARN) == wantARN,
		"replica DescribeSecret: %+v, %v", rd, err)

	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	tg.checkCode(t, "delete-primary-with-replicas", err, "InvalidParameterException")
	rm, err := c.RemoveRegionsFromReplication(t.Context(), &secretsmanager.RemoveRegionsFromReplicationInput{
		SecretId: aws.String(name), RemoveReplicaRegions: []string{"us-west-2"},
	})
	tg.check(t, "remove-regions", err == nil && len(rm.ReplicationStatus) == 0, "RemoveRegionsFromReplication: %+v, %v", rm, err)
	_, err = west.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	tg.checkCode(t, "removed-replica-gone", err, "ResourceNotFoundException")
	_, err = c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String(name), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}},
	})
	tg.checkCode(t, "replicate-to-own-region", err, "InvalidParameterException")
	_, err = c.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	tg.check(t, "delete-after-remove", err == nil, "DeleteSecret once the replica is gone: %v", err)
}
