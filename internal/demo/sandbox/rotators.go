package sandbox

import (
	"github.com/paramsecrets/paramsecrets/localaws"
)

// Engine names as the secrets carry them ("engine").
const (
	EnginePostgres = "postgres"
	EngineMySQL    = "mysql"
)

// Names shared by the demo, the tests and events/.
const (
	// StackName prefixes the function names, as `sam deploy --stack-name
	// paramsecrets` would (template.yaml names them ${AWS::StackName}-...).
	StackName = "paramsecrets"
	// ParameterName is the plain parameter the example function reads.
	ParameterName = "/demo/db/host"
	// Database is the database every demo user owns a share of.
	Database = "appdb"
)

// Rotator is one of the four rotation functions and the demo secret it
// rotates.
type Rotator struct {
	// Name is the package under rotators/ and the events/ directory.
	Name string
	// Engine is the secret's engine.
	Engine string
	// Alternating is true for the alternating-users scheme (a master secret
	// creates name_clone), false for single user.
	Alternating bool
	// BaseUser is the database user the demo secret starts with.
	BaseUser string
	// LogicalID is the function's resource in template.yaml, the name
	// `sam local invoke` and env.json use.
	LogicalID string
}

// Rotators lists the four rotators in the order the demo runs them.
func Rotators() []Rotator {
	return []Rotator{
		{Name: "postgres-single-user", Engine: EnginePostgres, BaseUser: "app", LogicalID: "PostgresSingleUserRotator"},
		{Name: "postgres-alternating-users", Engine: EnginePostgres, Alternating: true, BaseUser: "reporter", LogicalID: "PostgresAlternatingUsersRotator"},
		{Name: "mysql-single-user", Engine: EngineMySQL, BaseUser: "app", LogicalID: "MySQLSingleUserRotator"},
		{Name: "mysql-alternating-users", Engine: EngineMySQL, Alternating: true, BaseUser: "reporter", LogicalID: "MySQLAlternatingUsersRotator"},
	}
}

// SecretName is the demo secret this rotator rotates.
func (r Rotator) SecretName() string { return "demo/" + r.Name }

// SecretPartialARN is the secret's ARN without the six random characters
// Secrets Manager appends. The recorded events use it: the suffix differs on
// every CreateSecret, and both AWS and localaws resolve a partial ARN.
func (r Rotator) SecretPartialARN() string { return PartialSecretARN(r.SecretName()) }

// FunctionARN is the rotation function's ARN, as deployed by template.yaml
// under StackName.
func (r Rotator) FunctionARN() string {
	return "arn:aws:lambda:" + localaws.DefaultRegion + ":" + localaws.DefaultAccountID + ":function:" + StackName + "-" + r.Name
}

// Package is the Go package that builds the rotator's bootstrap.
func (r Rotator) Package() string { return module + "/rotators/" + r.Name }

// MasterSecretName is the secret holding the engine's superuser, which the
// alternating-users rotators log in with (the secret's "masterarn").
func MasterSecretName(engine string) string { return "demo/" + engine + "-master" }

// PartialSecretARN is the ARN of a secret named name without its random
// suffix.
func PartialSecretARN(name string) string {
	return "arn:aws:secretsmanager:" + localaws.DefaultRegion + ":" + localaws.DefaultAccountID + ":secret:" + name
}

// module is the import path prefix of the suite's packages. Builds use full
// import paths so they work from any directory inside the module.
const module = "github.com/paramsecrets/paramsecrets"
