package localaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
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

// FuzzQuery feeds arbitrary forms to the Query services, signed for sts or
// rds (or unsigned, routed by Version). Every answer must be XML: a result,
// or an AWS-shaped client error, never InternalFailure. The checked-in
// corpus is in testdata/fuzz/FuzzQuery.
func FuzzQuery(f *testing.F) {
	f.Add("sts", []byte("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222233334444%3Arole%2Fr&RoleSessionName=s1&DurationSeconds=900"))
	f.Add("rds", []byte("Action=DescribeDBInstances&Version=2014-10-31&Filters.Filter.1.Name=db-instance-id&Filters.Filter.1.Values.Value.1=pg1&MaxRecords=20"))
	f.Add("rds", []byte("Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=arn%3Aaws%3Ards%3Aus-east-1%3A123456789012%3Acluster%3Aaur1"))
	f.Add("", []byte("Action=GetCallerIdentity&Version=2011-06-15"))
	srv := localaws.NewServer(localaws.Options{})
	if err := srv.DeclareRDS(localaws.SeedRDS{
		Instances: []localaws.SeedDBInstance{{ID: "pg1", Engine: "postgres", Address: "pg1.example", Port: 5432}},
		Clusters:  []localaws.SeedDBCluster{{ID: "aur1", Engine: "aurora-postgresql", Endpoint: "aur1.example", Port: 5432, Members: []localaws.SeedDBClusterMember{{ID: "pg1", Writer: true}}}},
	}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, service string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if service != "" {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if ct := rec.Header().Get("Content-Type"); rec.Code == http.StatusOK && ct == "text/xml" {
			var any struct{ XMLName xml.Name }
			if err := xml.Unmarshal(rec.Body.Bytes(), &any); err != nil || !strings.HasSuffix(any.XMLName.Local, "Response") {
				t.Fatalf("200 with a body that is not a Query answer: %q", rec.Body.String())
			}
			return
		}
		if rec.Header().Get("Content-Type") != "text/xml" {
			// Not routed to a Query service (signed for another one): the
			// JSON front answered, and FuzzServeHTTP holds it to its rules.
			return
		}
		var e struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Error   struct{ Type, Code, Message string }
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Type != "Sender" {
			t.Fatalf("status %d with a body that is not a Query error: %q", rec.Code, rec.Body.String())
		}
		if e.Error.Code == "InternalFailure" || rec.Code >= 500 {
			t.Fatalf("service %q body %q: %d %s", service, body, rec.Code, rec.Body.String())
		}
	})
}
