// Package lifecycle runs the extension's process lifecycle: as a Lambda external
// extension through the Extensions API, or standalone for local development.
//
// The Extensions API contract this follows is
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html .
// aws-lambda-go has no public client for it, so Client is a small typed transport
// of its own.
package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Environment variables Lambda sets for extensions.
const (
	// EnvRuntimeAPI holds host:port of the Runtime and Extensions APIs. When it
	// is unset the process is not running inside Lambda.
	EnvRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"
	// EnvMaxConcurrency is set only on Lambda Managed Instances, where one
	// execution environment serves several invokes at once.
	EnvMaxConcurrency = "AWS_LAMBDA_MAX_CONCURRENCY"
)

// Extensions API headers.
const (
	HeaderExtensionName       = "Lambda-Extension-Name"
	HeaderExtensionIdentifier = "Lambda-Extension-Identifier"
	HeaderFunctionErrorType   = "Lambda-Extension-Function-Error-Type"
	HeaderAcceptFeature       = "Lambda-Extension-Accept-Feature"
)

// FeatureAccountID asks register to include the account ID in its response.
const FeatureAccountID = "accountId"

// EventType is an Extensions API event an extension can subscribe to.
type EventType string

// Event types.
const (
	Invoke   EventType = "INVOKE"
	Shutdown EventType = "SHUTDOWN"
)

// Error types reported through init/error and exit/error. Lambda requires the
// form Extension.<reason>; the function's init fails with this type.
const (
	ErrorTypeConfig     = "Extension.ConfigError"
	ErrorTypeListen     = "Extension.ListenError"
	ErrorTypeServe      = "Extension.ServeError"
	ErrorTypeRuntimeAPI = "Extension.RuntimeAPIError"
	ErrorTypeExec       = "Extension.ExecError"
)

// EnvInitializationType is set by Lambda to how the environment was
// initialised: on-demand, provisioned-concurrency, snap-start, ...
const EnvInitializationType = "AWS_LAMBDA_INITIALIZATION_TYPE"

// SnapStart reports whether the function runs under Lambda SnapStart, whose
// init phase runs once, when a version is published, after which Lambda
// snapshots the environment and restores every new execution environment from
// the snapshot. What init fetched must not be served after a restore: a
// value may have been rotated since, and every restored environment would
// serve the same snapshot. An extension is told nothing of the restore: the
// /event/next it called before the snapshot returns the first INVOKE after
// it (the emulator's rapid.handleRestore updates credentials and runs the
// runtime's restore hook only), so that INVOKE is when the extension knows.
// Managed instances deliver no INVOKE and do not snapshot.
// https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html
func SnapStart(getenv func(string) string) bool {
	return getenv(EnvInitializationType) == "snap-start" && getenv(EnvMaxConcurrency) == ""
}

// EventsFor returns the events to register for in this environment.
//
// On standard Lambda an external extension may subscribe to INVOKE and SHUTDOWN.
// On Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY set) invokes run
// concurrently and are not delivered to extensions: register refuses INVOKE with
// 403 Extension.InvalidEventType, so only SHUTDOWN is requested there. The rule
// is the emulator's ValidateExternalAgentEvent (internal/lambda-managed-instances/
// core/externalagent.go in aws-lambda-runtime-interface-emulator) and
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html .
func EventsFor(getenv func(string) string) []EventType {
	if getenv(EnvMaxConcurrency) != "" {
		return []EventType{Shutdown}
	}
	return []EventType{Invoke, Shutdown}
}

// RegisterResponse is the function metadata register answers with.
type RegisterResponse struct {
	FunctionName    string `json:"functionName"`
	FunctionVersion string `json:"functionVersion"`
	Handler         string `json:"handler"`
	AccountID       string `json:"accountId,omitempty"`
}

// Event is one event from /event/next. Fields not meaningful for a type are zero.
type Event struct {
	EventType          EventType `json:"eventType"`
	DeadlineMs         int64     `json:"deadlineMs"`
	RequestID          string    `json:"requestId"`
	InvokedFunctionArn string    `json:"invokedFunctionArn"`
	ShutdownReason     string    `json:"shutdownReason"`
}

// Deadline is the event's deadline as a time; zero when the event carries none.
func (e Event) Deadline() time.Time {
	if e.DeadlineMs <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(e.DeadlineMs)
}

// Client talks to the Extensions API. Register must succeed before the other
// calls, which identify the extension by the identifier register returns.
// A Client is used by one goroutine at a time.
type Client struct {
	base string
	name string
	id   string
	reg  RegisterResponse // what register answered, kept for the logs
	http *http.Client
}

// NewClient returns a client for the Extensions API at runtimeAPI (host:port, the
// value of AWS_LAMBDA_RUNTIME_API). name must equal the extension's file name in
// /opt/extensions: Lambda matches the registration to the process by it.
func NewClient(runtimeAPI, name string) *Client {
	return &Client{
		base: "http://" + runtimeAPI + "/2020-01-01/extension",
		name: name,
		// Timeout 0 (none): /event/next is a long poll that returns only when the
		// next event happens, which can be minutes or hours away while the
		// environment is idle or frozen. A client timeout would abort a legitimate
		// wait; every call carries a context instead.
		http: &http.Client{Timeout: 0, Transport: directTransport()},
	}
}

// directTransport is the default transport without a proxy: the Extensions API
// is inside the execution environment, and an HTTP_PROXY the function sets for
// its own outbound calls must not capture it.
func directTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	return t
}

// ID returns the identifier assigned by register, empty before it.
func (c *Client) ID() string { return c.id }

// Adopt takes over a registration this process did not make itself: the
// front registered under this name and exec'd the extension, handing over the
// identifier and what register answered (see Handoff).
func (c *Client) Adopt(id string, reg RegisterResponse) {
	c.id, c.reg = id, reg
}

// Registration returns what register answered (or what Adopt was given).
func (c *Client) Registration() RegisterResponse { return c.reg }

// Register registers the extension for events.
func (c *Client) Register(ctx context.Context, events []EventType) (RegisterResponse, error) {
	body, err := json.Marshal(struct {
		Events []EventType `json:"events"`
	}{events})
	if err != nil {
		return RegisterResponse{}, fmt.Errorf("register: encode body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/register", bytes.NewReader(body))
	if err != nil {
		return RegisterResponse{}, fmt.Errorf("register: %w", err)
	}
	req.Header.Set(HeaderExtensionName, c.name)
	req.Header.Set(HeaderAcceptFeature, FeatureAccountID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return RegisterResponse{}, fmt.Errorf("register: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return RegisterResponse{}, fmt.Errorf("register: %w", apiError(resp))
	}
	id := resp.Header.Get(HeaderExtensionIdentifier)
	if id == "" {
		return RegisterResponse{}, fmt.Errorf("register: response has no %s header", HeaderExtensionIdentifier)
	}
	var out RegisterResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return RegisterResponse{}, fmt.Errorf("register: decode response: %w", err)
	}
	c.id, c.reg = id, out
	return out, nil
}

// Next blocks until the next event (or until ctx ends).
func (c *Client) Next(ctx context.Context) (Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/event/next", nil)
	if err != nil {
		return Event{}, fmt.Errorf("event/next: %w", err)
	}
	req.Header.Set(HeaderExtensionIdentifier, c.id)
	resp, err := c.http.Do(req)
	if err != nil {
		return Event{}, fmt.Errorf("event/next: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Event{}, fmt.Errorf("event/next: %w", apiError(resp))
	}
	var ev Event
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ev); err != nil {
		return Event{}, fmt.Errorf("event/next: decode event: %w", err)
	}
	return ev, nil
}

// InitError reports a failure during initialisation; Lambda then fails the
// function's init with errorType. The extension should exit afterwards.
func (c *Client) InitError(ctx context.Context, errorType string, cause error) error {
	return c.reportError(ctx, "init/error", errorType, cause)
}

// ExitError reports a failure that makes the extension exit after init.
func (c *Client) ExitError(ctx context.Context, errorType string, cause error) error {
	return c.reportError(ctx, "exit/error", errorType, cause)
}

func (c *Client) reportError(ctx context.Context, path, errorType string, cause error) error {
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	body, err := json.Marshal(struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}{msg, errorType, []string{}})
	if err != nil {
		return fmt.Errorf("%s: encode body: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	req.Header.Set(HeaderExtensionIdentifier, c.id)
	req.Header.Set(HeaderFunctionErrorType, errorType)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %w", path, apiError(resp))
	}
	return nil
}

// APIError is a non-success answer from the Extensions API.
type APIError struct {
	Status    int
	ErrorType string // e.g. Extension.InvalidEventType
	Message   string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("extensions api status %d", e.Status)
	if e.ErrorType != "" {
		s += " " + e.ErrorType
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func apiError(resp *http.Response) error {
	e := &APIError{Status: resp.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var body struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(raw, &body) == nil {
		e.ErrorType, e.Message = body.ErrorType, body.ErrorMessage
	} else {
		e.Message = strings.TrimSpace(string(raw))
	}
	return e
}

// IsAPIError reports whether err is an answer from the API (as opposed to a
// transport failure) and returns it.
func IsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}
