package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// rotateRDS runs the RDS chapter: a user secret whose masterarn is a master secret as RDS
// manages it (username and password only, and a system tag naming the instance). The
// rotator completes it from DescribeDBInstances and rotates as with any master secret.
func (w *world) rotateRDS(ctx context.Context, t *transcript) (err error) {
	t.section(sandbox.RDSSecretName + " (master secret managed by RDS)")
	evs, err := sandbox.LoadRotationEventsIn(w.root, sandbox.RDSEventsDir)
	if err != nil {
		return err
	}
	token := evs[0].ClientRequestToken
	sm := w.cloud.SecretsManager()

	keys, tags, err := secretShape(ctx, sm, sandbox.ManagedMasterSecretName)
	if err != nil {
		return err
	}
	t.say("master", "%s holds only %s; tags %s", sandbox.ManagedMasterSecretName, strings.Join(keys, " and "), strings.Join(tags, ", "))
	t.say("rds", "localaws declares DB instance %s at %s:%d, which the rotator's /etc/hosts maps to %s",
		sandbox.RDSInstanceID, sandbox.RDSInstanceAddress, w.dbs.Postgres.Port, w.dbs.Postgres.Host)

	before, beforeVersion, err := w.credentials(ctx, "AWSCURRENT")
	if err != nil {
		return err
	}
	r := sandbox.RDSRotator()
	rotator, err := lambdatest.Start(ctx, w.bin.RDSRotatorOptions(w.cloud, w.dbs))
	if err != nil {
		return fmt.Errorf("start %s: %w", r.Name, err)
	}
	defer func() { err = closeFunction(r.Name, rotator, err) }()
	w.cloud.Register(r, rotator)

	calls := w.cloud.Server.Stats()["rds.DescribeDBInstances"]
	if _, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{
		SecretId: aws.String(sandbox.RDSSecretName), ClientRequestToken: aws.String(token),
	}); err != nil {
		return fmt.Errorf("RotateSecret: %w", err)
	}
	after, afterVersion, err := w.credentials(ctx, "AWSCURRENT")
	if err != nil {
		return err
	}
	if afterVersion != token || after.Username == before.Username {
		return fmt.Errorf("after RotateSecret: AWSCURRENT %s for %s, want %s for the clone", afterVersion, after.Username, token)
	}
	if !strings.Contains(rotator.Logs(), "master secret completed from RDS") {
		return fmt.Errorf("the rotator did not complete the master secret from RDS")
	}
	if w.cloud.Server.Stats()["rds.DescribeDBInstances"] == calls {
		return fmt.Errorf("the rotator made no DescribeDBInstances call")
	}
	t.say("rotate", "RotateSecret invoked %s: it read the master secret's tag (DescribeSecret)", r.Name)
	t.say("", "and the instance's endpoint and engine (DescribeDBInstances), then rotated as usual")
	t.say("", "AWSCURRENT %s -> %s (the token recorded in events/%s/createSecret.json)",
		short(beforeVersion), short(afterVersion), sandbox.RDSEventsDir)
	if err := w.dbs.Login(ctx, after); err != nil {
		return fmt.Errorf("the new credential does not log in: %w", err)
	}
	t.say("check", "%s logs in to PostgreSQL with the new password; the master created it as %s's clone", after.Username, before.Username)
	if err := w.dbs.Login(ctx, before); err != nil {
		return fmt.Errorf("the previous user no longer logs in: %w", err)
	}
	t.say("check", "previous user %s still logs in", before.Username)
	return nil
}

// credentials reads RDSSecretName at stage.
func (w *world) credentials(ctx context.Context, stage string) (sandbox.Credentials, string, error) {
	v, err := w.cloud.SecretsManager().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(sandbox.RDSSecretName), VersionStage: aws.String(stage),
	})
	if err != nil {
		return sandbox.Credentials{}, "", fmt.Errorf("GetSecretValue %s %s: %w", sandbox.RDSSecretName, stage, err)
	}
	c, err := sandbox.ParseCredentials(aws.ToString(v.SecretString))
	return c, aws.ToString(v.VersionId), err
}

// secretShape lists a secret's JSON keys (never the values) and its tags.
func secretShape(ctx context.Context, sm *secretsmanager.Client, id string) (keys, tags []string, err error) {
	v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, nil, fmt.Errorf("GetSecretValue %s: %w", id, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(aws.ToString(v.SecretString)), &m); err != nil {
		return nil, nil, fmt.Errorf("%s is not a JSON object", id)
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, nil, fmt.Errorf("DescribeSecret %s: %w", id, err)
	}
	for _, tag := range d.Tags {
		tags = append(tags, aws.ToString(tag.Key)+" = "+aws.ToString(tag.Value))
	}
	slices.Sort(tags)
	return keys, tags, nil
}
