// Package awsjson holds the wire details of the AWS JSON 1.1 protocol that
// Secrets Manager and SSM speak: request decoding, epoch-seconds timestamps and
// AWS-shaped error bodies.
//
// The protocol is described at
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html: every call is
// `POST /` with `X-Amz-Target: <service>.<Operation>`, bodies are JSON, blobs
// are base64 strings (encoding/json's []byte handling), timestamps are epoch
// seconds as JSON numbers, and errors carry `__type` and `message`.
package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go"
)

// ContentType is the media type of every JSON 1.1 request and response.
const ContentType = "application/x-amz-json-1.1"

// Decode unmarshals a request body into v. An empty body is treated as `{}`,
// as AWS does for operations whose members are all optional. Malformed JSON or
// a member of the wrong type is a SerializationException, the code AWS answers
// with before the operation runs.
func Decode(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return ClientError("SerializationException", "Start of structure or map found where not expected")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return ClientError("SerializationException",
				fmt.Sprintf("Unexpected value type for member %q", typeErr.Field))
		}
		return ClientError("SerializationException", "Malformed request body: not valid JSON")
	}
	return nil
}

// ClientError returns an error that is the caller's fault (HTTP 400).
func ClientError(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient}
}

// Unsupported is the one way localaws says it does not implement something
// AWS has: an operation, a parameter value or a feature. The code is the one
// AWS would answer for that place (UnknownOperationException for an
// operation); the wording is always "localaws does not support <what>", so a
// user can tell a gap in localaws from an error AWS would also give.
func Unsupported(code, what string) error {
	return ClientError(code, "localaws does not support "+what)
}

// ServerError returns an error that is the service's fault (HTTP 500).
func ServerError(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultServer}
}

// Validation returns the ValidationException AWS's request validation
// produces when a member breaks a modelled constraint (length, range,
// required). The member's value is never echoed: it may be a secret.
func Validation(member, constraint string) error {
	return ClientError("ValidationException",
		fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint))
}

// Required reports a missing required member the way AWS's validation does.
func Required(member string) error {
	return ClientError("ValidationException",
		fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member))
}

// MaxLen reports a member longer than its modelled maximum.
func MaxLen(member string, max int) error {
	return Validation(member, "Member must have length less than or equal to "+strconv.Itoa(max))
}

// MinLen reports a member shorter than its modelled minimum.
func MinLen(member string, min int) error {
	return Validation(member, "Member must have length greater than or equal to "+strconv.Itoa(min))
}

// StatusOf maps an error to the HTTP status AWS would answer with: 400 for a
// client fault, 500 for anything else.
func StatusOf(err error) int {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// WriteError writes err as an AWS JSON 1.1 error response. Errors that are
// not smithy.APIError become an InternalFailure without their text, because
// an unexpected error might carry anything, including a value.
func WriteError(w http.ResponseWriter, err error) {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		WriteErrorCode(w, http.StatusInternalServerError, "InternalFailure", "internal error")
		return
	}
	WriteErrorCode(w, StatusOf(err), apiErr.ErrorCode(), apiErr.ErrorMessage())
}

// WriteErrorCode writes an error body with an explicit status, for injected
// faults whose status the tester chooses.
func WriteErrorCode(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	_, _ = w.Write(body)
}

// WriteResult writes a successful response body.
func WriteResult(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteErrorCode(w, http.StatusInternalServerError, "InternalFailure", "encode response")
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// Time is a timestamp that travels as epoch seconds with millisecond
// precision, the JSON 1.1 default timestamp format.
type Time struct{ time.Time }

// NewTime returns a *Time for t, or nil for the zero time so that optional
// members are omitted.
func NewTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t}
}

// MarshalJSON writes the time as a JSON number of seconds since the epoch.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads epoch seconds (integer or fractional).
func (t *Time) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("timestamp is not epoch seconds")
	}
	// Millisecond precision, as AWS keeps; rounding avoids float noise.
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}
