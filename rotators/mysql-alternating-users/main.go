// Command mysql-alternating-users is the MySQL and MariaDB alternating-users rotation function, a drop-in
// replacement for AWS's SecretsManagerRDSMySQLRotationMultiUser template (same secret JSON,
// environment variables and staging labels). Build it as the custom runtime's bootstrap:
//
//	GOOS=linux CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./rotators/mysql-alternating-users
package main

import (
	"github.com/paramsecrets/paramsecrets/rotators/mysql"
	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

func main() {
	rotation.Main(rotation.AlternatingUsers(), mysql.FromEnv, mysql.DefaultExcludeCharacters)
}
