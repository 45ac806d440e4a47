// Command mysql-single-user is the MySQL and MariaDB single-user rotation function, a drop-in
// replacement for AWS's SecretsManagerRDSMySQLRotationSingleUser template (same secret JSON,
// environment variables and staging labels). Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/mysql-single-user
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
	r, err := rotation.NewFromEnv(context.Background(), rotation.SingleUser(), mysql.New(cfg), mysql.DefaultExcludeCharacters)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(r.Handle)
}
