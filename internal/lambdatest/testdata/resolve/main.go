// Command resolve is a Lambda function for the lambdatest tests: it looks up
// a host name with Go's own resolver (the bootstrap is static, CGO_ENABLED=0,
// as the rotators are) and answers with the addresses, or the error.
package main

import (
	"context"
	"net"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Name string `json:"name"`
}

type response struct {
	Addrs []string `json:"addrs"`
	Error string   `json:"error,omitempty"`
}

func handle(ctx context.Context, ev event) (response, error) {
	addrs, err := net.DefaultResolver.LookupHost(ctx, ev.Name)
	if err != nil {
		return response{Error: err.Error()}, nil
	}
	return response{Addrs: addrs}, nil
}

func main() { lambda.Start(handle) }
