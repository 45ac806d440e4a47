// Command postgres-single-user is the PostgreSQL single-user rotation function, a
// drop-in replacement for AWS's SecretsManagerRDSPostgreSQLRotationSingleUser template.
// Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/postgres-single-user
package main

import (
	"github.com/paramsecrets/paramsecrets/rotators/postgres"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func main() {
	rotation.Main(rotation.SingleUser(), postgres.FromEnv, postgres.DefaultExcludeCharacters)
}
