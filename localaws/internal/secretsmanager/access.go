package secretsmanager

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/iampolicy"
)

// access says what an operation does with the secret it names, and so what
// resolve refuses.
type access struct {
	// op is the operation; its IAM action is secretsmanager:<op>.
	op string
	// live refuses a secret scheduled for deletion.
	live bool
	// write refuses a replica: "A replica secret can't be updated
	// independently from its primary secret"
	// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/standalone-secret.html).
	write bool
	// value marks operations that decrypt or encrypt the value, which a
	// caller in another account can do only when the secret uses a customer
	// managed key.
	value bool
}

// resolve finds the secret an operation names and checks that the caller may
// perform the operation on it. Callers in the secret's own account are not
// checked (there is no IAM here). A caller in another account is allowed
// only what the secret's resource policy allows, and never the value of a
// secret encrypted with the AWS managed key
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html).
// The caller holds s.mu.
func (s *Store) resolve(c Caller, id string, a access) (*secret, error) {
	sec, err := s.find(c, id)
	if err != nil {
		if account := arnAccount(id); account != "" && account != c.Account {
			// No policy can allow access to a secret that is not there, and
			// AWS evaluates access before it looks.
			return nil, errAccessDenied(c, a.op, id, false)
		}
		return nil, err
	}
	if err := authorize(c, sec, a); err != nil {
		return nil, err
	}
	if a.live && !sec.src().deletionDate.IsZero() {
		return nil, errDeleted()
	}
	if a.write && sec.primary != nil {
		return nil, errReplica()
	}
	return sec, nil
}

// authorize applies the resource policy to a caller from another account.
func authorize(c Caller, sec *secret, a access) error {
	if sec.account == c.Account {
		return nil
	}
	decision := iampolicy.NotAllowed
	if text := sec.src().policy; text != "" {
		if doc, err := iampolicy.Parse(text); err == nil {
			decision = doc.Evaluate(iampolicy.Request{
				Principal: c.Principal, Account: c.Account, Action: "secretsmanager:" + a.op, Resource: sec.arn,
			})
		}
	}
	if decision != iampolicy.Allowed {
		return errAccessDenied(c, a.op, sec.arn, decision == iampolicy.Denied)
	}
	if a.value && isManagedKey(sec.kmsKeyID) {
		return awsjson.ClientError("InvalidRequestException",
			"You can't access a secret from a different AWS account if you encrypt the secret with the default KMS service key.")
	}
	return nil
}

// errAccessDenied is IAM's message for a refused call
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
func errAccessDenied(c Caller, op, resource string, explicit bool) error {
	why := "because no resource-based policy allows the secretsmanager:" + op + " action"
	if explicit {
		why = "with an explicit deny in a resource-based policy"
	}
	return awsjson.ClientError("AccessDeniedException",
		"User: "+c.Principal+" is not authorized to perform: secretsmanager:"+op+" on resource: "+resource+" "+why)
}

func errReplica() error {
	return awsjson.ClientError("InvalidParameterException",
		"Operation not permitted on a replica secret. Call must be made in primary secret's region.")
}

// isManagedKey reports whether a KmsKeyId is the AWS managed key
// aws/secretsmanager, which is what an empty KmsKeyId means.
func isManagedKey(id string) bool {
	return id == "" || id == "alias/aws/secretsmanager" || strings.HasSuffix(id, ":alias/aws/secretsmanager")
}

// arnAccount is the account of a secret ARN, or "" for a name.
func arnAccount(id string) string {
	parts := strings.SplitN(id, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "secretsmanager" {
		return ""
	}
	return parts[4]
}

// apiCode is the AWS error code of err, "" for nil.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
