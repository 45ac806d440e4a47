package sandbox

import (
	"encoding/json"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// The RDS chapter: most RDS databases keep their master password in a secret RDS
// manages, which holds only username and password and names its database by a system
// tag. The demo's PostgreSQL stands for the RDS instance RDSInstanceID, at an RDS
// endpoint name that the rotator's private /etc/hosts maps to the server's address.
const (
	// RDSInstanceID is the DB instance localaws declares for the demo's PostgreSQL.
	RDSInstanceID = "demo-pg"
	// RDSInstanceAddress is its endpoint, as RDS names one.
	RDSInstanceAddress = "demo-pg.c9xyz." + localaws.DefaultRegion + ".rds.amazonaws.com"
	// ManagedMasterSecretName is the master secret as RDS names and fills it:
	// {"username", "password"} and the tag aws:rds:primarydbinstancearn.
	ManagedMasterSecretName = "rds!db-demo-pg"
	// RDSSecretName is the user secret whose masterarn is the managed master secret,
	// rotated by postgres-alternating-users; events/postgres-rds/ rotates it once.
	RDSSecretName = "demo/postgres-rds"
	// RDSEventsDir is its directory under events/.
	RDSEventsDir = "postgres-rds"
	// RDSBaseUser is the database user RDSSecretName starts with.
	RDSBaseUser = "analyst"
	// tagPrimaryInstanceARN is the system tag RDS puts on the master secret.
	tagPrimaryInstanceARN = "aws:rds:primarydbinstancearn"
)

// RDSInstanceARN is the ARN the managed master secret's tag holds.
func RDSInstanceARN() string {
	return "arn:aws:rds:" + localaws.DefaultRegion + ":" + localaws.DefaultAccountID + ":db:" + RDSInstanceID
}

// RDSRotator is the rotator of RDSSecretName: postgres-alternating-users.
func RDSRotator() Rotator { return Rotators()[1] }

// RDSRotatorOptions is RotatorOptions for the RDS chapter: postgres-alternating-users
// with RDSInstanceAddress resolving to the demo's PostgreSQL (a private /etc/hosts,
// which needs mount namespaces, as the layer at /opt does).
func (b *Binaries) RDSRotatorOptions(c *Cloud, d *Databases) lambdatest.Options {
	opts := b.RotatorOptions(c, RDSRotator())
	opts.Hosts = map[string]string{RDSInstanceAddress: d.Postgres.Host}
	return opts
}

// rdsSeed adds the RDS chapter to a seed: the instance at RDSInstanceAddress on port,
// the managed master secret of the superuser master, and RDSSecretName for the database
// user analyst (created by the caller) with password. ssl is as for the other secrets.
func rdsSeed(sd *localaws.Seed, port int, master, masterPassword, analyst, password string, ssl *bool) {
	sd.RDS = &localaws.SeedRDS{Instances: []localaws.SeedDBInstance{{
		ID: RDSInstanceID, Engine: EnginePostgres, Address: RDSInstanceAddress, Port: port,
	}}}
	creds, _ := json.Marshal(map[string]string{"username": master, "password": masterPassword}) // strings always marshal
	sd.Secrets = append(sd.Secrets,
		localaws.SeedSecret{Name: ManagedMasterSecretName, SecretString: new(string(creds)),
			Description: "master user secret managed by RDS (username and password only)",
			Tags: []localaws.SeedTag{
				{Key: tagPrimaryInstanceARN, Value: RDSInstanceARN()},
				{Key: "aws:secretsmanager:owningService", Value: "rds"},
			}},
		localaws.SeedSecret{Name: RDSSecretName, RotationLambdaARN: RDSRotator().FunctionARN(),
			Description: "demo credentials on RDS, rotated by postgres-alternating-users with the managed master secret",
			SecretString: secretValue(EnginePostgres, RDSInstanceAddress, port, analyst, password, Database,
				PartialSecretARN(ManagedMasterSecretName), ssl)},
	)
}
