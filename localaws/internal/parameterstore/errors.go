package parameterstore

import (
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/paramsecrets/paramsecrets/localaws/internal/awsjson"
)

// Error codes as AWS sends them in "__type". The messages follow AWS's where
// they are known; none ever carries a parameter value.
const (
	codeValidation           = "ValidationException"
	codeSerialization        = "SerializationException"
	codeUnknownOperation     = "UnknownOperationException"
	codeAccessDenied         = "AccessDeniedException"
	codeNotFound             = "ParameterNotFound"
	codeAlreadyExists        = "ParameterAlreadyExists"
	codeVersionNotFound      = "ParameterVersionNotFound"
	codeMaxVersions          = "ParameterMaxVersionLimitExceeded"
	codeLabelLimit           = "ParameterVersionLabelLimitExceeded"
	codeHierarchyLimit       = "HierarchyLevelLimitExceededException"
	codeInvalidPattern       = "InvalidAllowedPatternException"
	codePatternMismatch      = "ParameterPatternMismatchException"
	codeInvalidNextToken     = "InvalidNextToken"
	codeInvalidFilterKey     = "InvalidFilterKey"
	codeInvalidFilterOption  = "InvalidFilterOption"
	codeInvalidFilterValue   = "InvalidFilterValue"
	codeInternalServerError  = "InternalServerError"
	codeInvalidResourceType  = "InvalidResourceType"
	codeInvalidResourceID    = "InvalidResourceId"
	codeTooManyTags          = "TooManyTagsError"
	codeSettingNotFound      = "ServiceSettingNotFound"
	codeSecretsManagerAbsent = "ResourceNotFoundException"
)

func apiError(code, format string, args ...any) *smithy.GenericAPIError {
	return &smithy.GenericAPIError{Code: code, Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func errValidation(format string, args ...any) error {
	return apiError(codeValidation, format, args...)
}

func errSerialization(msg string) error { return apiError(codeSerialization, "%s", msg) }

func errUnknownOperation(op string) error {
	return errUnsupported(codeUnknownOperation, "the operation AmazonSSM."+op)
}

// errUnsupported is localaws's one wording for what it does not implement;
// see awsjson.Unsupported.
func errUnsupported(code, what string) error {
	return awsjson.Unsupported(code, what)
}

// errRequired is AWS's message for a missing required member.
func errRequired(member string) error {
	return errValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func errNotFound(name string) error {
	return apiError(codeNotFound, "Parameter %s not found.", name)
}

func errVersionNotFound(name, selector string) error {
	if !allDigits(selector) {
		return apiError(codeVersionNotFound, "Systems Manager could not find a version of %s with label %s. Verify the label and try again.", name, selector)
	}
	return apiError(codeVersionNotFound, "Systems Manager could not find version %s of %s. Verify the version and try again.", selector, name)
}

func errAlreadyExists() error {
	return apiError(codeAlreadyExists, "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
}

func errInternal(what string) error {
	return &smithy.GenericAPIError{Code: codeInternalServerError, Message: what, Fault: smithy.FaultServer}
}
