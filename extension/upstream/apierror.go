package upstream

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// An error answer of a JSON 1.1 service: its code comes from the
// X-Amzn-ErrorType header, else the body's "__type" (else its "code"), and
// may carry a namespace ("com.amazonaws.secretsmanager#ResourceNotFoundException")
// or a URI after a colon, both stripped; its message from the body, as the SDK
// reads it for that code (see modeled.go).
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization

// protocolErrorInfo is what the SDK decodes from any error body
// (smithy-go's internal json.ProtocolErrorInfo), with encoding/json: so
// "Message" matches in any casing.
type protocolErrorInfo struct {
	Type    string `json:"__type"`
	Message string
	Code    any
}

// responseError turns a non-2xx answer into the error the SDK would return
// for it: a *smithy.GenericAPIError with the code and message, inside an
// *awshttp.ResponseError that carries the status and request id — so that
// the retryer and translate see what they see of the SDK's errors. A body
// the SDK could not decode is a *smithy.DeserializationError instead, in the
// same wrapper.
func (s *service) responseError(resp *http.Response, b []byte) error {
	var err error
	code, msg, derr := s.errorInfo(resp.Header.Get("X-Amzn-ErrorType"), b)
	if s.query {
		code, msg, derr = queryErrorInfo(b)
	}
	if derr != nil {
		err = &smithy.DeserializationError{Err: derr}
	} else {
		err = &smithy.GenericAPIError{Code: code, Message: msg}
	}
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
		RequestID:     resp.Header.Get("X-Amzn-Requestid"),
	}
}

// errorInfo finds an error answer's code and message.
func (s *service) errorInfo(header string, b []byte) (code, msg string, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var info protocolErrorInfo
	if err := dec.Decode(&info); err != nil && !errors.Is(err, io.EOF) {
		return "", "", fmt.Errorf("failed to decode response body, %w", err)
	}
	code = "UnknownError"
	switch c, _ := info.Code.(string); {
	case header != "":
		code = header
	case info.Type != "":
		code = info.Type
	case c != "":
		code = c
	}
	code = sanitizeErrorCode(code)
	switch {
	case listed(s.modeledNoMessage, code):
		return code, "", nil
	case listed(s.modeled, code):
		msg, err := modeledMessage(b)
		return code, msg, err
	}
	msg = "UnknownError"
	if info.Message != "" {
		msg = info.Message
	}
	return code, msg, nil
}

// sanitizeErrorCode strips a URI suffix and a namespace prefix from a code.
func sanitizeErrorCode(code string) string {
	code, _, _ = strings.Cut(code, ":")
	if i := strings.Index(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	return code
}

// listed reports whether code is one of the space-separated names.
func listed(names, code string) bool {
	return code != "" && strings.Contains(" "+names+" ", " "+code+" ")
}

// modeledMessage reads a modeled error's message: the last non-null
// "Message" or "message" member of the body's first value. An empty body
// has none.
func modeledMessage(b []byte) (string, error) {
	var msg string
	err := body(b, func(key string, v []byte) error {
		if key != "Message" && key != "message" {
			return nil
		}
		s, err := str(v)
		if err == nil {
			msg = *s
		}
		return err
	})
	return msg, err
}

// queryErrorInfo finds a Query protocol error answer's code and message:
// <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>, as the
// SDK reads it (awsxml.GetErrorResponseComponents); a body without a code is
// an UnknownError. A body that is not XML is reported by line only: a
// decoding error could quote it.
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization
func queryErrorInfo(b []byte) (code, msg string, err error) {
	var e struct {
		Error struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
	}
	if err := xml.Unmarshal(b, &e); err != nil && !errors.Is(err, io.EOF) {
		return "", "", fmt.Errorf("failed to decode response body, %w", safeXMLError(err))
	}
	code = "UnknownError"
	if e.Error.Code != "" {
		code = sanitizeErrorCode(e.Error.Code)
	}
	return code, e.Error.Message, nil
}

// safeXMLError says what was wrong with an XML body without quoting any of it.
func safeXMLError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid XML at line %d", se.Line)
	}
	return errors.New("not the XML answer expected")
}
