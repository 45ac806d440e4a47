package rotation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The four steps Secrets Manager invokes, in order.
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
const (
	StepCreate = "createSecret"
	StepSet    = "setSecret"
	StepTest   = "testSecret"
	StepFinish = "finishSecret"
)

// Rotator runs the four steps for one strategy and one database engine. It holds only
// its dependencies: what "current" and "pending" are comes from each event and from
// DescribeSecret, so a warm Lambda carries nothing from one rotation to the next.
type Rotator struct {
	strategy Strategy
	db       Database
	sm       SecretsManager
	rds      RDS // nil: no RDS lookups (hosts are then taken as they are)
	password PasswordConfig
	log      *slog.Logger
}

// New returns a Rotator. A PasswordConfig that carries an error (see
// PasswordConfigFromEnv) makes createSecret fail with that error. log may be nil for
// slog.Default().
func New(strategy Strategy, db Database, sm SecretsManager, password PasswordConfig, log *slog.Logger) *Rotator {
	if log == nil {
		log = slog.Default()
	}
	// Every adapter error is marked a database failure (ErrorType).
	return &Rotator{strategy: strategy, db: classifiedDB{db}, sm: sm, password: password, log: log}
}

// WithRDS returns a copy of r that asks c about RDS instances and clusters: to complete
// an RDS-managed master secret from its system tag, and to find the primary of a secret
// whose host is a read replica or an Aurora reader (see replicaOf).
func (r *Rotator) WithRDS(c RDS) *Rotator {
	cp := *r
	cp.rds = c
	return &cp
}

// Handle checks the event against DescribeSecret and runs the step. An error names
// the step and the secret once, at its start ("setSecret arn:...: ..."); ErrorType
// tells its kind. Invoke, which rotation.Main starts, decodes the payload first.
func (r *Rotator) Handle(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	id, token, step := ev.SecretID, ev.ClientRequestToken, ev.Step
	if err := checkEvent(ev); err != nil {
		return err
	}
	meta, err := r.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("%s %s: describe secret: %w", step, id, err)
	}
	// AWS's templates only refuse an explicit false; an absent flag passes.
	if meta.RotationEnabled != nil && !*meta.RotationEnabled {
		return withKind(ErrorInvalidState, fmt.Errorf("%s %s: rotation is not enabled for the secret", step, id))
	}
	stages, ok := meta.VersionIdsToStages[token]
	if !ok {
		return withKind(ErrorInvalidState, fmt.Errorf("%s %s: version %s has no stage for rotation", step, id, token))
	}
	if slices.Contains(stages, StageCurrent) {
		r.log.Info("version already AWSCURRENT; nothing to do", "step", step, "secret", id, "version", token)
		return nil
	}
	if !slices.Contains(stages, StagePending) {
		return withKind(ErrorInvalidState, fmt.Errorf("%s %s: version %s is not staged AWSPENDING", step, id, token))
	}

	switch step {
	case StepCreate:
		err = r.createSecret(ctx, id, token, ev.RotationToken)
	case StepSet:
		err = r.setSecret(ctx, id, token)
	case StepTest:
		err = r.testSecret(ctx, id, token)
	default:
		err = r.finishSecret(ctx, id, token, meta.VersionIdsToStages)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", step, id, err)
	}
	return nil
}

// createSecret stores a new password (and, alternating, the other username) as the
// token's AWSPENDING version, unless that version already has a value: Secrets Manager
// retries steps, and a second password would not match what setSecret may have set.
func (r *Rotator) createSecret(ctx context.Context, id, token, rotationToken string) error {
	current, err := r.getChecked(ctx, id, StageCurrent, "")
	if err != nil {
		return err
	}
	_, err = getSecret(ctx, r.sm, id, StagePending, token)
	if err == nil {
		r.log.Info("pending version already has a value", "step", StepCreate, "secret", id)
		return nil
	}
	if !errNotFound(err) {
		return err
	}
	username, err := r.strategy.PendingUsername(current.Username, r.db.MaxUsernameLength())
	if err != nil {
		return err
	}
	pw, err := r.password.Generate()
	if err != nil {
		return withKind(ErrorInvalidConfiguration, err)
	}
	body, err := current.WithCredentials(username, pw).MarshalJSON()
	if err != nil {
		return err
	}
	in := &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(id),
		ClientRequestToken: aws.String(token),
		SecretString:       aws.String(string(body)),
		VersionStages:      []string{StagePending},
	}
	// Secrets Manager sends a RotationToken to functions it invokes and expects it back,
	// so that only the invoked function can write the pending version.
	if rotationToken != "" {
		in.RotationToken = aws.String(rotationToken)
	}
	if _, err := r.sm.PutSecretValue(ctx, in); err != nil {
		return fmt.Errorf("put pending value: %w", err)
	}
	r.log.Info("stored pending version", "step", StepCreate, "secret", id, "username", username)
	return nil
}

// setSecret hands over to the strategy once the pending value is known to be usable and
// the strategy has said where the change is made (its primary).
func (r *Rotator) setSecret(ctx context.Context, id, token string) error {
	current, err := r.getChecked(ctx, id, StageCurrent, "")
	if err != nil {
		return err
	}
	pending, err := r.getChecked(ctx, id, StagePending, token)
	if err != nil {
		return err
	}
	// Refuse a redirected or renamed pending value before anything is sent anywhere: a
	// secret pointed at another server must not receive a login attempt or a password.
	if err := r.sameTarget(current, pending); err != nil {
		return withKind(ErrorInvalidSecretValue, fmt.Errorf("pending value: %w", err))
	}
	if err := r.strategy.CheckPending(current, pending, r.db.MaxUsernameLength()); err != nil {
		return withKind(ErrorInvalidSecretValue, fmt.Errorf("pending value: %w", err))
	}
	// Where the change goes is settled before any login, so that a host the scheme must
	// not touch (alternating: neither the master's nor one of its replicas) never sees a
	// password.
	env := &SetEnv{SecretID: id, r: r}
	if env.primary, err = r.strategy.Primary(ctx, env, current); err != nil {
		return err
	}
	// Already set (a retried step, or a rotation that stopped after setSecret): done. Asked
	// of the primary, where the change is made: a lagging replica would say no.
	if err := r.db.Ping(ctx, env.OnPrimary(pending)); err == nil {
		r.log.Info("pending credential already logs in", "step", StepSet, "secret", id)
		return nil
	}
	if err := r.strategy.SetSecret(ctx, env, current, pending); err != nil {
		return err
	}
	r.log.Info("set pending password in the database", "step", StepSet, "secret", id, "username", pending.Username, "on", env.primary.String())
	return nil
}

// testSecret logs in with the pending credential on the secret's own host and runs a
// trivial query. On a read replica or an Aurora reader the change setSecret made on the
// primary may not have arrived yet: there a refused login is retried, bounded
// (waitForReplica).
func (r *Rotator) testSecret(ctx context.Context, id, token string) error {
	pending, err := r.getChecked(ctx, id, StagePending, token)
	if err != nil {
		return err
	}
	err = r.db.Ping(ctx, pending)
	if err != nil && r.db.LoginRefused(err) {
		err = r.waitForReplica(ctx, id, pending, err)
	}
	if err != nil {
		return fmt.Errorf("log in with the pending credential: %w", err)
	}
	r.log.Info("pending credential logs in", "step", StepTest, "secret", id)
	return nil
}

// finishSecret moves AWSCURRENT to the token; Secrets Manager then puts AWSPREVIOUS on the
// version that lost AWSCURRENT.
func (r *Rotator) finishSecret(ctx context.Context, id, token string, versions map[string][]string) error {
	var current string
	for v, stages := range versions {
		if slices.Contains(stages, StageCurrent) {
			current = v
			break
		}
	}
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:        aws.String(id),
		VersionStage:    aws.String(StageCurrent),
		MoveToVersionId: aws.String(token),
	}
	if current != "" {
		in.RemoveFromVersionId = aws.String(current)
	}
	if _, err := r.sm.UpdateSecretVersionStage(ctx, in); err != nil {
		return fmt.Errorf("move AWSCURRENT to version %s: %w", token, err)
	}
	r.log.Info("AWSCURRENT moved", "step", StepFinish, "secret", id, "version", token)
	return nil
}

// getChecked reads and validates one version of secret id. Its errors name the stage,
// not the secret: the caller names it once.
func (r *Rotator) getChecked(ctx context.Context, id, stage, token string) (Secret, error) {
	s, err := getSecret(ctx, r.sm, id, stage, token)
	if err != nil {
		return Secret{}, err
	}
	if err := r.checkSecret(s); err != nil {
		return Secret{}, withKind(ErrorInvalidSecretValue, fmt.Errorf("%s value: %w", stage, err))
	}
	return s, nil
}

// checkSecret holds a secret to what the templates require: host, username, password
// and an engine this function handles.
func (r *Rotator) checkSecret(s Secret) error {
	for _, f := range []struct{ key, val string }{
		{keyHost, s.Host}, {keyUsername, s.Username}, {keyPassword, s.Password}, {keyEngine, s.Engine},
	} {
		if f.val == "" {
			return fmt.Errorf("key %q is missing or empty", f.key)
		}
	}
	if !slices.Contains(r.db.Engines(), s.Engine) {
		return fmt.Errorf("engine %q is not handled by this function (want one of %q)", s.Engine, r.db.Engines())
	}
	return nil
}

// sameTarget refuses a secret that points at another server or database than want, or
// reaches it with other TLS settings: a redirected secret must never receive a password
// or a login attempt with one.
func (r *Rotator) sameTarget(want, got Secret) error {
	switch {
	case got.Host != want.Host:
		return fmt.Errorf("host %q differs from %q", got.Host, want.Host)
	case r.port(got) != r.port(want):
		return fmt.Errorf("port %d differs from %d", r.port(got), r.port(want))
	case got.DBName != want.DBName:
		return fmt.Errorf("dbname %q differs from %q", got.DBName, want.DBName)
	case got.Engine != want.Engine:
		return fmt.Errorf("engine %q differs from %q", got.Engine, want.Engine)
	case got.SSL != want.SSL:
		// A changed ssl key could downgrade the new password to plain text.
		return fmt.Errorf("ssl (%s) differs from %s", got.SSL, want.SSL)
	}
	return nil
}

func (r *Rotator) port(s Secret) int {
	if s.Port == 0 {
		return r.db.DefaultPort()
	}
	return s.Port
}
