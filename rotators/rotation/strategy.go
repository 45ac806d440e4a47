package rotation

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Strategy is a rotation scheme: which user the pending version names and how setSecret
// gives it its password. SingleUser and AlternatingUsers are AWS's two schemes.
type Strategy interface {
	// PendingUsername is the username createSecret writes into the pending version.
	PendingUsername(current string, maxLen int) (string, error)
	// CheckPending refuses a pending version whose username this scheme must not touch.
	CheckPending(current, pending Secret, maxLen int) error
	// Primary is where setSecret makes the change for a secret pointing at current's host
	// (that host, or the primary of a replica), or an error refusing the host. It runs
	// before any login; the engine passes the answer on in SetEnv (OnPrimary).
	Primary(ctx context.Context, env *SetEnv, current Secret) (Endpoint, error)
	// SetSecret makes pending's password work in the database. The engine has already
	// checked that pending names the same server and database as current and that it does
	// not log in yet on the primary.
	SetSecret(ctx context.Context, env *SetEnv, current, pending Secret) error
}

// SetEnv is what a Strategy's SetSecret may use: the rotated secret's id, the database
// adapter, where the change is made, and reads of other versions and secrets held to the
// engine's checks. The engine makes one per setSecret invocation.
type SetEnv struct {
	SecretID string
	r        *Rotator
	primary  Endpoint // from Strategy.Primary
	master   *Secret  // Master's answer, once read
}

// DB is the engine adapter.
func (e *SetEnv) DB() Database { return e.r.db }

// GetSecret reads a version of secret id by stage, checked like the rotated secret. An
// error names id when it is another secret (the master); the rotated one is named once,
// by the step.
func (e *SetEnv) GetSecret(ctx context.Context, id, stage string) (Secret, error) {
	s, err := e.r.getChecked(ctx, id, stage, "")
	if err != nil && id != e.SecretID {
		return s, fmt.Errorf("secret %s: %w", id, err)
	}
	return s, err
}

// SameTarget refuses got when it names another host, port, database or engine than want.
func (e *SetEnv) SameTarget(want, got Secret) error { return e.r.sameTarget(want, got) }

// SingleUser is AWS's single-user scheme: the user logs in with its current password (or,
// after an interrupted rotation, its previous one) and changes its own password. Open
// connections keep working; new logins with the old password fail at once.
func SingleUser() Strategy { return singleUser{} }

type singleUser struct{}

func (singleUser) PendingUsername(current string, _ int) (string, error) { return current, nil }

func (singleUser) CheckPending(current, pending Secret, _ int) error {
	if pending.Username != current.Username {
		return fmt.Errorf("username %q differs from the current user %q", pending.Username, current.Username)
	}
	return nil
}

func (singleUser) SetSecret(ctx context.Context, env *SetEnv, current, pending Secret) error {
	db := env.DB()
	// On a replica the change is made on its primary, where the same user logs in.
	current = env.OnPrimary(current)
	// The common case costs one login: change the password as the current user. Only
	// when that fails does a Ping tell a refused login from a refused change.
	errSet := db.SetPassword(ctx, current, pending.Username, pending.Password)
	if errSet == nil {
		return nil
	}
	errCurrent := db.Ping(ctx, current)
	if errCurrent == nil {
		return fmt.Errorf("set the password of %q: %w", pending.Username, errSet)
	}
	// AWSPREVIOUS matters when a rotation set a password and then failed before
	// finishSecret while AWSPENDING moved on: the database may still hold it.
	previous, err := env.GetSecret(ctx, env.SecretID, StagePrevious)
	if err != nil {
		return fmt.Errorf("log in with the current credential: %w (and no usable AWSPREVIOUS: %v)", errCurrent, err)
	}
	// As in AWS's template, the previous version is tried with the current TLS setting.
	previous.SSL = current.SSL
	if previous.Username != pending.Username {
		return fmt.Errorf("AWSPREVIOUS username %q differs from the pending user %q", previous.Username, pending.Username)
	}
	if err := env.SameTarget(pending, previous); err != nil {
		return fmt.Errorf("AWSPREVIOUS value: %w", err)
	}
	previous = env.OnPrimary(previous)
	if err := db.SetPassword(ctx, previous, pending.Username, pending.Password); err != nil {
		return fmt.Errorf("log in with the current credential: %w; set the password as the previous user: %v", errCurrent, err)
	}
	return nil
}

// CloneSuffix turns a username into its alternate, and back.
const CloneSuffix = "_clone"

// AlternateUsername returns name without "_clone" when it has the suffix, else name with
// it; the result must fit maxLen bytes (PostgreSQL's NAMEDATALEN-1 is 63).
func AlternateUsername(name string, maxLen int) (string, error) {
	if base, ok := strings.CutSuffix(name, CloneSuffix); ok {
		if base == "" {
			return "", fmt.Errorf("username %q has nothing before %q", name, CloneSuffix)
		}
		return base, nil
	}
	alt := name + CloneSuffix
	if maxLen > 0 && len(alt) > maxLen {
		return "", fmt.Errorf("username %q with %q appended is %d bytes, over the limit of %d", name, CloneSuffix, len(alt), maxLen)
	}
	return alt, nil
}

// AlternatingUsers is AWS's alternating-users scheme (the "MultiUser" templates): two
// users, name and name_clone, take turns. The master user (the secret named by
// "masterarn") creates the clone as a member of the base user's role and sets the pending
// user's password, so the user that clients hold stays valid until the next rotation.
func AlternatingUsers() Strategy { return alternatingUsers{} }

type alternatingUsers struct{}

func (alternatingUsers) PendingUsername(current string, maxLen int) (string, error) {
	return AlternateUsername(current, maxLen)
}

func (alternatingUsers) CheckPending(current, pending Secret, maxLen int) error {
	alt, err := AlternateUsername(current.Username, maxLen)
	if err != nil {
		return err
	}
	if pending.Username != alt {
		return fmt.Errorf("username %q is not the alternate %[3]q of the current user %[2]q", pending.Username, current.Username, alt)
	}
	return nil
}

// errNoMaster is returned when an alternating-users secret has no masterarn.
var errNoMaster = withKind(ErrorInvalidSecretValue,
	errors.New(`key "masterarn" is missing from the current value: alternating users needs a master secret`))

func (alternatingUsers) SetSecret(ctx context.Context, env *SetEnv, current, pending Secret) error {
	db := env.DB()
	// The current credential must work before the master acts on its behalf: otherwise
	// anyone able to write this secret could have the master create users at will.
	if err := db.Ping(ctx, current); err != nil {
		return fmt.Errorf("log in with the current credential: %w", err)
	}
	previous, err := previousOf(ctx, env, current, pending)
	if err != nil {
		return err
	}
	master, err := env.Master(ctx, current.MasterARN) // Primary has checked its host
	if err != nil {
		return err
	}
	// The master acts in the rotated user's database, as in AWS's template.
	master.DBName = current.DBName
	// The master's connection carries the new password (or its hash) to the server: when
	// the rotated secret requires TLS, so does the master login, whatever the master
	// secret's own ssl key says, or one stripped TLS handshake would expose it.
	if current.SSL == SSLRequired {
		master.SSL = SSLRequired
	}
	// The pair is handed over on the master's server: for a secret on a replica, the
	// adapter's own logins as the users (to find the entries the secret holds) go to the
	// primary too, where the change is made.
	p := Pair{Current: env.OnPrimary(current), Pending: env.OnPrimary(pending)}
	if previous.Username != "" {
		p.Previous = env.OnPrimary(previous)
	}
	if err := db.SyncClone(ctx, master, p); err != nil {
		return fmt.Errorf("as master from %s, set up %q: %w", current.MasterARN, pending.Username, err)
	}
	return nil
}

// previousOf reads the AWSPREVIOUS value that SyncClone gets with the pair: the pending
// user's credential from the rotation before, when the secret holds one.
//
// On the turn back from name_clone to name it is required. There the master sets the
// password of the base user — the account whose privileges the clone copies — and a
// secret that merely names some "admin_clone" must not get the master to hand over
// admin's password. So the secret must show it held the base user's credential: its
// AWSPREVIOUS version, left by the rotation that moved to the clone, names the base user
// on the same server and still logs in.
//
// On the way to the clone it is optional and not checked here: an adapter may use it to
// tell the secret's own clone from an account it did not make.
func previousOf(ctx context.Context, env *SetEnv, current, pending Secret) (Secret, error) {
	if base, ok := strings.CutSuffix(current.Username, CloneSuffix); !ok || base != pending.Username {
		previous, err := env.GetSecret(ctx, env.SecretID, StagePrevious)
		if err != nil || previous.Username != pending.Username || env.SameTarget(current, previous) != nil {
			return Secret{}, nil
		}
		return previous, nil
	}
	refuse := func(why string, err error) (Secret, error) {
		msg := fmt.Sprintf("the master sets the password of %q (the base of the current user %q) only when AWSPREVIOUS holds %q's working credential, as the rotation to the clone leaves it: %s",
			pending.Username, current.Username, pending.Username, why)
		if err != nil {
			return Secret{}, fmt.Errorf("%s: %w", msg, err)
		}
		return Secret{}, errors.New(msg)
	}
	previous, err := env.GetSecret(ctx, env.SecretID, StagePrevious)
	if err != nil {
		return refuse("no usable AWSPREVIOUS", err)
	}
	if previous.Username != pending.Username {
		return refuse(fmt.Sprintf("AWSPREVIOUS names %q", previous.Username), nil)
	}
	if err := env.SameTarget(current, previous); err != nil {
		return refuse("AWSPREVIOUS points elsewhere", err)
	}
	if err := env.DB().Ping(ctx, previous); err != nil {
		return refuse("AWSPREVIOUS does not log in", err)
	}
	return previous, nil
}
