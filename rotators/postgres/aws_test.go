package postgres

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"
	"github.com/paramsecrets/paramsecrets/internal/safebuf"
	"github.com/paramsecrets/paramsecrets/internal/testdb"
	"github.com/paramsecrets/paramsecrets/localaws"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

const functionARN = "arn:aws:lambda:us-east-1:123456789012:function:rotate-pg"

// awsEnv is a localaws server and a Secrets Manager client pointed at it.
type awsEnv struct {
	srv *localaws.Server
	sm  *secretsmanager.Client
	url string
	// logs collects what the rotation function logged, to check it for passwords.
	logs *safebuf.Buffer
}

func newAWS(t testing.TB) *awsEnv {
	t.Helper()
	srv := localaws.NewServer(localaws.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	sm := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ts.URL),
		Credentials:  aws.AnonymousCredentials{},
	})
	return &awsEnv{srv: srv, sm: sm, url: ts.URL, logs: &safebuf.Buffer{}}
}

// rotator builds the in-process function for strategy with the templates' defaults.
func (e *awsEnv) rotator(t testing.TB, strategy rotation.Strategy, opts Options, env map[string]string) *rotation.Rotator {
	t.Helper()
	pw, _ := rotation.PasswordConfigFromEnv(func(k string) string { return env[k] }, DefaultExcludeCharacters)
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	return rotation.New(strategy, New(opts), e.sm, pw, log)
}

// createSecret stores s (plus an unknown key that must survive rotation) and returns its ARN.
func (e *awsEnv) createSecret(t testing.TB, name string, s rotation.Secret) string {
	t.Helper()
	body, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	m["team"] = "payments"
	body, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(string(body)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.ARN
}

// rotate runs RotateSecret with token (a fresh one when empty) and the function
// registered under functionARN.
func (e *awsEnv) rotate(ctx context.Context, id, token string) error {
	in := &secretsmanager.RotateSecretInput{
		SecretId: aws.String(id), RotationLambdaARN: aws.String(functionARN), RotateImmediately: aws.Bool(true),
	}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	_, err := e.sm.RotateSecret(ctx, in)
	return err
}

// value reads and parses the version that holds stage, and its raw JSON.
func (e *awsEnv) value(t testing.TB, id, stage string) (s rotation.Secret, raw map[string]any) {
	t.Helper()
	out, err := e.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(id), VersionStage: aws.String(stage),
	})
	if err != nil {
		t.Fatalf("get %s: %v", stage, err)
	}
	s, err = rotation.ParseSecret([]byte(*out.SecretString))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(*out.SecretString), &raw); err != nil {
		t.Fatal(err)
	}
	return s, raw
}

// versionOf is the id of the version that holds stage.
func (e *awsEnv) versionOf(t testing.TB, id, stage string) string {
	t.Helper()
	out, err := e.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(id), VersionStage: aws.String(stage),
	})
	if err != nil {
		t.Fatalf("get %s: %v", stage, err)
	}
	return *out.VersionId
}

// assertNoPasswordLogged checks the function's own log and the server's statement log.
func (e *awsEnv) assertNoPasswordLogged(t *testing.T, pg *testdb.Postgres, passwords []string) {
	t.Helper()
	logs := e.logs.String()
	for _, p := range passwords {
		if strings.Contains(logs, p) {
			t.Errorf("the rotation function logged a password")
		}
	}
	assertNotInLog(t, pg, passwords...)
}

// quoteIdent quotes a role name for statements the tests run as the superuser.
func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }
