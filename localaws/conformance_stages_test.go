package localaws_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func testPutMovesCurrent(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	v2 := put(t, c, name, "two")
	m := stages(t, c, name)
	tg.check(t, "put-current", hasStage(m, v2, "AWSCURRENT") && hasStage(m, v1, "AWSPREVIOUS"), "after one put: %v", m)
	tg.check(t, "put-get-current", current(t, c, name) == "two", "default GetSecretValue after put")
	v3 := put(t, c, name, "three")
	m = stages(t, c, name)
	tg.check(t, "put-previous-moves", hasStage(m, v3, "AWSCURRENT") && hasStage(m, v2, "AWSPREVIOUS") && len(m[v1]) == 0,
		"after two puts: %v", m)
	// The unlabelled (deprecated) version is still readable by id.
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: aws.String(v1)})
	tg.check(t, "deprecated-readable", err == nil && aws.ToString(out.SecretString) == "one", "GetSecretValue(deprecated id): %v", err)
	prev, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("AWSPREVIOUS")})
	tg.check(t, "get-previous", err == nil && aws.ToString(prev.SecretString) == "two", "GetSecretValue(AWSPREVIOUS): %v", err)
}

func testPutIdempotentToken(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	create(t, c, name, "one")
	tok := "11111111-2222-3333-4444-555555555555"
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String("two"), ClientRequestToken: aws.String(tok)}
	first, err := c.PutSecretValue(t.Context(), in)
	if err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	tg.check(t, "token-is-version", aws.ToString(first.VersionId) == tok, "VersionId = %q, want the token", aws.ToString(first.VersionId))
	again, err := c.PutSecretValue(t.Context(), in)
	tg.check(t, "same-token-same-value", err == nil && aws.ToString(again.VersionId) == tok, "repeat put: %v", err)
	list, err := c.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		t.Fatalf("ListSecretVersionIds: %v", err)
	}
	tg.check(t, "same-token-no-new-version", len(list.Versions) == 2, "versions after a repeated put: %d, want 2", len(list.Versions))
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(name), SecretString: aws.String("different"), ClientRequestToken: aws.String(tok),
	})
	tg.checkCode(t, "same-token-new-value", err, "ResourceExistsException")
	tg.check(t, "same-token-new-value-unchanged", current(t, c, name) == "two", "value changed by a refused put")
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name)})
	tg.checkCode(t, "put-no-value", err, "InvalidRequestException")
	_, err = c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name + "-missing"), SecretString: aws.String("x")})
	tg.checkCode(t, "put-missing-secret", err, "ResourceNotFoundException")
}

func testPutWithStages(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	pending := put(t, c, name, "pending", "AWSPENDING")
	m := stages(t, c, name)
	tg.check(t, "put-pending-keeps-current", hasStage(m, v1, "AWSCURRENT") && hasStage(m, pending, "AWSPENDING") && !hasStage(m, pending, "AWSCURRENT"),
		"after put with AWSPENDING: %v", m)
	tg.check(t, "put-pending-get-current", current(t, c, name) == "one", "default GetSecretValue after a pending put")
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("AWSPENDING")})
	tg.check(t, "get-pending", err == nil && aws.ToString(out.SecretString) == "pending", "GetSecretValue(AWSPENDING): %v", err)
	p2 := put(t, c, name, "pending2", "AWSPENDING")
	m = stages(t, c, name)
	tg.check(t, "label-on-one-version", hasStage(m, p2, "AWSPENDING") && !hasStage(m, pending, "AWSPENDING"), "AWSPENDING twice: %v", m)
	explicit := put(t, c, name, "explicit", "AWSCURRENT", "blue")
	m = stages(t, c, name)
	tg.check(t, "put-explicit-current", hasStage(m, explicit, "AWSCURRENT") && hasStage(m, explicit, "blue") && hasStage(m, v1, "AWSPREVIOUS"),
		"after put with AWSCURRENT and blue: %v", m)
	tg.check(t, "get-after-explicit-current", current(t, c, name) == "explicit", "default GetSecretValue after an explicit AWSCURRENT put")
}

func testUpdateStageMovesCurrent(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	v2 := put(t, c, name, "two", "AWSPENDING")
	_, err := c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v2),
	})
	tg.checkCode(t, "move-current-needs-remove-from", err, "InvalidParameterException")
	_, err = c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v2), RemoveFromVersionId: aws.String(v2),
	})
	tg.checkCode(t, "remove-from-wrong-version", err, "InvalidParameterException")
	_, err = c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v2), RemoveFromVersionId: aws.String(v1),
	})
	if err != nil {
		t.Fatalf("UpdateSecretVersionStage: %v", err)
	}
	m := stages(t, c, name)
	tg.check(t, "move-current", hasStage(m, v2, "AWSCURRENT") && hasStage(m, v1, "AWSPREVIOUS") && !hasStage(m, v1, "AWSCURRENT"),
		"after moving AWSCURRENT: %v", m)
	tg.check(t, "get-after-update-stage", current(t, c, name) == "two", "default GetSecretValue after UpdateSecretVersionStage returned the old value")
	// Moving it back moves AWSPREVIOUS along.
	_, err = c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v1), RemoveFromVersionId: aws.String(v2),
	})
	if err != nil {
		t.Fatalf("UpdateSecretVersionStage back: %v", err)
	}
	m = stages(t, c, name)
	tg.check(t, "move-current-back", hasStage(m, v1, "AWSCURRENT") && hasStage(m, v2, "AWSPREVIOUS") && !hasStage(m, v1, "AWSPREVIOUS"),
		"after moving AWSCURRENT back: %v", m)
	tg.check(t, "get-after-move-back", current(t, c, name) == "one", "default GetSecretValue after moving back")
	_, err = c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), RemoveFromVersionId: aws.String(v1),
	})
	tg.checkCode(t, "current-cannot-be-removed", err, "InvalidParameterException")
	_, err = c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(name), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String("00000000-0000-0000-0000-000000000000"), RemoveFromVersionId: aws.String(v1),
	})
	tg.checkCode(t, "move-to-unknown-version", err, "InvalidParameterException")
}

func testUpdateStageCustomLabel(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	v2 := put(t, c, name, "two")
	upd := func(label string, to, from *string) error {
		_, err := c.UpdateSecretVersionStage(t.Context(), &secretsmanager.UpdateSecretVersionStageInput{
			SecretId: aws.String(name), VersionStage: aws.String(label), MoveToVersionId: to, RemoveFromVersionId: from,
		})
		return err
	}
	if err := upd("blue", aws.String(v1), nil); err != nil {
		t.Fatalf("attach new label: %v", err)
	}
	tg.check(t, "custom-attach", hasStage(stages(t, c, name), v1, "blue"), "blue not on v1")
	tg.checkCode(t, "custom-move-needs-remove-from", upd("blue", aws.String(v2), nil), "InvalidParameterException")
	if err := upd("blue", aws.String(v2), aws.String(v1)); err != nil {
		t.Fatalf("move label: %v", err)
	}
	m := stages(t, c, name)
	tg.check(t, "custom-move", hasStage(m, v2, "blue") && !hasStage(m, v1, "blue"), "after moving blue: %v", m)
	if err := upd("blue", nil, aws.String(v2)); err != nil {
		t.Fatalf("remove label: %v", err)
	}
	tg.check(t, "custom-remove", !hasStage(stages(t, c, name), v2, "blue"), "blue still attached")
	_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("blue")})
	tg.checkCode(t, "get-removed-label", err, "ResourceNotFoundException")
}

func testGetSelectors(t *testing.T, tg target, c *secretsmanager.Client) {
	name := uniqueName(t)
	_, v1 := create(t, c, name, "one")
	v2 := put(t, c, name, "two")
	for _, tc := range []struct {
		id           string
		version, stg *string
		want         string
	}{
		{"select-version", aws.String(v1), nil, "one"},
		{"select-stage", nil, aws.String("AWSPREVIOUS"), "one"},
		{"select-both-agree", aws.String(v2), aws.String("AWSCURRENT"), "two"},
	} {
		out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: tc.version, VersionStage: tc.stg})
		tg.check(t, tc.id, err == nil && aws.ToString(out.SecretString) == tc.want, "got %v, %v", out, err)
	}
	_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(name), VersionId: aws.String(v1), VersionStage: aws.String("AWSCURRENT"),
	})
	// Recorded against AWS (LocalStack's test_get_secret_value_errors):
	// InvalidRequestException, though the reference lists only
	// ResourceNotFoundException for a missing version.
	tg.checkCode(t, "select-both-disagree", err, "InvalidRequestException")
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: aws.String("00000000-0000-0000-0000-000000000000")})
	tg.checkCode(t, "select-unknown-version", err, "ResourceNotFoundException")
	_, err = c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String("nosuchlabel")})
	tg.checkCode(t, "select-unknown-stage", err, "ResourceNotFoundException")
}
