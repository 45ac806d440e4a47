package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// The extension's contract: a local port and a token header equal to the
// function's session token.
const (
	portEnv     = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
	defaultPort = "2773"
	tokenHeader = "X-Aws-Parameters-Secrets-Token"
)

// client reads through the extension. It is what any function would write
// against the AWS extension: plain HTTP GETs on localhost.
type client struct {
	base  string
	token string
	http  *http.Client
}

func newClientFromEnv() (*client, error) {
	port := os.Getenv(portEnv)
	if port == "" {
		port = defaultPort
	}
	token := os.Getenv("AWS_SESSION_TOKEN")
	if token == "" {
		return nil, errors.New("AWS_SESSION_TOKEN is not set")
	}
	return &client{base: "http://127.0.0.1:" + port, token: token, http: &http.Client{Timeout: 10 * time.Second}}, nil
}

// dbSecret is the database secret JSON of AWS's rotation templates.
type dbSecret struct {
	Engine   string          `json:"engine"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"`
	Username string          `json:"username"`
	Password string          `json:"password"`
	DBName   string          `json:"dbname"`
	SSL      json.RawMessage `json:"ssl"` // true, false, or absent: see login

	versionID string
}

func (c *client) secret(ctx context.Context, id string, refresh bool) (dbSecret, error) {
	q := url.Values{"secretId": {id}}
	if refresh {
		q.Set("refreshNow", "true")
	}
	var out struct {
		SecretString *string
		VersionId    string
	}
	if err := c.get(ctx, "/secretsmanager/get?"+q.Encode(), &out); err != nil {
		return dbSecret{}, fmt.Errorf("read secret %s: %w", id, err)
	}
	if out.SecretString == nil {
		return dbSecret{}, fmt.Errorf("read secret %s: no SecretString", id)
	}
	var s dbSecret
	if err := json.Unmarshal([]byte(*out.SecretString), &s); err != nil {
		// The JSON holds a password: say what failed, not what it held.
		return dbSecret{}, fmt.Errorf("read secret %s: SecretString is not a JSON object", id)
	}
	s.versionID = out.VersionId
	return s, nil
}

func (c *client) parameter(ctx context.Context, name string, refresh bool) (string, error) {
	q := url.Values{"name": {name}, "withDecryption": {"true"}}
	if refresh {
		q.Set("refreshNow", "true")
	}
	var out struct{ Parameter struct{ Value string } }
	if err := c.get(ctx, "/systemsmanager/parameters/get?"+q.Encode(), &out); err != nil {
		return "", fmt.Errorf("read parameter %s: %w", name, err)
	}
	return out.Parameter.Value, nil
}

func (c *client) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set(tokenHeader, c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &e)
		return fmt.Errorf("extension answered %d %s: %s", resp.StatusCode, e.Type, e.Message)
	}
	return json.Unmarshal(body, out)
}
