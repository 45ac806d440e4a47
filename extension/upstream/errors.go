package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Codes this package answers with when the failure is not an AWS service error.
// They are the ones the AWS Secrets Manager Agent uses for the same cases, so
// callers that match on them work against either.
const (
	// CodeTimeout: the call did not finish within the service's timeout
	// (SECRETS_MANAGER_TIMEOUT_MILLIS / SSM_PARAMETER_STORE_TIMEOUT_MILLIS); 504.
	CodeTimeout = "TimeoutError"
	// CodeConnection: the endpoint could not be reached or dropped the
	// connection; 502.
	CodeConnection = "ConnectionError"
	// CodeInternal: anything else, such as missing credentials; 500.
	CodeInternal = "InternalFailure"
)

// Error is an upstream failure translated once, at this package's boundary, into
// what the extension's HTTP API answers with. Message comes from AWS or from the
// transport and never contains a secret value: neither request payloads nor
// response bodies reach error text.
type Error struct {
	Code    string // AWS error code (e.g. "ResourceNotFoundException") or one of the Code* constants
	Message string
	Status  int // HTTP status the extension should answer with
	Op      string
	Err     error // the failure, as the SDK's types: smithy.APIError, *smithyhttp.RequestSendError, ...
}

// Error describes the failure with its operation and code.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Op, e.Code, e.Message)
}

// Unwrap returns the failure.
func (e *Error) Unwrap() error { return e.Err }

// Transient reports whether the failure is likely to pass — throttling, a server
// error, a timeout or an unreachable endpoint — so that an expired cache entry
// may be served instead (STALE_IF_ERROR). Not-found and access-denied answers are
// definitive and are not transient.
func (e *Error) Transient() bool {
	if _, throttle := retry.DefaultThrottleErrorCodes[e.Code]; throttle {
		return true
	}
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// translate turns a call's error into an *Error. The order matters: a deadline is
// reported as a timeout even when it surfaced as a failed send, and a service
// answer (which always arrived over a working connection) keeps its code.
func translate(op string, err error) *Error {
	var done *Error
	if errors.As(err, &done) {
		return done // translated already: an AssumeRole failure met while signing
	}
	e := &Error{Op: op, Err: err}
	var apiErr smithy.APIError
	var netErr net.Error
	var sendErr *smithyhttp.RequestSendError
	switch {
	case errors.As(err, &apiErr):
		e.Code, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
		e.Status = http.StatusInternalServerError
		var respErr *smithyhttp.ResponseError
		if errors.As(err, &respErr) && respErr.Response != nil {
			e.Status = respErr.HTTPStatusCode()
		}
		// AWS's JSON protocol sends throttling as a 400; the extension's
		// contract (and HTTP) says 429 so clients can back off generically.
		if _, throttle := retry.DefaultThrottleErrorCodes[e.Code]; throttle {
			e.Status = http.StatusTooManyRequests
		}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		e.Code, e.Status = CodeTimeout, http.StatusGatewayTimeout
		e.Message = op + " did not complete within the configured timeout"
	case errors.As(err, &sendErr), errors.As(err, &netErr):
		e.Code, e.Status = CodeConnection, http.StatusBadGateway
		e.Message = "could not reach the " + serviceOf(op) + " endpoint: " + rootCause(err).Error()
	default:
		e.Code, e.Status = CodeInternal, http.StatusInternalServerError
		e.Message = op + " failed: " + rootCause(err).Error()
	}
	return e
}

// rootCause returns the innermost error of a single-wrap chain, which for
// transport failures is the readable part ("connection refused") without the
// SDK's operation prefix repeated.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// serviceOf names the AWS service behind an operation name.
func serviceOf(op string) string {
	switch op {
	case opGetParameter, opGetParameters, opGetParametersByPath:
		return "SSM"
	case opAssumeRole:
		return "STS"
	default:
		return "Secrets Manager"
	}
}
