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

// The members of each shape. Each decoder sets what it finds on its target.

func (e *SecretValueEntry) member(key string, v []byte) (err error) {
	switch key {
	case "ARN":
		e.ARN, err = str(v)
	case "CreatedDate":
		e.CreatedDate, err = epoch(v)
	case "Name":
		e.Name, err = str(v)
	case "SecretBinary":
		e.SecretBinary, err = blob(v)
	case "SecretString":
		e.SecretString, err = str(v)
	case "VersionId":
		e.VersionId, err = str(v)
	case "VersionStages":
		e.VersionStages, err = stringList(v)
	}
	return err
}

func (e *APIErrorType) member(key string, v []byte) (err error) {
	switch key {
	case "ErrorCode":
		e.ErrorCode, err = str(v)
	case "Message":
		e.Message, err = str(v)
	case "SecretId":
		e.SecretId, err = str(v)
	}
	return err
}

func (o *BatchGetSecretValueOutput) member(key string, v []byte) (err error) {
	switch key {
	case "Errors":
		o.Errors, err = structs(v, (*APIErrorType).member)
	case "NextToken":
		o.NextToken, err = str(v)
	case "SecretValues":
		o.SecretValues, err = structs(v, (*SecretValueEntry).member)
	}
	return err
}

func (p *Parameter) member(key string, v []byte) (err error) {
	switch key {
	case "ARN":
		p.ARN, err = str(v)
	case "DataType":
		p.DataType, err = str(v)
	case "LastModifiedDate":
		p.LastModifiedDate, err = epoch(v)
	case "Name":
		p.Name, err = str(v)
	case "Selector":
		p.Selector, err = str(v)
	case "SourceResult":
		p.SourceResult, err = str(v)
	case "Type":
		var s *string
		if s, err = str(v); err == nil {
			p.Type = ParameterType(*s)
		}
	case "Value":
		p.Value, err = str(v)
	case "Version":
		p.Version, err = integer(v)
	}
	return err
}

func (o *GetParameterOutput) member(key string, v []byte) error {
	if key != "Parameter" {
		return nil
	}
	p := &Parameter{}
	if err := object(v, p.member); err != nil {
		return err
	}
	o.Parameter = p
	return nil
}

func (o *GetParametersOutput) member(key string, v []byte) (err error) {
	switch key {
	case "InvalidParameters":
		o.InvalidParameters, err = stringList(v)
	case "Parameters":
		o.Parameters, err = structs(v, (*Parameter).member)
	}
	return err
}

// byPathPage is one page of GetParametersByPath.
type byPathPage struct {
	NextToken  *string
	Parameters []Parameter
}

func (o *byPathPage) member(key string, v []byte) (err error) {
	switch key {
	case "NextToken":
		o.NextToken, err = str(v)
	case "Parameters":
		o.Parameters, err = structs(v, (*Parameter).member)
	}
	return err
}
