package localaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// FuzzServeHTTP feeds arbitrary targets and bodies to the dispatcher. Every
// answer must be a success or an AWS-shaped client error: never a panic
// (which ServeHTTP turns into InternalFailure) and never a non-JSON body.
// The checked-in corpus is in testdata/fuzz/FuzzServeHTTP.
func FuzzServeHTTP(f *testing.F) {
	f.Add("secretsmanager.GetSecretValue", []byte(`{"SecretId":"demo"}`))
	f.Add("secretsmanager.PutSecretValue", []byte(`{"SecretId":"demo","SecretString":"x","VersionStages":["AWSCURRENT","AWSPENDING"]}`))
	f.Add("AmazonSSM.GetParameter", []byte(`{"Name":"/aws/reference/secretsmanager/demo"}`))
	f.Add("secretsmanager.PutResourcePolicy", []byte(`{"SecretId":"demo","ResourcePolicy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\"}}","BlockPublicPolicy":true}`))
	f.Add("secretsmanager.ReplicateSecretToRegions", []byte(`{"SecretId":"demo","AddReplicaRegions":[{"Region":"us-west-2"}]}`))
	f.Add("secretsmanager.RotateSecret", []byte(`{"SecretId":"demo","ClientRequestToken":"00000000-0000-0000-0000-000000000001","RotationRules":{"ScheduleExpression":"cron(0 16 ? * SAT *)","Duration":"2h"},"RotateImmediately":false}`))
	f.Add("AmazonSSM.DescribeParameters", []byte(`{"ParameterFilters":[{"Key":"Name","Option":"Contains","Values":["d"]}]}`))
	srv := localaws.NewServer(localaws.Options{})
	srv.RegisterHandler("arn:aws:lambda:us-east-1:123456789012:function:fuzz",
		func(context.Context, events.SecretsManagerSecretRotationEvent) error { return nil })
	if err := srv.Seed(localaws.Seed{
		Secrets: []localaws.SeedSecret{{Name: "demo", SecretString: new("v"), RotationLambdaARN: "arn:aws:lambda:us-east-1:123456789012:function:fuzz"}},
	}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		var e struct {
			Type string `json:"__type"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Type == "" {
			t.Fatalf("status %d with a body that is not an AWS error: %q", rec.Code, rec.Body.String())
		}
		if e.Type == "InternalFailure" || rec.Code >= 500 {
			t.Fatalf("target %q body %q: %d %s", target, body, rec.Code, rec.Body.String())
		}
	})
}
