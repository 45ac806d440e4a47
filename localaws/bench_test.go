package localaws_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// BenchmarkGetSecretValue measures one SDK round trip to localaws over
// loopback, the cost every cache miss in the other packages' tests pays.
func BenchmarkGetSecretValue(b *testing.B) {
	srv, url := startLocal(b, localaws.Options{})
	if err := srv.Seed(localaws.Seed{Secrets: []localaws.SeedSecret{{Name: "bench", SecretString: aws.String(`{"password":"x"}`)}}}); err != nil {
		b.Fatal(err)
	}
	c := newSMClient(url)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetSecretValue(b.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("bench")}); err != nil {
			b.Fatal(err)
		}
	}
}
