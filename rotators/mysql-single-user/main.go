// Command mysql-single-user is the MySQL and MariaDB single-user rotation function, a drop-in
// replacement for AWS's SecretsManagerRDSMySQLRotationSingleUser template (same secret JSON,
// environment variables and staging labels). Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/mysql-single-user
package main

import (
	"github.com/paramsecrets/paramsecrets/rotators/mysql"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func main() {
	rotation.Main(rotation.SingleUser(), mysql.FromEnv, mysql.DefaultExcludeCharacters)
}
