package dbclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The extension's contract: a local port and a token header equal to the
// function's session token.
const (
	// EnvPort names the extension's port variable, the AWS extension's own.
	EnvPort = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
	// DefaultPort is the port when EnvPort is unset.
	DefaultPort = 2773
	// TokenHeader carries the function's AWS_SESSION_TOKEN on every request.
	TokenHeader = "X-Aws-Parameters-Secrets-Token"
)

// readTimeout bounds one read through the extension. It is longer than the
// upstream timeout a function sets for the extension
// (SECRETS_MANAGER_TIMEOUT_MILLIS), so that the extension, not this client,
// decides when Secrets Manager has taken too long — and can then answer a plain
// read from its expired entry.
const readTimeout = 10 * time.Second

// Extension reads through the extension on localhost. It is what any function
// would write against the AWS Parameters and Secrets Lambda Extension: plain
// HTTP GETs on 127.0.0.1 with the token header. It is safe for concurrent use.
type Extension struct {
	base  string
	token string
	http  *http.Client
}

// NewExtension returns a client for the extension listening on port, which
// takes token (the function's AWS_SESSION_TOKEN).
func NewExtension(port int, token string) *Extension {
	return &Extension{base: "http://127.0.0.1:" + strconv.Itoa(port), token: token, http: &http.Client{Timeout: readTimeout}}
}

// ExtensionFromEnv is NewExtension with the port from EnvPort (DefaultPort
// when unset) and the token from AWS_SESSION_TOKEN, as Lambda sets them.
func ExtensionFromEnv(getenv func(string) string) (*Extension, error) {
	port := DefaultPort
	if v := getenv(EnvPort); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("%s=%q is not a TCP port", EnvPort, v)
		}
		port = p
	}
	token := getenv("AWS_SESSION_TOKEN")
	if token == "" {
		return nil, errors.New("AWS_SESSION_TOKEN is not set")
	}
	return NewExtension(port, token), nil
}

// ExtensionError is an answer other than 200 from the extension: its status and
// the error document it carried ({"__type", "message"}).
type ExtensionError struct {
	Status  int
	Type    string
	Message string
}

func (e *ExtensionError) Error() string {
	return fmt.Sprintf("extension answered %d %s: %s", e.Status, e.Type, e.Message)
}

// Temporary reports an answer worth trying again: Secrets Manager throttled
// (429), failed (5xx), was unreachable (502) or too slow (504). A 4xx other
// than 429 (no such secret, access denied, a bad request) will not change.
func (e *ExtensionError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Secret reads secret id's AWSCURRENT value as a database secret. With
// refresh it asks for refreshNow=true: the extension skips its cache, asks
// Secrets Manager and answers what Secrets Manager answers, an error
// included (never an older cached value).
func (e *Extension) Secret(ctx context.Context, id string, refresh bool) (Secret, error) {
	q := url.Values{"secretId": {id}}
	if refresh {
		q.Set("refreshNow", "true")
	}
	var out struct {
		SecretString *string
		VersionId    string
	}
	if err := e.get(ctx, "/secretsmanager/get?"+q.Encode(), &out); err != nil {
		return Secret{}, fmt.Errorf("read secret %s: %w", id, err)
	}
	if out.SecretString == nil {
		return Secret{}, fmt.Errorf("read secret %s: no SecretString", id)
	}
	s, err := ParseSecret(*out.SecretString)
	if err != nil {
		return Secret{}, fmt.Errorf("read secret %s: %w", id, err)
	}
	s.VersionID = out.VersionId
	return s, nil
}

// Parameter reads a parameter's value, decrypted; refresh as for Secret.
func (e *Extension) Parameter(ctx context.Context, name string, refresh bool) (string, error) {
	q := url.Values{"name": {name}, "withDecryption": {"true"}}
	if refresh {
		q.Set("refreshNow", "true")
	}
	var out struct{ Parameter struct{ Value string } }
	if err := e.get(ctx, "/systemsmanager/parameters/get?"+q.Encode(), &out); err != nil {
		return "", fmt.Errorf("read parameter %s: %w", name, err)
	}
	return out.Parameter.Value, nil
}

func (e *Extension) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set(TokenHeader, e.token)
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		e := &ExtensionError{Status: resp.StatusCode}
		var doc struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &doc) == nil {
			e.Type, e.Message = doc.Type, doc.Message
		}
		return e
	}
	return json.Unmarshal(body, out)
}
