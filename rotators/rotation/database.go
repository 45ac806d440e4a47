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
	// LoginRefused reports whether err, from Ping, is the server refusing the credential
	// (a wrong password, or a user it does not know): on a read replica that is what a
	// change not yet replicated looks like, so testSecret tries again there.
	LoginRefused(err error) bool
	// SetPassword logs in as login and sets user's password to password. In single-user
	// rotation login is the current (or previous) secret and user is login.Username.
	SetPassword(ctx context.Context, login Secret, user, password string) error
	// SyncClone logs in as master and makes p.Pending's user a login with p.Pending's
	// password and the privileges of the pair's base user (the one without "_clone"): it
	// creates the clone when missing, else sets its password (an adapter may also re-sync
	// what the clone inherits). An existing clone the adapter cannot show to be one — an
	// account of that name the rotation did not make — is refused, unchanged.
	SyncClone(ctx context.Context, master Secret, p Pair) error
}

// Pair is what alternating users' setSecret hands to SyncClone.
type Pair struct {
	// Current is the user clients hold now, x or x_clone; its credential logs in.
	Current Secret
	// Pending is the other user, with the password to give it.
	Pending Secret
	// Previous is the rotated secret's AWSPREVIOUS value when it names Pending's user on
	// the same server, else the zero Secret: a password of that user the secret held. On
	// the turn back to the base user the engine has checked that it logs in (the proof
	// that the secret held x); on the way to the clone it is the clone's password from
	// the rotation before, not checked.
	Previous Secret
}
