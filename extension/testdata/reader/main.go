// Command reader is a test function that reads a secret through the extension,
// once during its init and once per invoke, and reports how each read was
// answered (the X-Cache header) — never the value.
//
// It reads demo/db, or READER_SECRET_ID when set; with READER_ROLES (a comma
// list of role ARNs) it first reads the secret as each role (roleArn=),
// reported as "init as ROLE" and "invoke as ROLE".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type read struct {
	Status   int    `json:"status"`
	Cache    string `json:"cache"`
	Code     string `json:"code,omitempty"` // X-Amzn-ErrorType of an error
	Username string `json:"username"`
	Err      string `json:"err,omitempty"`
}

func readSecret(id, role string) read {
	u := fmt.Sprintf("http://127.0.0.1:%s/secretsmanager/get?secretId=%s", os.Getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"), url.QueryEscape(id))
	if role != "" {
		u += "&roleArn=" + url.QueryEscape(role)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("X-Aws-Parameters-Secrets-Token", os.Getenv("AWS_SESSION_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return read{Err: err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct{ SecretString string }
	json.Unmarshal(body, &out)
	var cred struct{ Username string }
	json.Unmarshal([]byte(out.SecretString), &cred)
	return read{Status: resp.StatusCode, Cache: resp.Header.Get("X-Cache"), Code: resp.Header.Get("X-Amzn-ErrorType"), Username: cred.Username}
}

// readAll reads the secret as each role, then as the function, into reads
// under "<when> as <role>" and "<when>".
func readAll(when string, reads map[string]read) {
	id := os.Getenv("READER_SECRET_ID")
	if id == "" {
		id = "demo/db"
	}
	if roles := os.Getenv("READER_ROLES"); roles != "" {
		for _, role := range strings.Split(roles, ",") {
			reads[when+" as "+role] = readSecret(id, role)
		}
	}
	reads[when] = readSecret(id, "")
}

func main() {
	atInit := map[string]read{}
	readAll("init", atInit)
	lambda.Start(func(ctx context.Context) (map[string]read, error) {
		reads := map[string]read{}
		for k, v := range atInit {
			reads[k] = v
		}
		readAll("invoke", reads)
		return reads, nil
	})
}
