package localaws_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestCLIAssumeRole: `aws sts assume-role` gives credentials the CLI then
// signs with; `aws sts get-caller-identity` names the session, and the
// session reads the secret its role's policy allows.
func TestCLIAssumeRole(t *testing.T) {
	t.Parallel()
	srv, url := startLocal(t, localaws.Options{})
	arn := seedSharedWithRoleA(t, srv, url)
	lab := newCLILab(t, url)
	var out struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken, Expiration string
		}
		AssumedRoleUser struct{ AssumedRoleId, Arn string }
	}
	lab.json(t, &out, "sts", "assume-role", "--role-arn", roleA, "--role-session-name", "cli", "--duration-seconds", "900")
	want(t, "assume-role", strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") && out.Credentials.Expiration != "" &&
		out.AssumedRoleUser.Arn == "arn:aws:sts::222233334444:assumed-role/app-a/cli", out)
	lab.fails(t, "ValidationError", "sts", "assume-role", "--role-arn", roleA, "--role-session-name", "no spaces")

	session := &cliLab{bin: lab.bin, dir: lab.dir, env: slices.Concat(slices.DeleteFunc(slices.Clone(lab.env), func(kv string) bool {
		return strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=")
	}), []string{
		"AWS_ACCESS_KEY_ID=" + out.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + out.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + out.Credentials.SessionToken,
	})}
	var who struct{ UserId, Account, Arn string }
	session.json(t, &who, "sts", "get-caller-identity")
	want(t, "get-caller-identity", who.Account == "222233334444" && who.Arn == out.AssumedRoleUser.Arn && who.UserId == out.AssumedRoleUser.AssumedRoleId, who)
	got := session.run(t, "secretsmanager", "get-secret-value", "--secret-id", arn, "--query", "SecretString", "--output", "text")
	want(t, "the session reads the shared secret", strings.TrimSpace(got) == "shared-value", got)
}
