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
		do          change
	}{
		"rotation disabled": {do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			return putPending(t, g, id, cur.WithCredentials(cur.Username, "new-pw")), false
		}},
		"token unknown": {do: func(t *testing.T, g *rig, id string, _ rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: id, ClientRequestToken: "no-such-token"}, true
		}},
		"token not AWSPENDING": {do: func(t *testing.T, g *rig, id string, _ rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			if err := g.rotate(id, ""); err != nil {
				t.Fatal(err)
			}
			_, v := g.stage(t, id, rotation.StagePrevious)
			return events.SecretsManagerSecretRotationEvent{Step: rotation.StepSet, SecretID: id, ClientRequestToken: v}, true
		}},
		"pending host changed": {do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.Host = "localhost"
			return putPending(t, g, id, s), true
		}},
		"pending port changed": {do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.Port++
			return putPending(t, g, id, s), true
		}},
		"pending dbname changed": {do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			s := cur.WithCredentials(cur.Username, "new-pw")
			s.DBName = "mysql"
			return putPending(t, g, id, s), true
		}},
		"pending username changed": {do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			return putPending(t, g, id, cur.WithCredentials("root", "new-pw")), true
		}},
		"missing masterarn": {alternating: true, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
			cur.MasterARN = ""
			body, _ := cur.MarshalJSON()
			if _, err := g.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(string(body))}); err != nil {
				t.Fatal(err)
			}
			return putPending(t, g, id, cur.WithCredentials(cur.Username+"_clone", "new-pw")), true
		}},
		"master cannot log in": {alternating: true, do: func(t *testing.T, g *rig, id string, cur rotation.Secret) (events.SecretsManagerSecretRotationEvent, bool) {
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
			if err == nil {
				t.Fatal("accepted")
			}
			t.Logf("refused: %v", err)
			if strings.Contains(err.Error(), "new-pw") || strings.Contains(err.Error(), "wrong-master-pw") {
				t.Fatalf("the error holds a password: %v", err)
			}
			now, _ := g.stage(t, id, rotation.StageCurrent)
			assertLogsIn(t, g.d, now)
			assertLocked(t, g.d, now.WithCredentials(now.Username, "new-pw"))
		})
	}
}
