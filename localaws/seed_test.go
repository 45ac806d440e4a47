package localaws_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/paramsecrets/paramsecrets/localaws"
)

func newSSMClient(endpoint string) *ssm.Client {
	return ssm.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret-key", ""),
	}, func(o *ssm.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// TestSeedFileRoundTrip checks that the example seed file decodes into Seed
// and encodes back to the same content, so the documented format and the Go
// type cannot drift apart.
func TestSeedFileRoundTrip(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	var sd localaws.Seed
	if err := json.Unmarshal(raw, &sd); err != nil {
		t.Fatalf("decode seed: %v", err)
	}
	again, err := json.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	_ = json.Unmarshal(raw, &want)
	_ = json.Unmarshal(again, &got)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("seed round trip changed it:\n got %s\nwant %s", again, raw)
	}
}

func TestSeedServesBothServices(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	f, err := os.Open("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := srv.LoadSeed(f); err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	sm := newSMClient(url)
	if v := current(t, sm, "demo/db"); !strings.Contains(v, `"username":"app"`) {
		t.Errorf("demo/db = %q", v)
	}
	bin, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("demo/tls-key")})
	if err != nil || !bytes.Equal(bin.SecretBinary, []byte{0, 1, 2, 3, 0xfe, 0xff}) {
		t.Errorf("demo/tls-key = %v, %v", bin, err)
	}
	d, err := sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("demo/db")})
	if err != nil || !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) == "" {
		t.Errorf("seeded rotation not configured: %+v, %v", d, err)
	}
	db, err := newRDSClient(url, "us-east-1").DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("pg1")})
	if err != nil || aws.ToString(db.DBInstances[0].Endpoint.Address) != "pg1.c9xyz.us-east-1.rds.amazonaws.com" {
		t.Errorf("DescribeDBInstances pg1: %v, %v", db, err)
	}
	p := newSSMClient(url)
	got, err := p.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/demo/db/host")})
	if err != nil || aws.ToString(got.Parameter.Value) != "127.0.0.1" {
		t.Errorf("GetParameter /demo/db/host: %v, %v", got, err)
	}
	ref, err := p.GetParameter(t.Context(), &ssm.GetParameterInput{
		Name: aws.String("/aws/reference/secretsmanager/demo/db"), WithDecryption: aws.Bool(true),
	})
	if err != nil || !strings.Contains(aws.ToString(ref.Parameter.Value), `"username":"app"`) {
		t.Errorf("GetParameter through the secretsmanager reference: %v", err)
	}
	if n := srv.Stats()["AmazonSSM.GetParameter"]; n != 2 {
		t.Errorf("AmazonSSM.GetParameter calls = %d, want 2", n)
	}
}

func TestSeedErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, seed string }{
		{"unknown field", `{"secrets": [{"name": "a", "secretStrng": "x"}]}`},
		{"bad secret name", `{"secrets": [{"name": "has space", "secretString": "x"}]}`},
		{"duplicate secret", `{"secrets": [{"name": "a", "secretString": "x"}, {"name": "a", "secretString": "y"}]}`},
		{"bad function url", `{"functions": {"arn:aws:lambda:us-east-1:1:function:f": "not a url"}}`},
		{"not json", `secrets: []`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := localaws.NewServer(localaws.Options{})
			err := srv.LoadSeed(strings.NewReader(tc.seed))
			if err == nil {
				t.Fatal("LoadSeed accepted a bad seed")
			}
			if strings.Contains(err.Error(), `"x"`) || strings.Contains(err.Error(), `"y"`) {
				t.Errorf("seed error shows a secret value: %v", err)
			}
		})
	}
}

func TestSeedRegionAndAccount(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	if err := srv.Seed(localaws.Seed{Region: "eu-west-1", AccountID: "210987654321",
		Secrets: []localaws.SeedSecret{{Name: "x", SecretString: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := newSMClient(url, inRegion("eu-west-1")).DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("x")})
	if err != nil || !strings.HasPrefix(aws.ToString(out.ARN), "arn:aws:secretsmanager:eu-west-1:210987654321:secret:x-") {
		t.Fatalf("ARN = %v, %v", aws.ToString(out.ARN), err)
	}
	// A request is served in its signature's Region: us-east-1 has no x.
	_, err = newSMClient(url).DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("x")})
	if errCode(err) != "ResourceNotFoundException" {
		t.Errorf("DescribeSecret x signed for us-east-1: %v, want ResourceNotFoundException", err)
	}
}

// TestSeedFunctionsDriveRotation: a seed's "functions" map is what RotateSecret
// invokes — a seeded secret with a rotationLambdaArn rotates through the
// seeded URL with no API call to register it.
func TestSeedFunctionsDriveRotation(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	fnURL, got := fakeRIE(t, "")
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:seeded"
	seed := `{"secrets": [{"name": "seeded/db", "secretString": "v1", "rotationLambdaArn": "` + arn + `"}],
	          "functions": {"` + arn + `": "` + fnURL + `"}}`
	if err := srv.LoadSeed(strings.NewReader(seed)); err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	sm := newSMClient(url)
	if _, err := sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("seeded/db")}); err != nil {
		t.Fatalf("RotateSecret through the seeded function: %v", err)
	}
	var steps []string
	for _, ev := range got() {
		steps = append(steps, ev.Step)
	}
	if want := []string{"createSecret", "setSecret", "testSecret", "finishSecret"}; !slices.Equal(steps, want) {
		t.Errorf("the seeded URL received %v, want %v", steps, want)
	}
}
