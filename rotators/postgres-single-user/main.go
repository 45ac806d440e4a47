// Command postgres-single-user is the PostgreSQL single-user rotation function, a
// drop-in replacement for AWS's SecretsManagerRDSPostgreSQLRotationSingleUser template.
// Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/postgres-single-user
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/paramsecrets/paramsecrets/rotators/postgres"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func main() {
	opts, err := postgres.OptionsFromEnv(os.Getenv)
	if err != nil {
		log.Fatalf("configuration: %v", err)
	}
	r, err := rotation.NewFromEnv(context.Background(), rotation.SingleUser(), postgres.New(opts), postgres.DefaultExcludeCharacters)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(r.Handle)
}
