package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// timedOutPrefix starts the plain-text body the classic emulator answers
// with when an invoke runs past the function timeout.
const timedOutPrefix = "Task timed out after"

// FunctionError is a failed invoke as Lambda reports it to the caller: the
// handler returned an error, panicked, or ran out of time. Invoke returns
// it together with the response body.
type FunctionError struct {
	// Type is errorType from the runtime's error document (for a Go handler
	// the error's type, such as "errorString"), or "Sandbox.Timedout".
	Type string
	// Message is errorMessage from the error document.
	Message string
}

// Error reports the type and message the function returned.
func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error %s: %s", e.Type, e.Message)
}

// errorDocument is what a runtime posts to /runtime/invocation/{id}/error.
type errorDocument struct {
	ErrorMessage *string         `json:"errorMessage"`
	ErrorType    *string         `json:"errorType"`
	StackTrace   json.RawMessage `json:"stackTrace"`
}

// Invoke sends payload as the event and returns the function's response.
// A function error is returned as a *FunctionError alongside the body; any
// other failure (emulator gone, non-200 status, deadline) is an error that
// carries the tail of the log. The first invoke also runs init. Invokes are
// serialized: the emulator serves one at a time, like one Lambda execution
// environment. Each is bounded by twice Options.Timeout plus 10 s.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.invokeMu.Lock()
	defer f.invokeMu.Unlock()
	select {
	case <-f.done:
		return nil, f.errorf("invoke: emulator has exited: %v", f.waitErr)
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, f.invokeLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.invokeURL, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		// A refused or cut connection usually means the emulator died
		// (the managed-instances one exits when init fails); say so.
		select {
		case <-f.done:
			return nil, f.errorf("invoke: emulator exited (%v): %w", f.waitErr, err)
		case <-time.After(100 * time.Millisecond):
		}
		return nil, f.errorf("invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, f.errorf("invoke: read response: %w", err)
	}
	if ferr := functionError(resp, body); ferr != nil {
		return body, ferr
	}
	if resp.StatusCode != http.StatusOK {
		return body, f.errorf("invoke: emulator answered %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

// functionError recognises a function error in a response. Lambda marks one
// with X-Amz-Function-Error and the managed-instances emulator with
// Error-Type, but the classic emulator drops headers and answers 200 with
// the error document, so the body is checked too: a JSON object holding
// exactly errorMessage and errorType (and optionally stackTrace), which is
// not a shape a handler's result takes by accident.
func functionError(resp *http.Response, body []byte) *FunctionError {
	header := resp.Header.Get("X-Amz-Function-Error")
	if header == "" {
		header = resp.Header.Get("Error-Type")
	}
	if resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, []byte(timedOutPrefix)) {
		return &FunctionError{Type: "Sandbox.Timedout", Message: string(body)}
	}
	var doc errorDocument
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	isDoc := dec.Decode(&doc) == nil && doc.ErrorMessage != nil && doc.ErrorType != nil
	switch {
	case isDoc:
		return &FunctionError{Type: *doc.ErrorType, Message: *doc.ErrorMessage}
	case header != "":
		return &FunctionError{Type: header, Message: strings.TrimSpace(string(body))}
	}
	return nil
}
