package secretsmanager

import (
	"fmt"
	"strings"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
	"github.com/paramsecrets/paramsecrets/localaws/internal/ids"
)

// Limits from the Secrets Manager API reference and quotas page
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html).
const (
	maxNameLen        = 512
	maxSecretIDLen    = 2048
	maxDescriptionLen = 2048
	maxValueBytes     = 65536
	minTokenLen       = 32
	maxTokenLen       = 64
	maxStageLen       = 256
	maxStages         = 20
	maxLambdaARNLen   = 2048
	maxKMSKeyIDLen    = 2048
)

// validName reports whether a secret name uses only the characters AWS
// allows: ASCII letters, digits and -/_+=.@! (the list AWS's error message
// gives; ! appears in the names of secrets other services manage, such as
// rds!db-...). An ARN may also contain colons.
func validName(name string, arn bool) bool {
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '/' || r == '_' || r == '+' || r == '=' || r == '.' || r == '@' || r == '-' || r == '!':
		case r == ':' && arn:
		default:
			return false
		}
	}
	return true
}

// errBadName is what AWS answers, recorded as ValidationException, for a name
// or SecretId with other characters, whatever the operation.
func errBadName() error {
	return awsjson.ClientError("ValidationException",
		"Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
}

func checkName(name *string) error {
	if name == nil {
		return awsjson.Required("name")
	}
	switch {
	case len(*name) < 1:
		return awsjson.MinLen("name", 1)
	case len(*name) > maxNameLen:
		return awsjson.MaxLen("name", maxNameLen)
	case !validName(*name, false):
		return errBadName()
	}
	return nil
}

func checkSecretID(id *string) error {
	if id == nil {
		return awsjson.Required("secretId")
	}
	if len(*id) < 1 {
		return awsjson.MinLen("secretId", 1)
	}
	if len(*id) > maxSecretIDLen {
		return awsjson.MaxLen("secretId", maxSecretIDLen)
	}
	if !validName(*id, strings.HasPrefix(*id, "arn:")) {
		return errBadName()
	}
	return nil
}

// errNoToken is AWS's answer, recorded against the service, to a raw request
// that creates a version without a ClientRequestToken. The SDKs and the CLI
// always fill one in.
func errNoToken(code string) error {
	return awsjson.ClientError(code, "You must provide a ClientRequestToken value. We recommend a UUID-type value.")
}

// checkToken validates a ClientRequestToken; required says the call creates
// a version, so a raw request must carry one.
func checkToken(member string, tok *string, required bool) error {
	if tok == nil {
		if required {
			return errNoToken("InvalidRequestException")
		}
		return nil
	}
	if len(*tok) < minTokenLen {
		return awsjson.MinLen(member, minTokenLen)
	}
	if len(*tok) > maxTokenLen {
		return awsjson.MaxLen(member, maxTokenLen)
	}
	return nil
}

// checkValue enforces the 65,536-byte value quota and AWS's rule that a
// version holds a string or a binary value, never both.
func checkValue(str *string, bin []byte) error {
	if str != nil && len(*str) > maxValueBytes {
		return awsjson.MaxLen("secretString", maxValueBytes)
	}
	if bin != nil && len(bin) == 0 {
		return awsjson.MinLen("secretBinary", 1)
	}
	if len(bin) > maxValueBytes {
		return awsjson.MaxLen("secretBinary", maxValueBytes)
	}
	if str != nil && bin != nil {
		return awsjson.ClientError("InvalidParameterException",
			"You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	return nil
}

func checkStages(stages []string) error {
	if len(stages) > maxStages {
		return awsjson.Validation("versionStages", fmt.Sprintf("Member must have length less than or equal to %d", maxStages))
	}
	for _, st := range stages {
		if len(st) < 1 || len(st) > maxStageLen {
			return awsjson.Validation("versionStages", fmt.Sprintf("Member must have length between 1 and %d", maxStageLen))
		}
	}
	return nil
}

// newToken returns a random version id in UUID form, what the SDKs generate
// when the caller gives no ClientRequestToken.
func newToken() string { return ids.UUID() }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
