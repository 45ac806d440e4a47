package rotation

import "context"

// Database is what an engine adapter provides to the engine. The engine decides which
// credentials to use and in which order; the adapter only talks to the database.
//
// Every method logs in itself and closes its connection before returning, so a warm
// Lambda keeps no connection (and no credential) between invocations. Errors name what
// failed and never contain a password.
type Database interface {
	// Engines lists the accepted values of the secret's "engine" key.
	Engines() []string
	// DefaultPort is used when the secret has no "port" (5432 for PostgreSQL).
	DefaultPort() int
	// MaxUsernameLength bounds the clone's username (63 bytes for PostgreSQL).
	MaxUsernameLength() int
	// Ping logs in as s and runs a trivial query: testSecret, and setSecret's
	// "does the pending credential already work?".
	Ping(ctx context.Context, s Secret) error
	// SetPassword logs in as login and sets user's password to password. In single-user
	// rotation login is the current (or previous) secret and user is login.Username.
	SetPassword(ctx context.Context, login Secret, user, password string) error
	// SyncClone logs in as master and makes clone.Username a login with clone.Password and
	// the same privileges as base.Username: it creates the clone when missing, else only
	// sets its password (an adapter may also re-sync what the clone inherits).
	SyncClone(ctx context.Context, master, base, clone Secret) error
}
