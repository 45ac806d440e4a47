package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// TestSlowBatchDoesNotOverwriteANewerRefresh: a batch-get reads a secret, the
// secret is rotated, a refreshNow read fetches and caches the new password,
// and only then does the batch's answer arrive. The batch was asked for
// first, so the per-secret entry it also writes must not replace the newer
// one: a plain read afterwards is a hit with the new password, not the old one
// until the TTL runs out.
func TestSlowBatchDoesNotOverwriteANewerRefresh(t *testing.T) {
	g := newGate("secretsmanager.BatchGetSecretValue", 1)
	e := newEnv(t, envOptions{gate: g})
	seedAll(t, e)
	batch := make(chan response, 1)
	go func() {
		r, err := e.getCtx(t.Context(), "/secretsmanager/batch-get?secretIds=app/db,bin")
		if err != nil {
			t.Error(err)
		}
		batch <- r
	}()
	recv(t, g.held, "the batch-get answered by the upstream and held")

	const rotated = "r0tated-after-batch"
	if _, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app/db"), SecretString: aws.String(`{"password":"` + rotated + `"}`),
	}); err != nil {
		t.Fatal(err)
	}
	r := e.get(t, "/secretsmanager/get?secretId=app/db&refreshNow=true")
	wantStatus(t, r, http.StatusOK, "")
	if !strings.Contains(string(r.body), rotated) {
		t.Fatalf("refreshNow after the rotation answered %s", r.body)
	}

	close(g.release)
	if b := recv(t, batch, "the batch-get's answer"); !strings.Contains(string(b.body), "n3w-db-pw") {
		t.Fatalf("the batch answered %d %s, want what it read before the rotation", b.status, b.body)
	}
	r = e.get(t, "/secretsmanager/get?secretId=app/db")
	wantCache(t, r, "hit")
	if !strings.Contains(string(r.body), rotated) {
		t.Errorf("read after the slow batch: %s, want the refreshed password", r.body)
	}
}

// TestSlowParameterDoesNotOverwriteANewerRefresh: a String parameter's answer
// is cached under both decryption flags. A slow decrypting read must not,
// through that second entry, replace what a newer refreshNow of the plain read
// stored; neither entry may go back to the old value.
func TestSlowParameterDoesNotOverwriteANewerRefresh(t *testing.T) {
	g := newGate(opGP, 1)
	e := newEnv(t, envOptions{gate: g})
	seedAll(t, e)
	slow := make(chan response, 1)
	go func() {
		r, err := e.getCtx(t.Context(), "/systemsmanager/parameters/get?name=/app/host&withDecryption=true")
		if err != nil {
			t.Error(err)
		}
		slow <- r
	}()
	recv(t, g.held, "the decrypting GetParameter answered by the upstream and held")

	const changed = "db3.changed.example"
	if _, err := e.ssm.PutParameter(t.Context(), &ssm.PutParameterInput{
		Name: aws.String("/app/host"), Value: aws.String(changed), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	r := e.get(t, "/systemsmanager/parameters/get?name=/app/host&refreshNow=true")
	if !strings.Contains(string(r.body), changed) {
		t.Fatalf("refreshNow after the change answered %s", r.body)
	}

	close(g.release)
	if s := recv(t, slow, "the slow read's answer"); !strings.Contains(string(s.body), hostValueNew) {
		t.Fatalf("the slow read answered %d %s, want what it read before the change", s.status, s.body)
	}
	for _, target := range []string{
		"/systemsmanager/parameters/get?name=/app/host",
		"/systemsmanager/parameters/get?name=/app/host&withDecryption=true",
	} {
		r := e.get(t, target)
		wantCache(t, r, "hit")
		if !strings.Contains(string(r.body), changed) {
			t.Errorf("GET %s after the slow read: %s, want the refreshed value", target, r.body)
		}
	}
}
