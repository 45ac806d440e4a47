package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/localaws"
)

const (
	objSecret  = `{"username":"app","password":"pa\"ss\u00e9-SHAPE","port":5432,"ssl":true,"opts":{"a": [1, 2]},"none":null,"dup":"first","dup":"last"}`
	listSecret = `["shape-elem-1","shape-elem-2"]`
	textSecret = "plain-shape-text"
)

func seedShapes(t *testing.T, e *env) {
	t.Helper()
	e.seed(t, localaws.Seed{Secrets: []localaws.SeedSecret{
		{Name: "shape/obj", SecretString: secretString(objSecret)},
		{Name: "shape/list", SecretString: secretString(listSecret)},
		{Name: "shape/text", SecretString: secretString(textSecret)},
	}})
}

// TestValueShaping: jsonKey and valueOnly answer the bare value, cut from the
// same cache entry as the full answer.
func TestValueShaping(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	seedShapes(t, e)
	tests := []struct {
		name, target, body, ctype string
	}{
		{"string key unquoted", "/secretsmanager/get?secretId=shape/obj&jsonKey=password", "pa\"ssé-SHAPE", ctypeText},
		{"agent path", "/v1/shape/obj?jsonKey=username", "app", ctypeText},
		{"number as JSON text", "/secretsmanager/get?secretId=shape/obj&jsonKey=port", "5432", ctypeText},
		{"bool as JSON text", "/secretsmanager/get?secretId=shape/obj&jsonKey=ssl", "true", ctypeText},
		{"object as JSON text", "/secretsmanager/get?secretId=shape/obj&jsonKey=opts", `{"a": [1, 2]}`, ctypeText},
		{"null as JSON text", "/secretsmanager/get?secretId=shape/obj&jsonKey=none", "null", ctypeText},
		{"a repeated key: the last, as JSON parsers do", "/secretsmanager/get?secretId=shape/obj&jsonKey=dup", "last", ctypeText},
		{"escaped key", "/secretsmanager/get?secretId=shape/obj&jsonKey=%70assword", "pa\"ssé-SHAPE", ctypeText},
		{"jsonKey with valueOnly=true", "/secretsmanager/get?secretId=shape/obj&jsonKey=username&valueOnly=true", "app", ctypeText},
		{"valueOnly string", "/secretsmanager/get?secretId=shape/text&valueOnly=true", textSecret, ctypeText},
		{"valueOnly JSON string as it is", "/secretsmanager/get?secretId=shape/obj&valueOnly=1", objSecret, ctypeText},
		{"valueOnly binary", "/secretsmanager/get?secretId=bin&valueOnly=true", string(binaryValue), ctypeOctet},
		{"valueOnly agent with a stage", "/v1/app/db?versionStage=AWSPREVIOUS&valueOnly=true", dbSecret, ctypeText},
		{"valueOnly parameter", "/systemsmanager/parameters/get?name=/app/host&valueOnly=true", hostValueNew, ctypeText},
		{"valueOnly SecureString decrypted", "/systemsmanager/parameters/get?name=/app/pass&withDecryption=true&valueOnly=true", passValue, ctypeText},
		{"valueOnly labelled parameter", "/systemsmanager/parameters/get?name=/app/host&label=prod&valueOnly=true", hostValue, ctypeText},
		{"valueOnly=false is the full answer", "/systemsmanager/parameters/get?name=/app/list&valueOnly=false", "", "application/json"},
		{"empty jsonKey is absent", "/secretsmanager/get?secretId=shape/text&jsonKey=", "", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(t, tt.target)
			wantStatus(t, r, http.StatusOK, "")
			if ct := r.header.Get("Content-Type"); ct != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", ct, tt.ctype)
			}
			if tt.body != "" && string(r.body) != tt.body {
				t.Errorf("body = %q, want %q", r.body, tt.body)
			}
			if r.header.Get("X-Cache") == "" {
				t.Error("no X-Cache header")
			}
		})
	}
}

// TestShapedReadsShareTheEntry: the full read, then every shape of it, make
// one upstream call between them, and a shaped read first fills the entry
// the full read then hits.
func TestShapedReadsShareTheEntry(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedShapes(t, e)
	seedAll(t, e)
	wantCache(t, e.get(t, "/secretsmanager/get?secretId=shape/obj&jsonKey=username"), "miss")
	for _, target := range []string{
		"/secretsmanager/get?secretId=shape/obj",
		"/secretsmanager/get?secretId=shape/obj&jsonKey=password",
		"/secretsmanager/get?secretId=shape/obj&valueOnly=true",
		"/v1/shape/obj?jsonKey=port",
	} {
		wantCache(t, e.get(t, target), "hit")
	}
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/host&valueOnly=true"), "miss")
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/host"), "hit")
	if n := e.calls(opGSV); n != 1 {
		t.Errorf("GetSecretValue calls = %d, want 1", n)
	}
	if n := e.calls(opGP); n != 1 {
		t.Errorf("GetParameter calls = %d, want 1", n)
	}
}

// TestShapingErrors: a secret that cannot be shaped as asked is a 400 naming
// the key, never showing any part of the value; and the options are refused
// where they do not apply.
func TestShapingErrors(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	seedShapes(t, e)
	const sm, ps = "InvalidParameterException", "ValidationException"
	tests := []struct {
		name, target, code, mention string
	}{
		{"missing key", "/secretsmanager/get?secretId=shape/obj&jsonKey=passwd", sm, `"passwd"`},
		{"key case matters", "/secretsmanager/get?secretId=shape/obj&jsonKey=Password", sm, `"Password"`},
		{"not JSON", "/secretsmanager/get?secretId=shape/text&jsonKey=user", sm, "not a JSON object"},
		{"a JSON array", "/secretsmanager/get?secretId=shape/list&jsonKey=0", sm, "not a JSON object"},
		{"binary", "/secretsmanager/get?secretId=bin&jsonKey=user", sm, "binary"},
		{"jsonKey with valueOnly=false", "/secretsmanager/get?secretId=shape/obj&jsonKey=username&valueOnly=false", sm, "valueOnly=false"},
		{"bad valueOnly", "/secretsmanager/get?secretId=shape/obj&valueOnly=yes", sm, "valueOnly"},
		{"jsonKey on a parameter", "/systemsmanager/parameters/get?name=/app/host&jsonKey=a", ps, "jsonKey"},
		{"valueOnly on by-path", "/systemsmanager/parameters/get-by-path?path=/app&valueOnly=true", ps, "valueOnly"},
		{"valueOnly on batch-get", "/secretsmanager/batch-get?secretIds=app/db&valueOnly=true", sm, "valueOnly"},
		{"jsonKey on batch-get", "/secretsmanager/batch-get?secretIds=app/db&jsonKey=a", sm, "jsonKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(t, tt.target)
			wantStatus(t, r, http.StatusBadRequest, tt.code)
			if msg, _ := r.json(t)["message"].(string); !strings.Contains(msg, tt.mention) {
				t.Errorf("error %q does not mention %s", msg, tt.mention)
			}
			for _, v := range []string{"SHAPE", textSecret, "shape-elem", "s3cr3t-db-pw", "n3w-db-pw", "5432"} {
				if strings.Contains(string(r.body), v) {
					t.Errorf("error shows part of a value (%q): %s", v, r.body)
				}
			}
		})
	}
	if logs := e.logs.String(); strings.Contains(logs, "SHAPE") || strings.Contains(logs, "plain-shape") || strings.Contains(logs, "shape-elem") {
		t.Errorf("log shows a value:\n%s", logs)
	}
}
