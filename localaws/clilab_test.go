package localaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// cliLab runs the AWS CLI against one localaws, as a lab's student would:
// the endpoint and credentials come from the environment, every other flag
// is the CLI's own.
type cliLab struct {
	bin string
	env []string
	dir string
	sm  *secretsmanager.Client
}

// newCLILab finds the aws command (the pyenv shim where PATH lacks it) and
// points it at url. It skips the test when the CLI is not installed.
func newCLILab(t *testing.T, url string) *cliLab {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		home, _ := os.UserHomeDir()
		bin = filepath.Join(home, ".pyenv", "shims", "aws")
		if _, statErr := os.Stat(bin); statErr != nil {
			t.Skip("the aws CLI is not installed")
		}
	}
	if strings.Contains(bin, "/shims/") {
		// The shim finds the interpreter on every call; the command it
		// runs is the same, and every lab step saves that time.
		if real, err := exec.Command("pyenv", "which", "aws").Output(); err == nil {
			bin = strings.TrimSpace(string(real))
		}
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"AWS_ENDPOINT_URL=" + url, "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIALABSTUDENT000001", "AWS_SECRET_ACCESS_KEY=lab-secret-key",
		"AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_PAGER=", "AWS_CLI_AUTO_PROMPT=off", "AWS_EC2_METADATA_DISABLED=true",
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "HOME" || k == "PYENV_ROOT" || k == "PYENV_VERSION" || k == "LANG" {
			env = append(env, kv)
		}
	}
	return &cliLab{bin: bin, env: env, dir: dir}
}

// run runs one command and returns its standard output; a failure fails
// the test with the CLI's error.
func (l *cliLab) run(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := l.exec(t.Context(), args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// json runs a command and decodes its JSON output into v.
func (l *cliLab) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := l.run(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("aws %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}

// fails runs a command that must fail with an AWS error code.
func (l *cliLab) fails(t *testing.T, code string, args ...string) {
	t.Helper()
	_, errOut, err := l.exec(t.Context(), args...)
	if err == nil || !strings.Contains(errOut, "("+code+")") {
		t.Fatalf("aws %s: %v %q, want an error (%s)", strings.Join(args, " "), err, errOut, code)
	}
}

func (l *cliLab) exec(ctx context.Context, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, l.bin, args...)
	cmd.Env, cmd.Dir = l.env, l.dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

func (l *cliLab) file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(l.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}

func want(t *testing.T, what string, ok bool, got any) {
	t.Helper()
	if !ok {
		t.Errorf("%s: got %v", what, got)
	}
}

// TestCLILab walks through a Secrets Manager and Parameter Store lab with the
// AWS CLI unchanged, cleanup included. localaws/README.md shows the same
// walk-through.
func TestCLILab(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	lab := newCLILab(t, url)
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:lab-rotation"
	srv.RegisterHandler(fn, func(context.Context, events.SecretsManagerSecretRotationEvent) error { return nil })
	// Checks that are not themselves a lab step read through the SDK: each
	// CLI call costs a Python start.
	lab.sm = newSMClient(url)

	// The two halves use different names and services, so they run side by
	// side; each is one student's sequence of steps.
	t.Run("secrets", func(t *testing.T) { t.Parallel(); secretsLab(t, lab, fn) })
	t.Run("parameters", func(t *testing.T) { t.Parallel(); parametersLab(t, lab) })
}

func secretsLab(t *testing.T, lab *cliLab, fn string) {
	var created struct{ ARN, Name, VersionId string }
	lab.json(t, &created, "secretsmanager", "create-secret", "--name", "lab/db",
		"--description", "Lab database credentials",
		"--secret-string", `{"username":"app","password":"first-pass"}`,
		"--tags", "Key=env,Value=lab", "Key=team,Value=course")
	want(t, "create-secret", strings.Contains(created.ARN, ":secret:lab/db-") && created.Name == "lab/db" && created.VersionId != "", created)
	lab.run(t, "secretsmanager", "create-secret", "--name", "lab/api-key", "--secret-string", "k-123")

	var described struct {
		Description string
		Tags        []struct{ Key, Value string }
	}
	lab.json(t, &described, "secretsmanager", "describe-secret", "--secret-id", "lab/db")
	want(t, "describe-secret", described.Description == "Lab database credentials" && len(described.Tags) == 2, described)
	got := lab.run(t, "secretsmanager", "get-secret-value", "--secret-id", "lab/db", "--query", "SecretString", "--output", "text")
	want(t, "get-secret-value --query SecretString", strings.TrimSpace(got) == `{"username":"app","password":"first-pass"}`, got)

	lab.run(t, "secretsmanager", "put-secret-value", "--secret-id", "lab/db", "--secret-string", `{"username":"app","password":"second-pass"}`)
	prev := lab.run(t, "secretsmanager", "get-secret-value", "--secret-id", "lab/db", "--version-stage", "AWSPREVIOUS", "--query", "SecretString", "--output", "text")
	want(t, "the previous version", strings.Contains(prev, "first-pass"), prev)
	var versions struct {
		Versions []struct {
			VersionId     string
			VersionStages []string
		}
	}
	lab.json(t, &versions, "secretsmanager", "list-secret-version-ids", "--secret-id", "lab/db", "--include-deprecated")
	want(t, "list-secret-version-ids", len(versions.Versions) == 2, versions)

	// Roll back: move AWSCURRENT onto the first version.
	lab.run(t, "secretsmanager", "update-secret-version-stage", "--secret-id", "lab/db", "--version-stage", "AWSCURRENT",
		"--move-to-version-id", created.VersionId, "--remove-from-version-id", secondVersion(versions.Versions, created.VersionId))
	cur := current(t, lab.sm, "lab/db")
	want(t, "after the rollback", strings.Contains(cur, "first-pass"), cur)

	lab.run(t, "secretsmanager", "update-secret", "--secret-id", "lab/db", "--description", "Rolled back")
	lab.run(t, "secretsmanager", "tag-resource", "--secret-id", "lab/db", "--tags", "Key=owner,Value=student")
	lab.run(t, "secretsmanager", "untag-resource", "--secret-id", "lab/db", "--tag-keys", "team")
	var tagKeys []string
	for _, tg := range describe(t, lab.sm, "lab/db").Tags {
		tagKeys = append(tagKeys, aws.ToString(tg.Key))
	}
	want(t, "tags after tag-resource and untag-resource", slices.Equal(tagKeys, []string{"env", "owner"}), tagKeys)

	names := lab.run(t, "secretsmanager", "list-secrets", "--filters", "Key=name,Values=lab/", "--query", "SecretList[].Name", "--output", "text")
	want(t, "list-secrets --filters", len(strings.Fields(names)) == 2, names)
	var batch struct{ SecretValues []struct{ Name string } }
	lab.json(t, &batch, "secretsmanager", "batch-get-secret-value", "--secret-id-list", "lab/db", "lab/api-key")
	want(t, "batch-get-secret-value", len(batch.SecretValues) == 2, batch)
	pw := lab.run(t, "secretsmanager", "get-random-password", "--password-length", "20", "--exclude-punctuation", "--query", "RandomPassword", "--output", "text")
	want(t, "get-random-password", len(strings.TrimSpace(pw)) == 20, pw)

	policy := lab.file(t, "policy.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/MyRole"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
	var valid struct{ PolicyValidationPassed bool }
	lab.json(t, &valid, "secretsmanager", "validate-resource-policy", "--resource-policy", policy)
	want(t, "validate-resource-policy", valid.PolicyValidationPassed, valid)
	lab.run(t, "secretsmanager", "put-resource-policy", "--secret-id", "lab/db", "--resource-policy", policy, "--block-public-policy")
	public := lab.file(t, "public.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
	lab.fails(t, "PublicPolicyException", "secretsmanager", "put-resource-policy", "--secret-id", "lab/db", "--resource-policy", public, "--block-public-policy")
	got = lab.run(t, "secretsmanager", "get-resource-policy", "--secret-id", "lab/db", "--query", "ResourcePolicy", "--output", "text")
	want(t, "get-resource-policy", strings.Contains(got, "MyRole"), got)
	lab.run(t, "secretsmanager", "delete-resource-policy", "--secret-id", "lab/db")

	lab.run(t, "secretsmanager", "rotate-secret", "--secret-id", "lab/db", "--rotation-lambda-arn", fn,
		"--rotation-rules", `{"ScheduleExpression": "rate(30 days)", "Duration": "4h"}`, "--no-rotate-immediately")
	d := describe(t, lab.sm, "lab/db")
	want(t, "rotate-secret --no-rotate-immediately", aws.ToBool(d.RotationEnabled) && aws.ToString(d.RotationRules.ScheduleExpression) == "rate(30 days)", d.RotationRules)
	lab.run(t, "secretsmanager", "cancel-rotate-secret", "--secret-id", "lab/db")

	lab.run(t, "secretsmanager", "replicate-secret-to-regions", "--secret-id", "lab/db", "--add-replica-regions", "Region=us-west-2")
	west := lab.run(t, "secretsmanager", "get-secret-value", "--secret-id", "lab/db", "--region", "us-west-2", "--query", "ARN", "--output", "text")
	want(t, "the replica in us-west-2", strings.Contains(west, ":us-west-2:"), west)
	lab.fails(t, "InvalidParameterException", "secretsmanager", "delete-secret", "--secret-id", "lab/db", "--force-delete-without-recovery")
	lab.run(t, "secretsmanager", "remove-regions-from-replication", "--secret-id", "lab/db", "--remove-replica-regions", "us-west-2")

	// Cleanup, both ways.
	var deleted struct{ DeletionDate float64 }
	lab.json(t, &deleted, "secretsmanager", "delete-secret", "--secret-id", "lab/db", "--recovery-window-in-days", "7")
	want(t, "delete-secret --recovery-window-in-days 7", deleted.DeletionDate > 0, deleted)
	lab.fails(t, "InvalidRequestException", "secretsmanager", "get-secret-value", "--secret-id", "lab/db")
	lab.run(t, "secretsmanager", "restore-secret", "--secret-id", "lab/db")
	want(t, "restored", strings.Contains(current(t, lab.sm, "lab/db"), "first-pass"), "the restored value")
	lab.run(t, "secretsmanager", "delete-secret", "--secret-id", "lab/db", "--force-delete-without-recovery")
	lab.run(t, "secretsmanager", "delete-secret", "--secret-id", "lab/api-key", "--force-delete-without-recovery")
	lab.fails(t, "ResourceNotFoundException", "secretsmanager", "describe-secret", "--secret-id", "lab/db")
	left, err := lab.sm.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"lab/"}}}})
	want(t, "nothing left after the cleanup", err == nil && len(left.SecretList) == 0, left)
}

// secondVersion is the version that is not first.
func secondVersion(vs []struct {
	VersionId     string
	VersionStages []string
}, first string) string {
	for _, v := range vs {
		if v.VersionId != first {
			return v.VersionId
		}
	}
	return ""
}

func parametersLab(t *testing.T, lab *cliLab) {
	var put struct {
		Version int
		Tier    string
	}
	lab.json(t, &put, "ssm", "put-parameter", "--name", "/lab/db/host", "--value", "127.0.0.1", "--type", "String", "--description", "database host")
	want(t, "put-parameter", put.Version == 1 && put.Tier == "Standard", put)
	lab.run(t, "ssm", "put-parameter", "--name", "/lab/db/password", "--value", "P@ssw0rd", "--type", "SecureString")
	lab.run(t, "ssm", "put-parameter", "--name", "/lab/features", "--value", "cache,prefetch", "--type", "StringList", "--tags", "Key=env,Value=lab")
	lab.fails(t, "ParameterAlreadyExists", "ssm", "put-parameter", "--name", "/lab/db/host", "--value", "10.0.0.1", "--type", "String")

	got := lab.run(t, "ssm", "get-parameter", "--name", "/lab/db/password", "--with-decryption", "--query", "Parameter.Value", "--output", "text")
	want(t, "get-parameter --with-decryption", strings.TrimSpace(got) == "P@ssw0rd", got)
	enc := lab.run(t, "ssm", "get-parameter", "--name", "/lab/db/password", "--query", "Parameter.Value", "--output", "text")
	want(t, "get-parameter without decryption", !strings.Contains(enc, "P@ssw0rd"), "the plaintext")
	var many struct {
		Parameters        []struct{ Name string }
		InvalidParameters []string
	}
	lab.json(t, &many, "ssm", "get-parameters", "--names", "/lab/db/host", "/lab/nope")
	want(t, "get-parameters", len(many.Parameters) == 1 && len(many.InvalidParameters) == 1, many)
	byPath := lab.run(t, "ssm", "get-parameters-by-path", "--path", "/lab", "--recursive", "--with-decryption", "--query", "Parameters[].Name", "--output", "text")
	want(t, "get-parameters-by-path --recursive", len(strings.Fields(byPath)) == 3, byPath)

	lab.run(t, "ssm", "put-parameter", "--name", "/lab/db/host", "--value", "10.0.0.1", "--overwrite")
	hist := lab.run(t, "ssm", "get-parameter-history", "--name", "/lab/db/host", "--query", "Parameters[].Value", "--output", "text")
	want(t, "get-parameter-history", strings.Fields(hist)[0] == "127.0.0.1" && strings.Fields(hist)[1] == "10.0.0.1", hist)
	lab.run(t, "ssm", "label-parameter-version", "--name", "/lab/db/host", "--parameter-version", "1", "--labels", "stable")
	stable := lab.run(t, "ssm", "get-parameter", "--name", "/lab/db/host:stable", "--query", "Parameter.Value", "--output", "text")
	want(t, "get-parameter NAME:label", strings.TrimSpace(stable) == "127.0.0.1", stable)
	var unlabeled struct{ RemovedLabels, InvalidLabels []string }
	lab.json(t, &unlabeled, "ssm", "unlabel-parameter-version", "--name", "/lab/db/host", "--parameter-version", "1", "--labels", "stable", "nolabel")
	want(t, "unlabel-parameter-version", len(unlabeled.RemovedLabels) == 1 && len(unlabeled.InvalidLabels) == 1, unlabeled)

	names := lab.run(t, "ssm", "describe-parameters", "--parameter-filters", "Key=Path,Option=Recursive,Values=/lab", "--query", "Parameters[].Name", "--output", "text")
	want(t, "describe-parameters --parameter-filters", len(strings.Fields(names)) == 3, names)
	secure := lab.run(t, "ssm", "describe-parameters", "--filters", "Key=Type,Values=SecureString", "--query", "Parameters[].Name", "--output", "text")
	want(t, "describe-parameters --filters", strings.TrimSpace(secure) == "/lab/db/password", secure)

	lab.run(t, "ssm", "add-tags-to-resource", "--resource-type", "Parameter", "--resource-id", "/lab/db/host", "--tags", "Key=tier,Value=db")
	tags := lab.run(t, "ssm", "list-tags-for-resource", "--resource-type", "Parameter", "--resource-id", "/lab/db/host", "--query", "TagList[].Key", "--output", "text")
	want(t, "list-tags-for-resource", strings.TrimSpace(tags) == "tier", tags)
	lab.run(t, "ssm", "remove-tags-from-resource", "--resource-type", "Parameter", "--resource-id", "/lab/db/host", "--tag-keys", "tier")

	const throughput = "arn:aws:ssm:us-east-1:123456789012:servicesetting/ssm/parameter-store/high-throughput-enabled"
	setting := lab.run(t, "ssm", "get-service-setting", "--setting-id", throughput, "--query", "ServiceSetting.SettingValue", "--output", "text")
	want(t, "get-service-setting", strings.TrimSpace(setting) == "false", setting)
	lab.run(t, "ssm", "update-service-setting", "--setting-id", throughput, "--setting-value", "true")
	reset := lab.run(t, "ssm", "reset-service-setting", "--setting-id", throughput, "--query", "ServiceSetting.[SettingValue,Status]", "--output", "text")
	want(t, "reset-service-setting", strings.Join(strings.Fields(reset), " ") == "false Default", reset)

	lab.run(t, "secretsmanager", "create-secret", "--name", "ssmlab/ref", "--secret-string", "through-ssm")
	ref := lab.run(t, "ssm", "get-parameter", "--name", "/aws/reference/secretsmanager/ssmlab/ref", "--with-decryption", "--query", "Parameter.Value", "--output", "text")
	want(t, "the secretsmanager reference", strings.TrimSpace(ref) == "through-ssm", ref)
	lab.run(t, "secretsmanager", "delete-secret", "--secret-id", "ssmlab/ref", "--force-delete-without-recovery")

	// Cleanup: the lab's last step.
	lab.run(t, "ssm", "delete-parameter", "--name", "/lab/features")
	var cleanup struct{ DeletedParameters, InvalidParameters []string }
	lab.json(t, &cleanup, "ssm", "delete-parameters", "--names", "/lab/db/host", "/lab/db/password", "/lab/features")
	want(t, "delete-parameters", len(cleanup.DeletedParameters) == 2 && len(cleanup.InvalidParameters) == 1 && cleanup.InvalidParameters[0] == "/lab/features", cleanup)
	left := lab.run(t, "ssm", "describe-parameters", "--query", "length(Parameters)", "--output", "text")
	want(t, "nothing left after the cleanup", strings.TrimSpace(left) == "0", left)
}
