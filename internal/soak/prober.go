package soak

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/examples/dbreader/dbclient"
)

// outcome is what one login with a staged credential said.
type outcome int

const (
	absent  outcome = iota // no version carries the stage
	ok                     // logged in
	refused                // the database refused the credential
	unknown                // the database could not be asked (down, unreachable)
)

// staged is a secret's staging labels: version ids of AWSCURRENT,
// AWSPENDING (only while it is on another version) and AWSPREVIOUS.
type staged struct{ current, pending, previous string }

// check is one look at a secret: each staged credential and what its login
// said.
type check struct {
	stages                     staged
	current, pending, previous outcome
	took                       time.Duration
}

// lost reports a moment when no credential a client could hold logs in:
// alternating users, neither AWSCURRENT nor AWSPREVIOUS; single user, none of
// AWSCURRENT, AWSPENDING (which the database holds between setSecret and
// finishSecret: the window) and AWSPREVIOUS. A login that could not be made
// (the database down) proves nothing either way.
func (c check) lost(single bool) bool {
	out := []outcome{c.current, c.previous}
	if single {
		out = append(out, c.pending)
	}
	return !slices.Contains(out, ok) && !slices.Contains(out, unknown) && c.current != absent
}

// prober checks, at every step boundary and between them, that the credentials
// a rotation leaves staged log in. It reads Secrets Manager directly (not
// through the extension): ListSecretVersionIds for the labels, and each
// version's value once (a version's value never changes).
type prober struct {
	h *harness

	mu     sync.Mutex
	values map[string]dbclient.Secret // by version id
}

// stages reads the secret's labels.
func (pr *prober) stages(ctx context.Context, secret string) (staged, error) {
	out, err := pr.h.sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(secret)})
	if err != nil {
		return staged{}, fmt.Errorf("ListSecretVersionIds %s: %w", secret, err)
	}
	var s staged
	for _, v := range out.Versions {
		for _, st := range v.VersionStages {
			switch st {
			case "AWSCURRENT":
				s.current = aws.ToString(v.VersionId)
			case "AWSPENDING":
				s.pending = aws.ToString(v.VersionId)
			case "AWSPREVIOUS":
				s.previous = aws.ToString(v.VersionId)
			}
		}
	}
	if s.pending == s.current {
		s.pending = ""
	}
	return s, nil
}

// value is a version's credential. A pending version created by RotateSecret
// has no value until createSecret has run: then it is absent.
func (pr *prober) value(ctx context.Context, secret, version string) (dbclient.Secret, bool, error) {
	pr.mu.Lock()
	v, ok := pr.values[version]
	pr.mu.Unlock()
	if ok {
		return v, true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second) // a hung upstream does not hang the prober
	defer cancel()
	out, err := pr.h.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret), VersionId: aws.String(version)})
	if err != nil {
		var nf interface{ ErrorCode() string }
		if errors.As(err, &nf) && nf.ErrorCode() == "ResourceNotFoundException" {
			return dbclient.Secret{}, false, nil
		}
		return dbclient.Secret{}, false, fmt.Errorf("GetSecretValue %s %s: %w", secret, version, err)
	}
	s, err := dbclient.ParseSecret(aws.ToString(out.SecretString))
	if err != nil {
		return dbclient.Secret{}, false, err
	}
	s.VersionID = version
	pr.mu.Lock()
	pr.values[version] = s
	pr.mu.Unlock()
	return s, true, nil
}

// login tries one staged version's credential.
func (pr *prober) login(ctx context.Context, secret, version string) (outcome, error) {
	if version == "" {
		return absent, nil
	}
	s, has, err := pr.value(ctx, secret, version)
	if err != nil || !has {
		return absent, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sess, err := dbclient.Open(ctx, s, pr.h.roots, pr.h.discard)
	switch {
	case err == nil:
		sess.Close()
		return ok, nil
	case dbclient.IsAuthFailure(err):
		return refused, nil
	case dbclient.IsTransient(err):
		return unknown, nil
	}
	return unknown, fmt.Errorf("log in with %s's version %s: %w", secret, version, err)
}

// full looks at every staged credential: the state between two steps, when
// nothing moves.
func (pr *prober) full(ctx context.Context, secret string) (check, error) {
	start := time.Now()
	var c check
	var err error
	if c.stages, err = pr.stages(ctx, secret); err != nil {
		return c, err
	}
	var errs [3]error
	c.current, errs[0] = pr.login(ctx, secret, c.stages.current)
	c.pending, errs[1] = pr.login(ctx, secret, c.stages.pending)
	c.previous, errs[2] = pr.login(ctx, secret, c.stages.previous)
	c.took = time.Since(start)
	return c, errors.Join(errs[:]...)
}

// sample looks while a rotation may be running: it logs in with AWSCURRENT,
// then AWSPENDING, then AWSPREVIOUS, stopping at the first that works. That
// order makes a rotation's own change unable to fool it: single user, the
// database moves from AWSCURRENT's password to AWSPENDING's, so a current
// refused means pending already works; alternating users, AWSCURRENT's user
// is never touched. A sample whose labels moved while it looked is thrown
// away (settled false).
func (pr *prober) sample(ctx context.Context, secret string) (c check, settled bool, err error) {
	if c.stages, err = pr.stages(ctx, secret); err != nil {
		return c, false, err
	}
	for _, s := range []struct {
		version string
		out     *outcome
	}{{c.stages.current, &c.current}, {c.stages.pending, &c.pending}, {c.stages.previous, &c.previous}} {
		if *s.out, err = pr.login(ctx, secret, s.version); err != nil || *s.out == ok {
			break
		}
	}
	if err != nil {
		return c, false, err
	}
	after, err := pr.stages(ctx, secret)
	if err != nil {
		return c, false, err
	}
	return c, after == c.stages, nil
}

// passwords returns every password the prober has seen, for the scan of the
// run's output.
func (pr *prober) passwords() []string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var out []string
	for _, v := range pr.values {
		out = append(out, v.Password)
	}
	return out
}
