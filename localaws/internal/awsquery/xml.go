package awsquery

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
)

// ResponseContentType is the media type of every answer, as AWS sends it.
const ResponseContentType = "text/xml"

// Error is an error answer: an AWS code, its message and the HTTP status
// the service models for it (404 for RDS's not-found faults, 403 for an
// expired token, 400 for most). It is a smithy.APIError, so code shared
// with the JSON services reads it the same way.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Errorf returns an *Error; a status of 500 and above is the service's fault.
func Errorf(status int, code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Status: status, Code: code, Message: msg}
}

func (e *Error) Error() string        { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorFault says whose fault the error is, from its status.
func (e *Error) ErrorFault() smithy.ErrorFault {
	if e.Status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

var _ smithy.APIError = (*Error)(nil)

// InvalidAction is AWS's answer to an Action the service does not have, or
// does not have in the Version asked for.
func InvalidAction(req Request) error {
	return Errorf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", req.Action, req.Version)
}

// Validation collects the constraint violations of one request and reports
// them as one ValidationError, worded as AWS's request validation words them
// ("2 validation errors detected: Value ... at 'roleSessionName' failed to
// satisfy constraint: ...; ...").
type Validation struct{ problems []string }

// Null records a missing required member.
func (v *Validation) Null(member string) {
	v.problems = append(v.problems, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
}

// Fail records a member's value breaking a constraint. The value is echoed,
// as AWS echoes it: callers pass only values that are never secret.
func (v *Validation) Fail(member, value, constraint string) {
	v.problems = append(v.problems, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

// Err is the ValidationError, or nil when nothing failed.
func (v *Validation) Err() error {
	switch len(v.problems) {
	case 0:
		return nil
	case 1:
		return Errorf(http.StatusBadRequest, "ValidationError", "1 validation error detected: %s", v.problems[0])
	}
	return Errorf(http.StatusBadRequest, "ValidationError", "%d validation errors detected: %s", len(v.problems), strings.Join(v.problems, "; "))
}

// WriteResult writes a successful answer: result is marshalled by
// encoding/xml as the <ActionResult> element.
func WriteResult(w http.ResponseWriter, xmlns, action, requestID string, result any) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlns}}}
	meta := struct {
		RequestID string `xml:"RequestId"`
	}{requestID}
	err := enc.EncodeToken(start)
	if err == nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		WriteErrorCode(w, xmlns, requestID, http.StatusInternalServerError, "InternalFailure", "encode response")
		return
	}
	w.Header().Set("Content-Type", ResponseContentType)
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// WriteError writes err as an XML error. An *Error keeps its status; any
// other smithy.APIError is 400 when it is the client's fault and 500
// otherwise; an error that is not an API error becomes InternalFailure
// without its text, which might carry anything.
func WriteError(w http.ResponseWriter, xmlns, requestID string, err error) {
	var qe *Error
	if errors.As(err, &qe) {
		WriteErrorCode(w, xmlns, requestID, qe.Status, qe.Code, qe.Message)
		return
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		WriteErrorCode(w, xmlns, requestID, http.StatusInternalServerError, "InternalFailure", "internal error")
		return
	}
	status := http.StatusBadRequest
	if ae.ErrorFault() != smithy.FaultClient {
		status = http.StatusInternalServerError
	}
	WriteErrorCode(w, xmlns, requestID, status, ae.ErrorCode(), ae.ErrorMessage())
}

// errorResponse is the XML error document.
type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Error     errorBody
	RequestID string `xml:"RequestId"`
}

type errorBody struct {
	Type    string
	Code    string
	Message string
}

// WriteErrorCode writes an error with an explicit status, for injected
// faults whose status the tester chooses. Type is Sender for a 4xx and
// Receiver for a 5xx, as AWS marks whose fault it is.
func WriteErrorCode(w http.ResponseWriter, xmlns, requestID string, status int, code, message string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	body, err := xml.Marshal(errorResponse{Xmlns: xmlns, Error: errorBody{typ, code, message}, RequestID: requestID})
	if err != nil {
		// Only an invalid character could get here; the code alone is safe.
		body = []byte("<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code></Error></ErrorResponse>")
	}
	w.Header().Set("Content-Type", ResponseContentType)
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
