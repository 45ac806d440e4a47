package localaws_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestRDSManagedSecretTags: an RDS-managed master secret, as a seed sets it
// up, shows its system tags in DescribeSecret (the rotators find the
// database through aws:rds:primarydbinstancearn), and the API refuses to
// set or remove aws: tags while ordinary tags come and go.
func TestRDSManagedSecretTags(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	const dbARN = "arn:aws:rds:us-east-1:123456789012:db:pg1"
	if err := srv.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{
		Name: "rds!db-1234", SecretString: aws.String(`{"username":"postgres","password":"p"}`),
		Tags: []localaws.SeedTag{
			{Key: "aws:rds:primarydbinstancearn", Value: dbARN},
			{Key: "aws:secretsmanager:owningService", Value: "rds"},
		},
	}}}); err != nil {
		t.Fatal(err)
	}
	sm := newSMClient(url)
	tags := func() map[string]string {
		t.Helper()
		d, err := sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rds!db-1234")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.OwningService) != "rds" {
			t.Errorf("OwningService = %q, want rds", aws.ToString(d.OwningService))
		}
		out := map[string]string{}
		for _, tg := range d.Tags {
			out[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		return out
	}
	if got := tags()["aws:rds:primarydbinstancearn"]; got != dbARN {
		t.Errorf("aws:rds:primarydbinstancearn = %q, want %s", got, dbARN)
	}
	_, err := sm.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("rds!db-1234"),
		Tags: []types.Tag{{Key: aws.String("aws:rds:primarydbclusterarn"), Value: aws.String("x")}}})
	if errCode(err) != "InvalidParameterException" {
		t.Errorf("TagResource with an aws: key: %v, want InvalidParameterException", err)
	}
	_, err = sm.UntagResource(t.Context(), &secretsmanager.UntagResourceInput{SecretId: aws.String("rds!db-1234"), TagKeys: []string{"aws:rds:primarydbinstancearn"}})
	if errCode(err) != "InvalidParameterException" {
		t.Errorf("UntagResource of an aws: key: %v, want InvalidParameterException", err)
	}
	if _, err := sm.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String("rds!db-1234"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("db")}}}); err != nil {
		t.Fatalf("TagResource team: %v", err)
	}
	got := tags()
	if got["team"] != "db" || got["aws:rds:primarydbinstancearn"] != dbARN || len(got) != 3 {
		t.Errorf("tags after the calls = %v", got)
	}
	if _, err := sm.UntagResource(t.Context(), &secretsmanager.UntagResourceInput{SecretId: aws.String("rds!db-1234"), TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagResource team: %v", err)
	}
	if got := tags(); got["team"] != "" || len(got) != 2 {
		t.Errorf("tags after untag = %v", got)
	}
}
