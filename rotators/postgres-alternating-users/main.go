// Command postgres-alternating-users is the PostgreSQL alternating-users rotation
// function, a drop-in replacement for AWS's SecretsManagerRDSPostgreSQLRotationMultiUser
// template: two users, name and name_clone, take turns.
// Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/postgres-alternating-users
package main

import (
	"github.com/paramsecrets/paramsecrets/rotators/postgres"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func main() {
	rotation.Main(rotation.AlternatingUsers(), postgres.FromEnv, postgres.DefaultExcludeCharacters)
}
