package rotation

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paramsecrets/paramsecrets/internal/version"
)

// Main is the whole of a rotation function's main: it builds the database adapter
// from the environment (newDB), the Secrets Manager client and password settings
// (NewFromEnv), and serves Lambda's invokes with strategy. A bad setting ends the
// process before the first invoke, so Lambda reports an init error naming it.
//
// With the single argument -version it prints the rotator's name and the suite version
// and exits (Lambda starts a bootstrap with no arguments).
func Main(strategy Strategy, newDB func(getenv func(string) string) (Database, error), defaultExclude string) {
	if version.Requested(os.Args[1:]) {
		version.Print(os.Stdout, version.Program())
		return
	}
	db, err := newDB(os.Getenv)
	if err != nil {
		log.Fatalf("configuration: %v", err)
	}
	r, err := NewFromEnv(context.Background(), strategy, db, defaultExclude)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(r) // Rotator.Invoke: the payload decoded here, errors with a readable errorType
}
