// Command mysql-alternating-users is the MySQL and MariaDB alternating-users rotation function, a drop-in
// replacement for AWS's SecretsManagerRDSMySQLRotationMultiUser template (same secret JSON,
// environment variables and staging labels). Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/mysql-alternating-users
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/paramsecrets/paramsecrets/rotators/mysql"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func main() {
	cfg, err := mysql.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatalf("configuration: %v", err)
	}
	r, err := rotation.NewFromEnv(context.Background(), rotation.AlternatingUsers(), mysql.New(cfg), mysql.DefaultExcludeCharacters)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(r.Handle)
}
