// Package rotation is the engine of the Secrets Manager rotation functions: it checks the
// rotation event against DescribeSecret, runs the four steps (createSecret, setSecret,
// testSecret, finishSecret) and generates passwords. It knows nothing of any database;
// an engine adapter implements Database (see rotators/postgres and rotators/mysql).
//
// The contract is AWS's: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
// and the behaviour matches AWS's Python templates (SecretsManagerRDS*RotationSingleUser
// and ...MultiUser), so a function built on it is a drop-in replacement.
package rotation
