package server

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	tests := []struct {
		name    string
		method  string
		target  string
		headers map[string]string
		status  int
		code    string
	}{
		{"no token", "GET", secretTarget, nil, http.StatusUnauthorized, "AccessDeniedException"},
		{"wrong token of the same length", "GET", secretTarget, map[string]string{TokenHeader: strings.Repeat("x", len(testToken))}, http.StatusUnauthorized, "AccessDeniedException"},
		{"shorter token", "GET", secretTarget, map[string]string{TokenHeader: testToken[:5]}, http.StatusUnauthorized, "AccessDeniedException"},
		{"longer token", "GET", secretTarget, map[string]string{TokenHeader: testToken + "x"}, http.StatusUnauthorized, "AccessDeniedException"},
		{"empty token", "GET", secretTarget, map[string]string{TokenHeader: ""}, http.StatusUnauthorized, "AccessDeniedException"},
		{"token in another header", "GET", secretTarget, map[string]string{"Authorization": testToken}, http.StatusUnauthorized, "AccessDeniedException"},
		{"forwarded with a valid token", "GET", secretTarget, map[string]string{TokenHeader: testToken, "X-Forwarded-For": "10.0.0.1"}, http.StatusBadRequest, "InvalidRequestException"},
		{"unknown path without a token", "GET", "/nope", nil, http.StatusNotFound, "NotFound"},
		{"unknown path with a wrong token", "GET", "/secretsmanager/gets", map[string]string{TokenHeader: "wrong"}, http.StatusNotFound, "NotFound"},
		{"unknown path forwarded", "GET", "/nope", map[string]string{"X-Forwarded-For": "10.0.0.1"}, http.StatusBadRequest, "InvalidRequestException"},
		{"known path without a token, wrong method", "POST", secretTarget, nil, http.StatusUnauthorized, "AccessDeniedException"},
		{"unknown path", "GET", "/nope", map[string]string{TokenHeader: testToken}, http.StatusNotFound, "NotFound"},
		{"escaped slash in a route is not the route", "GET", "/secretsmanager%2Fget?secretId=app/db", map[string]string{TokenHeader: testToken}, http.StatusNotFound, "NotFound"},
		{"POST", "POST", secretTarget, map[string]string{TokenHeader: testToken}, http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{"PUT parameters", "PUT", "/systemsmanager/parameters/get?name=/app/host", map[string]string{TokenHeader: testToken}, http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{"ping without token", "GET", "/ping", nil, http.StatusOK, ""},
		{"ping forwarded", "GET", "/ping", map[string]string{"X-Forwarded-For": "10.0.0.1"}, http.StatusOK, ""},
		{"POST ping", "POST", "/ping", nil, http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{"valid token", "GET", secretTarget, map[string]string{TokenHeader: testToken}, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.method, tt.target, tt.headers)
			wantStatus(t, r, tt.status, tt.code)
			if tt.status != http.StatusOK && strings.Contains(string(r.body), "s3cr3t") {
				t.Errorf("refused request got a value: %s", r.body)
			}
		})
	}
	if r := e.do(t, "GET", "/ping", nil); string(r.body) != "healthy" {
		t.Errorf("/ping body = %q, want healthy", r.body)
	}
	if r := e.do(t, "POST", secretTarget, map[string]string{TokenHeader: testToken}); r.header.Get("Allow") != "GET" {
		t.Errorf("405 Allow = %q, want GET", r.header.Get("Allow"))
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	long := strings.Repeat("a", maxNameLen+1)
	const sm, ps = "InvalidParameterException", "ValidationException"
	tests := []struct {
		name   string
		target string
		code   string
	}{
		{"missing secretId", "/secretsmanager/get", sm},
		{"empty secretId", "/secretsmanager/get?secretId=", sm},
		{"versionId and versionStage", "/secretsmanager/get?secretId=app/db&versionId=x&versionStage=AWSCURRENT", sm},
		{"unknown parameter", "/secretsmanager/get?secretID=app/db", sm},
		{"duplicate parameter", "/secretsmanager/get?secretId=app/db&secretId=bin", sm},
		{"bad refreshNow", "/secretsmanager/get?secretId=app/db&refreshNow=maybe", sm},
		{"over-long secretId", "/secretsmanager/get?secretId=" + long, sm},
		{"invalid escape", "/secretsmanager/get?secretId=%zz", sm},
		{"invalid escape in a key", "/secretsmanager/get?secret%zzId=a", sm},
		{"agent without id", "/v1/", sm},
		{"agent bare", "/v1", sm},
		{"agent secretId parameter", "/v1/app/db?secretId=bin", sm},
		{"agent over-long id", "/v1/" + long, sm},
		{"batch without ids", "/secretsmanager/batch-get", sm},
		{"batch empty id", "/secretsmanager/batch-get?secretIds=app/db,,bin", sm},
		{"batch over-long id", "/secretsmanager/batch-get?secretIds=app/db," + long, sm},
		{"batch over 20 ids", "/secretsmanager/batch-get?secretIds=" + strings.Repeat("app/db,", 20) + "bin", sm},
		{"missing name", "/systemsmanager/parameters/get", ps},
		{"non-numeric version", "/systemsmanager/parameters/get?name=/app/host&version=one", ps},
		{"version zero", "/systemsmanager/parameters/get?name=/app/host&version=0", ps},
		{"negative version", "/systemsmanager/parameters/get?name=/app/host&version=-1", ps},
		{"version and label", "/systemsmanager/parameters/get?name=/app/host&version=1&label=prod", ps},
		{"selector twice", "/systemsmanager/parameters/get?name=/app/host:1&version=1", ps},
		{"bad withDecryption", "/systemsmanager/parameters/get?name=/app/host&withDecryption=yes", ps},
		{"over-long name", "/systemsmanager/parameters/get?name=/" + long, ps},
		{"secretId on parameters", "/systemsmanager/parameters/get?secretId=app/db", ps},
		{"missing path", "/systemsmanager/parameters/get-by-path?recursive=true", ps},
		{"bad recursive", "/systemsmanager/parameters/get-by-path?path=/app&recursive=2", ps},
		{"label on by-path", "/systemsmanager/parameters/get-by-path?path=/app&label=prod", ps},
	}
	before := len(e.aws.Stats())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, e.get(t, tt.target), http.StatusBadRequest, tt.code)
		})
	}
	if after := len(e.aws.Stats()); after != before {
		t.Errorf("refused requests reached the upstream: %v", e.aws.Stats())
	}
}

// TestEmptyOptionalParametersCountAsAbsent keeps clients working that send
// optional parameters empty.
func TestEmptyOptionalParametersCountAsAbsent(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	for _, target := range []string{
		"/secretsmanager/get?secretId=app/db&versionId=&versionStage=",
		"/secretsmanager/get?secretId=app/db&versionId=&versionStage=AWSCURRENT",
		"/systemsmanager/parameters/get?name=/app/host&version=&label=",
		"/systemsmanager/parameters/get?name=/app/host:1&label=",
	} {
		wantStatus(t, e.get(t, target), http.StatusOK, "")
	}
}

// TestUpstreamErrorsKeepCodeAndStatus checks that AWS's own answers pass through.
func TestUpstreamErrorsKeepCodeAndStatus(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	wantStatus(t, e.get(t, "/secretsmanager/get?secretId=missing"), http.StatusBadRequest, "ResourceNotFoundException")
	wantStatus(t, e.get(t, "/systemsmanager/parameters/get?name=/missing"), http.StatusBadRequest, "ParameterNotFound")
	wantStatus(t, e.get(t, "/systemsmanager/parameters/get?name=/app/host:9"), http.StatusBadRequest, "ParameterVersionNotFound")
	wantStatus(t, e.get(t, "/secretsmanager/get?secretId=app/db&versionStage=NOPE"), http.StatusBadRequest, "ResourceNotFoundException")
}

// TestLogsNeverCarryValues runs every route at DEBUG, errors included, and
// searches the captured log for every value and for the token.
func TestLogsNeverCarryValues(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	for _, target := range []string{
		secretTarget, secretTarget, "/v1/bin", "/secretsmanager/get?secretId=app/db&versionStage=AWSPREVIOUS",
		"/secretsmanager/batch-get?secretIds=app/db,bin,missing",
		"/systemsmanager/parameters/get?name=/app/pass&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/host&label=prod",
		"/systemsmanager/parameters/get?name=/app/list",
		"/systemsmanager/parameters/get?name=/aws/reference/secretsmanager/app/db&withDecryption=true",
		"/systemsmanager/parameters/get-by-path?path=/app&recursive=true&withDecryption=true",
		"/secretsmanager/get?secretId=missing", "/secretsmanager/get?bogus=" + passValue,
	} {
		e.get(t, target)
	}
	e.do(t, "GET", secretTarget, map[string]string{TokenHeader: testToken + "-wrong"})
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"secretsmanager/get"`) || !strings.Contains(logs, `"cache":"hit"`) {
		t.Fatalf("DEBUG log lacks the request lines:\n%s", logs)
	}
	for _, v := range []string{
		dbSecret, dbSecretNew, "s3cr3t-db-pw", "n3w-db-pw", hostValue, hostValueNew, listValue, passValue,
		base64.StdEncoding.EncodeToString(binaryValue), testToken,
	} {
		if contains(logs, v) {
			t.Errorf("log carries %q:\n%s", v, logs)
		}
	}
}

// TestDebugLogNamesRouteAndID: at DEBUG each request's line says which route
// was asked and for which id, name, path or list — what a user debugging a
// miss needs — and never the value.
func TestDebugLogNamesRouteAndID(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	tests := []struct {
		target string
		route  string
		id     string
	}{
		{"/secretsmanager/get?secretId=app/db", "secretsmanager/get", "app/db"},
		{"/v1/app%2Fdb", "v1", "app/db"},
		{"/secretsmanager/batch-get?secretIds=bin,app/db", "secretsmanager/batch-get", "bin,app/db"},
		{"/systemsmanager/parameters/get?name=/app/host&version=1", "parameters/get", "/app/host:1"},
		{"/systemsmanager/parameters/get-by-path?path=/app", "parameters/get-by-path", "/app"},
		{"/secretsmanager/get?secretId=missing", "secretsmanager/get", "missing"},
	}
	for _, tt := range tests {
		e.get(t, tt.target)
		lines := strings.Split(strings.TrimSpace(e.logs.String()), "\n")
		last := lines[len(lines)-1]
		var line struct{ Msg, Route, ID string }
		if err := json.Unmarshal([]byte(last), &line); err != nil {
			t.Fatalf("GET %s: log line %q: %v", tt.target, last, err)
		}
		if line.Msg != "request" || line.Route != tt.route || line.ID != tt.id {
			t.Errorf("GET %s logged %s, want route %s id %s", tt.target, last, tt.route, tt.id)
		}
	}
	for _, v := range []string{dbSecret, dbSecretNew, hostValue, hostValueNew, base64.StdEncoding.EncodeToString(binaryValue)} {
		if contains(e.logs.String(), v) {
			t.Errorf("log carries %q", v)
		}
	}
}

// TestEmptyTokenAuthorizesNothing guards against a server built without a
// token accepting an empty header.
func TestEmptyTokenAuthorizesNothing(t *testing.T) {
	s := New(Options{})
	for _, h := range []map[string]string{nil, {TokenHeader: ""}} {
		req := httptest.NewRequest(http.MethodGet, secretTarget, nil)
		for k, v := range h {
			req.Header[k] = []string{v}
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("headers %v: status %d, want 401", h, w.Code)
		}
	}
}
