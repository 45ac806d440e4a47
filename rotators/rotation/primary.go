package rotation

import (
	"context"
	"fmt"
)

// OnPrimary returns s pointed at the server where setSecret makes its change (see
// Strategy.Primary): s itself unless the secret's host is a read replica or an Aurora
// reader.
func (e *SetEnv) OnPrimary(s Secret) Secret { return s.at(e.primary) }

// Master reads the AWSCURRENT value of the master secret arn, checked like the rotated
// secret. An RDS-managed master secret, which holds only username and password, is first
// completed from its system tag (completeManagedMaster). The value is read once per step.
func (e *SetEnv) Master(ctx context.Context, arn string) (Secret, error) {
	if e.master != nil {
		return *e.master, nil
	}
	wrap := func(err error) error { return fmt.Errorf("master secret %s: %w", arn, err) }
	s, err := getSecret(ctx, e.r.sm, arn, StageCurrent, "")
	if err != nil {
		return Secret{}, wrap(err)
	}
	if s.onlyCredentials() {
		if s, err = e.r.completeManagedMaster(ctx, arn, s); err != nil {
			return Secret{}, wrap(err)
		}
	}
	if err := e.r.checkSecret(s); err != nil {
		return Secret{}, wrap(withKind(ErrorInvalidSecretValue, fmt.Errorf("%s value: %w", StageCurrent, err)))
	}
	e.master = &s
	return s, nil
}

// Primary is where a single user changes its own password: its own server, or, when RDS
// says the secret's host is a read replica or an Aurora reader, the primary that takes
// its writes (a replica is read-only). Only a host that may be an RDS endpoint is looked
// up; when RDS cannot answer (no permission, no route) the host is taken as it is, with a
// warning: on a replica the change then fails as it would have before.
func (singleUser) Primary(ctx context.Context, env *SetEnv, current Secret) (Endpoint, error) {
	own := env.r.endpointOf(current)
	rep, err := env.r.replicaOf(ctx, own)
	if err != nil {
		env.r.log.Warn("could not ask RDS whether the host is a read replica; changing the password there",
			"step", StepSet, "secret", env.SecretID, "host", own.String(), "error", err)
		return own, nil
	}
	if rep == nil {
		return own, nil
	}
	env.r.log.Info("the host is "+rep.what+"; changing the password on its primary",
		"step", StepSet, "secret", env.SecretID, "host", own.String(), "primary", rep.primaries[0].String())
	return rep.primaries[0], nil
}

// Primary is the master's server. The rotated secret must be on it, or, as AWS's
// templates allow, on a read replica of the master's instance or an Aurora reader (the
// reader endpoint or a reader instance) of its cluster: the master then acts on the
// primary and the change replicates. Any other host is refused here, before the
// current, pending or master credential is sent anywhere.
func (alternatingUsers) Primary(ctx context.Context, env *SetEnv, current Secret) (Endpoint, error) {
	if current.MasterARN == "" {
		return Endpoint{}, errNoMaster
	}
	master, err := env.Master(ctx, current.MasterARN)
	if err != nil {
		return Endpoint{}, err
	}
	at, own := env.r.endpointOf(master), env.r.endpointOf(current)
	if sameEndpoint(at, own) {
		return at, nil
	}
	refuse := func(why string) error {
		return withKind(ErrorInvalidSecretValue, fmt.Errorf("master secret %s is for %s, not the current host %s, %s",
			current.MasterARN, at, own, why))
	}
	rep, err := env.r.replicaOf(ctx, own)
	switch {
	case err != nil:
		return Endpoint{}, refuse(fmt.Sprintf("and RDS could not tell whether that is a replica of it: %v", err))
	case rep == nil:
		return Endpoint{}, refuse("nor a read replica or Aurora reader of it")
	case !rep.isPrimary(at):
		return Endpoint{}, refuse(fmt.Sprintf("and %s is %s, whose primary is %s", own, rep.what, rep.primaries[0]))
	}
	env.r.log.Info("the host is "+rep.what+"; the master acts on the primary",
		"step", StepSet, "secret", env.SecretID, "host", own.String(), "primary", at.String())
	return at, nil
}
