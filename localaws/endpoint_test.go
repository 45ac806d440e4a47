package localaws_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestAWSEndpointURL configures clients the way users do, from the
// environment only: AWS_ENDPOINT_URL sends both services to localaws.
func TestAWSEndpointURL(t *testing.T) {
	srv, url := startLocal(t, localaws.Options{})
	if err := srv.Seed(localaws.Seed{
		Secrets:    []localaws.SeedSecret{{Name: "env", SecretString: aws.String("from-env")}},
		Parameters: []localaws.SeedParameter{{Name: "/env/p", Value: "pv"}},
	}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLOCAL")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v := current(t, secretsmanager.NewFromConfig(cfg), "env"); v != "from-env" {
		t.Errorf("secret = %q", v)
	}
	p, err := ssm.NewFromConfig(cfg).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/env/p")})
	if err != nil || aws.ToString(p.Parameter.Value) != "pv" {
		t.Errorf("parameter: %v, %v", p, err)
	}
}

// TestConcurrentWritersKeepOneCurrent races writers and readers on one
// secret; afterwards exactly one version is AWSCURRENT and one AWSPREVIOUS.
func TestConcurrentWritersKeepOneCurrent(t *testing.T) {
	t.Parallel()
	_, url := startLocal(t, localaws.Options{})
	c := newSMClient(url)
	create(t, c, "busy", "0")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
					SecretId: aws.String("busy"), SecretString: aws.String(fmt.Sprintf("%d-%d", w, i)),
				}); err != nil {
					t.Errorf("PutSecretValue: %v", err)
				}
				if _, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("busy")}); err != nil {
					t.Errorf("GetSecretValue: %v", err)
				}
			}
		})
	}
	wg.Wait()
	cur, prev := 0, 0
	for _, st := range stages(t, c, "busy") {
		for _, s := range st {
			switch s {
			case "AWSCURRENT":
				cur++
			case "AWSPREVIOUS":
				prev++
			}
		}
	}
	if cur != 1 || prev != 1 {
		t.Errorf("AWSCURRENT on %d versions, AWSPREVIOUS on %d; want 1 and 1", cur, prev)
	}
}
