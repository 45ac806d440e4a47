package mysql

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/paramsecrets/paramsecrets/rotators/rotation"
)

// TestRotateRefusals: what AWS's templates refuse is refused, and the current
// credential still logs in afterwards.
func TestRotateRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type change func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool)
	// putPending stores a pending value derived from cur and returns its event.
	putPending := func(t *testing.T, g *rig, id string, s rotation.Secret) events.SecretsManagerSecretRotationEvent {
		t.Helper()
		body, _ := s.MarshalJSON()
		token := uniq("00000000-0000-0000-0000-00000000")
		if _, err := g.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id),
			ClientRequestToken: aws.String(token), SecretString: aws.String(string(body)), VersionStages: []string{rotation.StagePending}}); err != nil {
			t.Fatal(err)
		}
		return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: id, ClientRequestToken: token}
	}
	for name, tc := range map[string]struct {
		alternating bool
		// want is part of the refusal a user reads: the step's reason.
		want string
		do   change
	}{
		"rotation disabled": {want: "rotation is not enabled", do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			return putPending(t, g, id, cur.WithCredentials(cur.Username, "new-pw")), false
		}},
		"token unknown": {want: "version no-such-token has no stage for rotation", do: func(t *testing.T, g *rig, id string, _ rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: id, ClientRequestToken: "no-such-token"}, true
		}},
		"token not AWSPENDING": {want: "is not staged AWSPENDING", do: func(t *testing.T, g *rig, id string, _ rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			if err := g.rotate(id, ""); err != nil {
				t.Fatal(err)
			}
			_, v := g.stage(t, id, rotation.StagePrevious)
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: id, ClientRequestToken: v}, true
		}},
		"pending host changed": {want: `pending value: host "localhost" differs`, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.Host = "localhost"
			return putPending(t, g, id, s), true
		}},
		"pending port changed": {want: "pending value: port ", do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.Port++
			return putPending(t, g, id, s), true
		}},
		"pending dbname changed": {want: `pending value: dbname "mysql" differs`, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.DBName = "mysql"
			return putPending(t, g, id, s), true
		}},
		"pending engine changed": {want: `pending value: engine "mariadb" differs`, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.Engine = "mariadb"
			return putPending(t, g, id, s), true
		}},
		"pending ssl downgraded": {want: "pending value: ssl (", do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.SSL = rotation.SSLDisabled
			return putPending(t, g, id, s), true
		}},
		"pending username changed": {want: `pending value: username "root" differs from the current user`, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			return putPending(t, g, id, cur.WithCredentials("root", "new-pw")), true
		}},
		"missing masterarn": {alternating: true, want: `key "masterarn" is missing`, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			cur.MasterARN = ""
			body, _ := cur.MarshalJSON()
			if _, err := g.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(string(body))}); err != nil {
				t.Fatal(err)
			}
			return putPending(t, g, id, cur.WithCredentials(cur.Username+"_clone", "new-pw")), true
		}},
		"master cannot log in": {alternating: true, want: `: log in as "root"`, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			master := secretFor(tlsServer, tlsServer.User, "wrong-master-pw", rotation.SSLRequired)
			master.Engine = "mysql"
			body, _ := master.MarshalJSON()
			if _, err := g.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(cur.MasterARN), SecretString: aws.String(string(body))}); err != nil {
				t.Fatal(err)
			}
			return putPending(t, g, id, cur.WithCredentials(cur.Username+"_clone", "new-pw")), true
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			strategy := rotation.SingleUser()
			if tc.alternating {
				strategy = rotation.AlternatingUsers()
			}
			g := newRig(t, strategy)
			id, cur := setup(t, g, tc.alternating)
			if _, err := g.sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(id),
				RotationLambdaARN: aws.String(fnARN), RotateImmediately: aws.Bool(false)}); err != nil {
				t.Fatal(err)
			}
			ev, enabled := tc.do(t, g, id, cur)
			if !enabled {
				if _, err := g.sm.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(id)}); err != nil {
					t.Fatal(err)
				}
			}
			err := g.r.Handle(ctx, ev)
			if err == nil || !strings.HasPrefix(err.Error(), "setSecret "+id+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("setSecret error = %v, want a refusal naming the secret and %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "new-pw") || strings.Contains(err.Error(), "wrong-master-pw") {
				t.Fatalf("the error holds a password: %v", err)
			}
			now, _ := g.stage(t, id, rotation.StageCurrent)
			assertLogsIn(t, g.d, now)
			assertLocked(t, g.d, now.WithCredentials(now.Username, "new-pw"))
		})
	}
}
