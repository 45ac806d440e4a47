package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// RotationHandler is an in-process rotation function, for unit tests that
// need no Lambda runtime. It receives the same event an invoked function
// would.
type RotationHandler func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error

// functions maps Lambda function ARNs to what runs them: an invoke URL (the
// Runtime Interface Emulator's /2015-03-31/functions/function/invocations)
// or an in-process handler.
type functions struct {
	client *http.Client

	mu       sync.Mutex
	urls     map[string]string
	handlers map[string]RotationHandler
}

func newFunctions() *functions {
	// No client timeout: a rotation step may legitimately take as long as
	// the Lambda timeout allows; the RotateSecret request's context bounds it.
	return &functions{client: &http.Client{}, urls: map[string]string{}, handlers: map[string]RotationHandler{}}
}

func (f *functions) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.urls = map[string]string{}
	f.handlers = map[string]RotationHandler{}
}

// RegisterFunction maps a Lambda function ARN to an invoke URL. A later
// registration of the same ARN replaces the earlier one.
func (s *Server) RegisterFunction(arn, url string) {
	s.fns.mu.Lock()
	defer s.fns.mu.Unlock()
	delete(s.fns.handlers, arn)
	s.fns.urls[arn] = url
}

// RegisterHandler maps a Lambda function ARN to an in-process handler.
func (s *Server) RegisterHandler(arn string, h func(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error) {
	s.fns.mu.Lock()
	defer s.fns.mu.Unlock()
	delete(s.fns.urls, arn)
	s.fns.handlers[arn] = h
}

func checkFunction(arn, rawURL string) error {
	if !strings.HasPrefix(arn, "arn:") {
		return fmt.Errorf("function arn %q: want a Lambda function ARN", arn)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("function url %q: want an http(s) URL", rawURL)
	}
	return nil
}

// resolve finds what runs arn. A qualified ARN (…:function:name:alias or
// :$LATEST) falls back to the unqualified registration.
func (f *functions) resolve(arn string) (string, RotationHandler, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, key := range []string{arn, unqualified(arn)} {
		if h, ok := f.handlers[key]; ok {
			return "", h, true
		}
		if u, ok := f.urls[key]; ok {
			return u, nil, true
		}
	}
	return "", nil, false
}

// unqualified strips a version or alias from a function ARN
// (arn:aws:lambda:region:account:function:name[:qualifier]).
func unqualified(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) == 8 {
		return strings.Join(parts[:7], ":")
	}
	return arn
}

// Has reports whether arn is registered.
func (f *functions) Has(arn string) bool {
	_, _, ok := f.resolve(arn)
	return ok
}

// lambdaError is the body a Lambda runtime returns for a function error.
type lambdaError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// Invoke runs one rotation step. Over HTTP, a function error arrives as a 200
// whose body carries errorMessage/errorType (and X-Amz-Function-Error); both
// count as failure, like a non-2xx answer.
func (f *functions) Invoke(ctx context.Context, arn string, ev events.SecretsManagerSecretRotationEvent) error {
	u, h, ok := f.resolve(arn)
	if !ok {
		return fmt.Errorf("function %s is not registered", arn)
	}
	if h != nil {
		return h(ctx, ev)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", ev.Step, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("invoke %s: %w", arn, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", arn, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("invoke %s: read response: %w", arn, err)
	}
	var le lambdaError
	_ = json.Unmarshal(body, &le) // a non-object body (null, a string) is a plain result
	switch {
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("invoke %s: status %d", arn, resp.StatusCode)
	case le.ErrorMessage != "" || le.ErrorType != "":
		return fmt.Errorf("%s: %s", le.ErrorType, le.ErrorMessage)
	case resp.Header.Get("X-Amz-Function-Error") != "":
		return errors.New("function error: " + resp.Header.Get("X-Amz-Function-Error"))
	}
	return nil
}
