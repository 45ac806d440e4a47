package parameterstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// referencePrefix is the reserved path through which GetParameter and
// GetParameters read Secrets Manager secrets, per "Referencing AWS Secrets
// Manager secrets from Parameter Store parameters"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/integration-ps-secretsmanager.html).
// The reference is stateless: nothing about the secret is kept here.
const referencePrefix = "/aws/reference/secretsmanager/"

func isReference(name string) bool { return strings.HasPrefix(name, referencePrefix) }

// sourceResult is the GetSecretValue response that AWS embeds, as a JSON
// string, in the parameter's SourceResult.
type sourceResult struct {
	ARN           string    `json:"ARN"`
	CreatedDate   epochTime `json:"CreatedDate"`
	Name          string    `json:"Name"`
	SecretBinary  []byte    `json:"SecretBinary,omitempty"`
	SecretString  *string   `json:"SecretString,omitempty"`
	VersionId     string    `json:"VersionId"`
	VersionStages []string  `json:"VersionStages"`
}

// reference answers a /aws/reference/secretsmanager/<secret-id>[:selector]
// name. A selector that looks like a version ID (32 to 64 hex digits and
// dashes, what Secrets Manager generates) is sent as VersionId, any other as
// VersionStage (AWSCURRENT, AWSPREVIOUS, a custom label).
func (s *Store) reference(ctx context.Context, raw string, decrypt bool) (parameterOut, error) {
	if !decrypt {
		return parameterOut{}, errValidation("WithDecryption flag must be True for retrieving a Secret Manager secret.")
	}
	id, sel := splitReference(strings.TrimPrefix(raw, referencePrefix))
	name := referencePrefix + id
	if id == "" || s.secrets == nil {
		return parameterOut{}, errReferenceNotFound(name)
	}
	var versionID, stage string
	if looksLikeVersionID(sel) {
		versionID = sel
	} else {
		stage = sel
	}
	sv, err := s.secrets(ctx, id, versionID, stage)
	if err != nil {
		return parameterOut{}, referenceError(name, err)
	}
	value := ""
	if sv.SecretString != nil {
		value = *sv.SecretString
	} else {
		// A binary secret has no string form; base64 is how the API
		// carries binary everywhere else.
		value = base64.StdEncoding.EncodeToString(sv.SecretBinary)
	}
	result, err := json.Marshal(sourceResult{
		ARN:           sv.ARN,
		CreatedDate:   epochTime(sv.CreatedDate),
		Name:          sv.Name,
		SecretBinary:  sv.SecretBinary,
		SecretString:  sv.SecretString,
		VersionId:     sv.VersionID,
		VersionStages: sv.VersionStages,
	})
	if err != nil {
		return parameterOut{}, errInternal("encode the referenced secret's metadata")
	}
	out := parameterOut{
		ARN:              sv.ARN,
		DataType:         dataTypeText,
		LastModifiedDate: epochTime(sv.CreatedDate),
		Name:             name,
		SourceResult:     string(result),
		Type:             typeSecureString,
		Value:            value,
		Version:          0, // a reference has no Parameter Store version
	}
	if sel != "" {
		out.Selector = ":" + sel
	}
	return out, nil
}

// splitReference separates the secret ID from a selector. Secret names cannot
// contain a colon, so the first colon starts the selector; a secret ARN has
// seven colon-separated fields of its own and the selector after them.
func splitReference(ref string) (id, sel string) {
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 8)
		if len(parts) == 8 {
			return strings.Join(parts[:7], ":"), parts[7]
		}
		return ref, ""
	}
	id, sel, _ = strings.Cut(ref, ":")
	return id, sel
}

func looksLikeVersionID(sel string) bool {
	if len(sel) < 32 || len(sel) > 64 {
		return false
	}
	for _, r := range sel {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == '-') {
			return false
		}
	}
	return true
}

func errReferenceNotFound(name string) error {
	return apiError(codeNotFound, "An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret %s not found.", name)
}

// referenceError translates what the SecretSource reported: a missing secret
// or version is ParameterNotFound (as AWS answers), another service error
// keeps its code, and anything else is a server fault. The source's own text
// is dropped unless it is a service message, which never holds a value.
func referenceError(name string, err error) error {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return errInternal("Parameter Store could not reach Secrets Manager.")
	}
	if apiErr.ErrorCode() == codeSecretsManagerAbsent {
		return errReferenceNotFound(name)
	}
	return &smithy.GenericAPIError{Code: apiErr.ErrorCode(), Message: apiErr.ErrorMessage(), Fault: apiErr.ErrorFault()}
}
