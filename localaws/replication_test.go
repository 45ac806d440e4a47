package localaws_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestReplicaServesRotatedValue: a value written in us-east-1 is read from
// us-west-2's replica; after a rotation of the primary the replica serves
// the new value; the replica refuses RotateSecret and PutSecretValue.
func TestReplicaServesRotatedValue(t *testing.T) {
	t.Parallel()
	c, r, _ := rotationSetup(t)
	west := clientIn(c, "us-west-2")
	if _, err := c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("db"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2"), KmsKeyId: aws.String("alias/west-key")}},
	}); err != nil {
		t.Fatalf("ReplicateSecretToRegions: %v", err)
	}
	if v := current(t, west, "db"); v != "old" {
		t.Fatalf("replica value %q", v)
	}
	if _, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: aws.String(rotatorARN)}); err != nil {
		t.Fatalf("RotateSecret on the primary: %v", err)
	}
	rotated := current(t, c, "db")
	if rotated == "old" {
		t.Fatal("the primary did not rotate")
	}
	if v := current(t, west, "db"); v != rotated {
		t.Errorf("replica serves %q after the primary rotated, want the new value", v)
	}
	rd := describe(t, west, "db")
	if !aws.ToBool(rd.RotationEnabled) || rd.LastRotatedDate == nil || aws.ToString(rd.KmsKeyId) != "alias/west-key" {
		t.Errorf("replica DescribeSecret: rotation %v %v, key %q", rd.RotationEnabled, rd.LastRotatedDate, aws.ToString(rd.KmsKeyId))
	}
	steps := len(r.steps())
	_, err := west.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db")})
	if errCode(err) != "InvalidParameterException" || !strings.Contains(err.Error(), "Operation not permitted on a replica secret") {
		t.Errorf("RotateSecret on the replica: %v", err)
	}
	for _, write := range map[string]func() error{
		"UpdateSecret": func() error {
			_, err := west.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("db"), Description: aws.String("x")})
			return err
		},
		"TagResource": func() error {
			_, err := west.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("db"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		},
		"PutResourcePolicy": func() error {
			_, err := west.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("db"), ResourcePolicy: aws.String(`{"Statement":{"Effect":"Deny","Principal":"*","Action":"*"}}`)})
			return err
		},
		"DeleteSecret": func() error {
			_, err := west.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("db"), ForceDeleteWithoutRecovery: aws.Bool(true)})
			return err
		},
	} {
		if err := write(); errCode(err) != "InvalidParameterException" {
			t.Errorf("a write on the replica: %v, want InvalidParameterException", err)
		}
	}
	if len(r.steps()) != steps {
		t.Error("a refused replica rotation invoked the function")
	}
	// Metadata changes on the primary show in the replica too.
	if _, err := c.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("db"), Description: aws.String("from the primary")}); err != nil {
		t.Fatal(err)
	}
	if d := describe(t, west, "db"); aws.ToString(d.Description) != "from the primary" {
		t.Errorf("replica description %q", aws.ToString(d.Description))
	}
	l, err := west.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypePrimaryRegion, Values: []string{"us-east"}}}})
	if err != nil || len(l.SecretList) != 1 || aws.ToString(l.SecretList[0].PrimaryRegion) != "us-east-1" {
		t.Errorf("ListSecrets primary-region in us-west-2: %+v, %v", l, err)
	}
}

// TestStopReplicationPromotesReplica: StopReplicationToReplica, called in the
// replica's Region, makes it a standalone secret with its own copy of the
// versions; the primary forgets it and can be deleted.
func TestStopReplicationPromotesReplica(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	west := clientIn(c, "us-west-2")
	out, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name: aws.String("multi"), SecretString: aws.String("v1"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}, {Region: aws.String("eu-west-1")}},
	})
	if err != nil || len(out.ReplicationStatus) != 2 {
		t.Fatalf("CreateSecret with replicas: %+v, %v", out, err)
	}
	_, err = c.StopReplicationToReplica(t.Context(), &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("multi")})
	if errCode(err) != "InvalidRequestException" {
		t.Errorf("StopReplicationToReplica on the primary: %v", err)
	}
	stop, err := west.StopReplicationToReplica(t.Context(), &secretsmanager.StopReplicationToReplicaInput{SecretId: aws.String("multi")})
	if err != nil || !strings.Contains(aws.ToString(stop.ARN), ":us-west-2:") {
		t.Fatalf("StopReplicationToReplica: %+v, %v", stop, err)
	}
	put(t, west, "multi", "west-only")
	if v := current(t, c, "multi"); v != "v1" {
		t.Errorf("the promoted secret's write reached the old primary: %q", v)
	}
	if v := current(t, west, "multi"); v != "west-only" {
		t.Errorf("promoted secret value %q", v)
	}
	d := describe(t, c, "multi")
	if len(d.ReplicationStatus) != 1 || aws.ToString(d.ReplicationStatus[0].Region) != "eu-west-1" {
		t.Errorf("primary ReplicationStatus after the promotion: %+v", d.ReplicationStatus)
	}
	if d := describe(t, west, "multi"); d.PrimaryRegion != nil {
		t.Errorf("the promoted secret still names a primary: %v", aws.ToString(d.PrimaryRegion))
	}
}

// TestReplicationOverANameInUse: a Region that already has a secret of that
// name gets a Failed replica unless ForceOverwriteReplicaSecret.
func TestReplicationOverANameInUse(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	west := clientIn(c, "us-west-2")
	create(t, c, "clash", "east")
	create(t, west, "clash", "west")
	out, err := c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("clash"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}},
	})
	if err != nil || len(out.ReplicationStatus) != 1 || out.ReplicationStatus[0].Status != types.StatusTypeFailed {
		t.Fatalf("replicating over a name in use: %+v, %v", out, err)
	}
	if v := current(t, west, "clash"); v != "west" {
		t.Errorf("a failed replication replaced the secret there: %q", v)
	}
	if _, err := c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("clash"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}},
	}); err != nil {
		t.Fatal(err)
	}
	if d := describe(t, c, "clash"); len(d.ReplicationStatus) != 1 {
		t.Errorf("a retried replication is listed %d times", len(d.ReplicationStatus))
	}
	if _, err := c.RemoveRegionsFromReplication(t.Context(), &secretsmanager.RemoveRegionsFromReplicationInput{SecretId: aws.String("clash"), RemoveReplicaRegions: []string{"us-west-2"}}); err != nil {
		t.Fatal(err)
	}
	if v := current(t, west, "clash"); v != "west" {
		t.Errorf("removing a failed replica deleted the secret that was there: %q", v)
	}
	out, err = c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("clash"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}}, ForceOverwriteReplicaSecret: true,
	})
	if err != nil || out.ReplicationStatus[0].Status != types.StatusTypeInSync {
		t.Fatalf("ForceOverwriteReplicaSecret: %+v, %v", out, err)
	}
	if v := current(t, west, "clash"); v != "east" {
		t.Errorf("after the overwrite us-west-2 serves %q", v)
	}
	_, err = c.ReplicateSecretToRegions(t.Context(), &secretsmanager.ReplicateSecretToRegionsInput{
		SecretId: aws.String("clash"), AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("not a region")}},
	})
	if errCode(err) != "ValidationException" {
		t.Errorf("a malformed Region: %v", err)
	}
}
