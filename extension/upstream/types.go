package upstream

import "time"

// The operations' inputs and outputs. Each output has the fields of the
// aws-sdk-go-v2 output struct of the same name, in the same order and of the
// same types, and renders with encoding/json exactly as that struct does:
// nil pointers and slices as null, times as RFC 3339 in UTC, []byte as
// base64, and ResultMetadata as {}. The extension's answers are those
// renderings (the AWS extension marshals the SDK's structs), so the tests
// hold every output to the SDK's own, byte for byte.

// Metadata stands for the SDK's ResultMetadata, which holds nothing that
// renders: it is always {}.
type Metadata struct{}

// GetSecretValueInput selects a secret and, at most one of, a version id or a
// staging label; nil means not sent.
type GetSecretValueInput struct {
	SecretId     *string `json:",omitempty"`
	VersionId    *string `json:",omitempty"`
	VersionStage *string `json:",omitempty"`
}

// SecretValueEntry is one secret value: the SDK's types.SecretValueEntry.
type SecretValueEntry struct {
	ARN           *string
	CreatedDate   *time.Time
	Name          *string
	SecretBinary  []byte
	SecretString  *string
	VersionId     *string
	VersionStages []string
}

// GetSecretValueOutput is GetSecretValue's answer: the SDK's
// secretsmanager.GetSecretValueOutput, whose fields are SecretValueEntry's
// followed by ResultMetadata.
type GetSecretValueOutput struct {
	SecretValueEntry
	ResultMetadata Metadata
}

// APIErrorType is BatchGetSecretValue's report of one secret it could not
// read: the SDK's types.APIErrorType.
type APIErrorType struct {
	ErrorCode *string
	Message   *string
	SecretId  *string
}

// BatchGetSecretValueOutput is BatchGetSecretValue's answer, every page's
// values and errors together (NextToken is then nil).
type BatchGetSecretValueOutput struct {
	Errors         []APIErrorType
	NextToken      *string
	SecretValues   []SecretValueEntry
	ResultMetadata Metadata
}

// ParameterType is a parameter's type: String, StringList or SecureString.
type ParameterType string

// ParameterTypeSecureString is an encrypted parameter, whose answer depends on
// whether it was decrypted.
const ParameterTypeSecureString ParameterType = "SecureString"

// Parameter is one SSM parameter: the SDK's ssm types.Parameter.
type Parameter struct {
	ARN              *string
	DataType         *string
	LastModifiedDate *time.Time
	Name             *string
	Selector         *string
	SourceResult     *string
	Type             ParameterType
	Value            *string
	Version          int64
}

// GetParameterOutput is GetParameter's answer: the SDK's ssm.GetParameterOutput.
type GetParameterOutput struct {
	Parameter      *Parameter
	ResultMetadata Metadata
}

// GetParametersOutput is GetParameters' answer: the SDK's ssm.GetParametersOutput.
type GetParametersOutput struct {
	InvalidParameters []string
	Parameters        []Parameter
	ResultMetadata    Metadata
}

// The request bodies, fields in the order the SDK writes them; nil is not sent.
type (
	batchGetSecretValueRequest struct {
		NextToken    *string  `json:",omitempty"`
		SecretIdList []string `json:",omitempty"`
	}
	getParameterRequest struct {
		Name           *string `json:",omitempty"`
		WithDecryption *bool   `json:",omitempty"`
	}
	getParametersRequest struct {
		Names          []string `json:",omitempty"`
		WithDecryption *bool    `json:",omitempty"`
	}
	getParametersByPathRequest struct {
		Path           *string `json:",omitempty"`
		NextToken      *string `json:",omitempty"`
		Recursive      *bool   `json:",omitempty"`
		WithDecryption *bool   `json:",omitempty"`
	}
)
