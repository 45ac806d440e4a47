// Command echo is a Lambda function for the lambdatest tests: it answers
// with its event and the value of GREETING, and fails or dawdles when
// asked to.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Message string `json:"message"`
	Fail    bool   `json:"fail"`
	// SleepMillis delays the answer, to run past the function timeout.
	SleepMillis int `json:"sleepMillis"`
}

type response struct {
	Event    event  `json:"event"`
	Greeting string `json:"greeting"`
	Function string `json:"function"`
}

func handle(_ context.Context, raw json.RawMessage) (response, error) {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return response{}, err
	}
	time.Sleep(time.Duration(ev.SleepMillis) * time.Millisecond)
	if ev.Fail {
		return response{}, errors.New("asked to fail: " + ev.Message)
	}
	return response{Event: ev, Greeting: os.Getenv("GREETING"), Function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME")}, nil
}

func main() { lambda.Start(handle) }
