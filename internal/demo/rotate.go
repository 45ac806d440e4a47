package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// readResult is what examples/dbreader returns (never a password).
type readResult struct {
	SecretVersionID string `json:"secretVersionId"`
	Engine          string `json:"engine"`
	Username        string `json:"username"`
	Parameter       string `json:"parameter"`
	LoggedIn        bool   `json:"loggedIn"`
	ServerVersion   string `json:"serverVersion"`
	InitRead        bool   `json:"initRead"`
}

// rotate runs one rotator's chapter: read, rotate, read again, prove.
func (w *world) rotate(ctx context.Context, t *transcript, r sandbox.Rotator) (err error) {
	t.section(r.SecretName())
	evs, err := sandbox.LoadRotationEvents(w.root, r)
	if err != nil {
		return err
	}
	token := evs[0].ClientRequestToken

	opts, err := w.bin.ReaderOptions(w.cloud, r.SecretName())
	if err != nil {
		return err
	}
	reader, err := lambdatest.Start(ctx, opts)
	if err != nil {
		return fmt.Errorf("start dbreader: %w", err)
	}
	defer func() { err = closeFunction("dbreader", reader, err) }()

	before, err := read(ctx, reader, `{}`)
	if err != nil {
		return err
	}
	t.say("dbreader", "read at init and invoke: version %s, parameter %s = %s",
		short(before.SecretVersionID), sandbox.ParameterName, before.Parameter)
	t.say("", "logged in to %s as %s", product(before), before.Username)

	rotator, err := lambdatest.Start(ctx, w.bin.RotatorOptions(w.cloud, r))
	if err != nil {
		return fmt.Errorf("start %s: %w", r.Name, err)
	}
	defer func() { err = closeFunction(r.Name, rotator, err) }()
	w.cloud.Register(r, rotator)

	sm := w.cloud.SecretsManager()
	if _, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{
		SecretId: aws.String(r.SecretName()), ClientRequestToken: aws.String(token),
	}); err != nil {
		return fmt.Errorf("RotateSecret: %w", err)
	}
	if err := checkStages(ctx, sm, r, before.SecretVersionID, token); err != nil {
		return err
	}
	t.say("rotate", "RotateSecret invoked %s: %s", r.Name, strings.Join(sandbox.Steps(), ", "))
	t.say("", "AWSCURRENT %s -> %s, AWSPREVIOUS %s", short(before.SecretVersionID), short(token), short(before.SecretVersionID))
	t.say("", "(the ClientRequestToken recorded in %s)", eventPath(r, "createSecret"))

	cached, err := read(ctx, reader, `{"skipLogin": true}`)
	if err != nil {
		return err
	}
	t.say("dbreader", "plain read: version %s from the extension's cache (SECRETS_MANAGER_TTL 300 s)", short(cached.SecretVersionID))
	after, err := read(ctx, reader, `{"refresh": true}`)
	if err != nil {
		return err
	}
	if after.SecretVersionID != token || !after.LoggedIn {
		return fmt.Errorf("dbreader after rotation: version %s (logged in: %v), want %s and a login", after.SecretVersionID, after.LoggedIn, token)
	}
	t.say("dbreader", "refreshNow read: version %s, logged in to %s as %s with the new password",
		short(after.SecretVersionID), product(after), after.Username)

	if err := w.checkPrevious(ctx, t, r); err != nil {
		return err
	}
	if err := reader.Close(); err != nil {
		return fmt.Errorf("stop dbreader: %w", err)
	}
	m, err := sandbox.Metrics(reader.Logs())
	if err != nil {
		return err
	}
	t.say("shutdown", "extension flushed its metrics at SHUTDOWN: %d hits, %d misses, %d upstream calls, %d errors",
		int(m["CacheHits"]), int(m["CacheMisses"]), int(m["UpstreamCalls"]), int(m["Errors"]))
	return nil
}

// checkStages confirms through DescribeSecret that the token is AWSCURRENT
// and the old version AWSPREVIOUS.
func checkStages(ctx context.Context, sm *secretsmanager.Client, r sandbox.Rotator, old, token string) error {
	d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(r.SecretName())})
	if err != nil {
		return fmt.Errorf("DescribeSecret: %w", err)
	}
	has := func(id, stage string) bool {
		for _, s := range d.VersionIdsToStages[id] {
			if s == stage {
				return true
			}
		}
		return false
	}
	if !has(token, "AWSCURRENT") || !has(old, "AWSPREVIOUS") {
		return fmt.Errorf("after RotateSecret: stages %v, want AWSCURRENT on %s and AWSPREVIOUS on %s", d.VersionIdsToStages, token, old)
	}
	return nil
}

// checkPrevious logs in with the AWSPREVIOUS credentials: a single-user
// rotation must have killed that password; an alternating-users rotation
// leaves the previous user working until the next rotation, so clients
// holding it are not cut off.
func (w *world) checkPrevious(ctx context.Context, t *transcript, r sandbox.Rotator) error {
	v, err := w.cloud.SecretsManager().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(r.SecretName()), VersionStage: aws.String("AWSPREVIOUS"),
	})
	if err != nil {
		return fmt.Errorf("GetSecretValue AWSPREVIOUS: %w", err)
	}
	prev, err := sandbox.ParseCredentials(aws.ToString(v.SecretString))
	if err != nil {
		return err
	}
	loginErr := w.dbs.Login(ctx, prev)
	switch {
	case r.Alternating && loginErr != nil:
		return fmt.Errorf("previous user no longer logs in: %w", loginErr)
	case r.Alternating:
		t.say("check", "previous user %s still logs in, until the next rotation gives it a new password", prev.Username)
	case loginErr == nil:
		return fmt.Errorf("the old password of %s still logs in", prev.Username)
	default:
		t.say("check", "old password of %s is refused by the database", prev.Username)
	}
	return nil
}

// read invokes the example function and decodes its answer.
func read(ctx context.Context, fn *lambdatest.Function, event string) (readResult, error) {
	body, err := fn.Invoke(ctx, []byte(event))
	if err != nil {
		return readResult{}, fmt.Errorf("invoke dbreader %s: %w", event, err)
	}
	var res readResult
	if err := json.Unmarshal(body, &res); err != nil {
		return readResult{}, fmt.Errorf("dbreader answer: %w", err)
	}
	return res, nil
}

// closeFunction stops fn (Close is idempotent) and, when the chapter
// failed, prints the tail of its log, which the components keep free of
// secret values, so the reason is visible.
func closeFunction(name string, fn *lambdatest.Function, err error) error {
	closeErr := fn.Close()
	if err != nil || closeErr != nil {
		lines := strings.Split(strings.TrimRight(fn.Logs(), "\n"), "\n")
		fmt.Fprintf(os.Stderr, "--- last lines of %s's log\n%s\n", name, strings.Join(lines[max(0, len(lines)-25):], "\n"))
	}
	if closeErr != nil {
		return errors.Join(err, fmt.Errorf("stop %s: %w", name, closeErr))
	}
	return err
}

// product names the database a reader logged in to.
func product(r readResult) string {
	if strings.Contains(r.Engine, "postgres") {
		return "PostgreSQL " + firstField(r.ServerVersion)
	}
	return "MariaDB " + strings.SplitN(r.ServerVersion, "-", 2)[0]
}
