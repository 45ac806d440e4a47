// Command reader is a test function that reads a secret through the extension,
// once during its init and once per invoke, and reports how each read was
// answered (the X-Cache header) — never the value.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type read struct {
	Status   int    `json:"status"`
	Cache    string `json:"cache"`
	Username string `json:"username"`
	Err      string `json:"err,omitempty"`
}

func readSecret(id string) read {
	url := fmt.Sprintf("http://127.0.0.1:%s/secretsmanager/get?secretId=%s", os.Getenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"), id)
	req, _ := http.NewRequest(http.MethodGet, url, nil)
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
	return read{Status: resp.StatusCode, Cache: resp.Header.Get("X-Cache"), Username: cred.Username}
}

func main() {
	atInit := readSecret("demo/db")
	lambda.Start(func(ctx context.Context) (map[string]read, error) {
		return map[string]read{"init": atInit, "invoke": readSecret("demo/db")}, nil
	})
}
