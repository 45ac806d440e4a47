package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCredentialsIsSaidInWords runs the extension standalone on a machine with no
// AWS credentials anywhere (no variables, no shared files, an instance metadata
// service that knows no role) and reads a secret: the answer must say that no
// credentials were found and what to set, not relay the metadata service's failure.
func TestNoCredentialsIsSaidInWords(t *testing.T) {
	imds := httptest.NewServer(http.NotFoundHandler())
	defer imds.Close()
	home := t.TempDir()
	p := runBinary(t, binary, map[string]string{
		"HOME": home, "AWS_SESSION_TOKEN": testToken, "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT":      imds.URL,
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": freePort(t),
	})
	p.waitHealthy(t)
	code, body, hdr := p.get(t, "/secretsmanager/get?secretId=demo/db", testToken)
	if code < 400 || !strings.Contains(body, "no AWS credentials found (") || !strings.Contains(body, "AWS_ACCESS_KEY_ID") {
		t.Fatalf("GET secret = %d %s, want an error saying no AWS credentials were found and what to set", code, body)
	}
	if strings.Contains(strings.ToLower(body), "imds") {
		t.Errorf("answer %s still relays the metadata service's failure", body)
	}
	t.Logf("answer: %d %s %s", code, hdr.Get("X-Amzn-ErrorType"), body)
}
