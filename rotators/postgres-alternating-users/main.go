// Command postgres-alternating-users is the PostgreSQL alternating-users rotation
// function, a drop-in replacement for AWS's SecretsManagerRDSPostgreSQLRotationMultiUser
// template: two users, name and name_clone, take turns.
// Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/postgres-alternating-users
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
	r, err := rotation.NewFromEnv(context.Background(), rotation.AlternatingUsers(), postgres.New(opts), postgres.DefaultExcludeCharacters)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(r.Handle)
}
