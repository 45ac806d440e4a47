package tests

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// rdsUser is a database user and the secret rotating it.
type rdsUser struct {
	secret string // its name in Secrets Manager
	r      sandbox.Rotator
	host   string // the secret's host: an RDS endpoint name
	port   int
}

// addUser creates a user on r's engine's primary (which replicates it) and a secret for
// it naming host:port, rotated by r, with the master secret master when r alternates.
func (w *rdsWorld) addUser(t *testing.T, r sandbox.Rotator, name, host string, port int, master string) rdsUser {
	t.Helper()
	ctx := t.Context()
	user, password := w.prefix+name, rand.Text()
	engine := "postgres"
	switch r.Engine {
	case sandbox.EnginePostgres:
		if err := w.f.pg.CreateUser(ctx, user, password); err != nil {
			t.Fatal(err)
		}
	default:
		engine = "mariadb"
		if err := w.f.my.CreateUser(ctx, user, "%", password); err != nil {
			t.Fatal(err)
		}
		if err := w.f.my.Exec(ctx, "", "GRANT SELECT, INSERT ON "+sandbox.Database+".* TO ?@'%'", user); err != nil {
			t.Fatal(err)
		}
	}
	v := map[string]any{"engine": engine, "host": host, "port": port, "username": user, "password": password,
		"dbname": sandbox.Database, "ssl": true}
	if master != "" {
		d, err := w.cloud.SecretsManager().DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(master)})
		if err != nil {
			t.Fatal(err)
		}
		v["masterarn"] = aws.ToString(d.ARN)
	}
	body, _ := json.Marshal(v)
	secret := "rds/" + w.prefix + name
	w.seed(t, map[string]any{"secrets": []any{map[string]any{
		"name": secret, "secretString": string(body), "rotationLambdaArn": r.FunctionARN(),
	}}})
	return rdsUser{secret: secret, r: r, host: host, port: port}
}

// startRotator runs r under the emulator as template.yaml deploys it, with the SDK's
// RDS endpoint at localaws, the servers' CAs as DB_CA_BUNDLE and the RDS names in its
// /etc/hosts; RotateSecret in this world invokes it.
func (w *rdsWorld) startRotator(t *testing.T, r sandbox.Rotator) *lambdatest.Function {
	t.Helper()
	return w.startRotatorWithTimeout(t, r, 0)
}

// startRotatorWithTimeout is startRotator with the function timeout timeout (0: the
// emulator's default).
func (w *rdsWorld) startRotatorWithTimeout(t *testing.T, r sandbox.Rotator, timeout time.Duration) *lambdatest.Function {
	t.Helper()
	opts := suite.bin.RotatorOptions(w.cloud, r)
	opts.Env = append(opts.Env, "DB_CA_BUNDLE="+w.f.caBundle)
	opts.Hosts = w.f.hosts
	opts.Timeout = timeout
	fn := lambdatest.StartTest(t, opts)
	w.cloud.Register(r, fn)
	return fn
}

// rotate runs RotateSecret on u's secret.
func (w *rdsWorld) rotate(ctx context.Context, u rdsUser) error {
	_, err := w.cloud.SecretsManager().RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(u.secret)})
	return err
}

// rdsCredentials is what a login needs from a secret version.
type rdsCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Host     string `json:"host"`
	version  string
}

// value reads u's secret at stage.
func (w *rdsWorld) value(t *testing.T, u rdsUser, stage string) rdsCredentials {
	t.Helper()
	out, err := w.cloud.SecretsManager().GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(u.secret), VersionStage: aws.String(stage),
	})
	if err != nil {
		t.Fatalf("GetSecretValue %s %s: %v", u.secret, stage, err)
	}
	var c rdsCredentials
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &c); err != nil {
		t.Fatalf("%s %s is not a database secret", u.secret, stage)
	}
	c.version = aws.ToString(out.VersionId)
	return c
}

// Servers a test logs in to, by what they stand for.
const (
	onPrimary = "primary"
	onReplica = "replica"
)

// login logs in as c on u's engine's primary or replica (by address: the test process
// has the machine's /etc/hosts), over TLS verified against the server's CA.
func (w *rdsWorld) login(ctx context.Context, u rdsUser, c rdsCredentials, on string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if u.r.Engine == sandbox.EnginePostgres {
		srv := w.f.pg
		if on == onReplica {
			srv = w.f.pgReplica
		}
		conn, err := pgx.Connect(ctx, srv.UserDSN(c.Username, c.Password, sandbox.Database))
		if err != nil {
			return fmt.Errorf("log in as %s on the %s: %w", c.Username, on, err)
		}
		return conn.Close(ctx)
	}
	srv := w.f.my
	if on == onReplica {
		srv = w.f.myReplica
	}
	connector, err := mysql.NewConnector(srv.UserConfig(c.Username, c.Password, sandbox.Database))
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("log in as %s on the %s: %w", c.Username, on, err)
	}
	return nil
}

// assertLogin fails t unless c logs in on the server on.
func (w *rdsWorld) assertLogin(t *testing.T, u rdsUser, c rdsCredentials, on string) {
	t.Helper()
	if err := w.login(t.Context(), u, c, on); err != nil {
		t.Error(err)
	}
}

// caughtUp waits until u's engine's replica has replayed what its primary committed.
func (w *rdsWorld) caughtUp(t *testing.T, u rdsUser) {
	t.Helper()
	var err error
	if u.r.Engine == sandbox.EnginePostgres {
		err = w.f.pgReplica.WaitCaughtUp(t.Context())
	} else {
		err = w.f.myReplica.WaitCaughtUp(t.Context())
	}
	if err != nil {
		t.Fatal(err)
	}
}

// pauseReplication holds u's engine's replica where it is until resume is called.
func (w *rdsWorld) pauseReplication(t *testing.T, u rdsUser) (resume func()) {
	t.Helper()
	type pausable interface {
		PauseReplication(context.Context) error
		ResumeReplication(context.Context) error
	}
	var p pausable = w.f.pgReplica
	if u.r.Engine != sandbox.EnginePostgres {
		p = w.f.myReplica
	}
	if err := p.PauseReplication(t.Context()); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume = func() {
		if resumed {
			return
		}
		resumed = true
		if err := p.ResumeReplication(context.WithoutCancel(t.Context())); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(resume)
	return resume
}

// rotatorByName returns the rotator called name.
func rotatorByName(t *testing.T, name string) sandbox.Rotator {
	t.Helper()
	for _, r := range sandbox.Rotators() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rotator %s", name)
	return sandbox.Rotator{}
}

// waitLog waits until fn's log holds want more than seen times, failing t if done yields
// first.
func waitLog(t *testing.T, fn *lambdatest.Function, want string, seen int, done <-chan error) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for strings.Count(fn.Logs(), want) <= seen {
		select {
		case err := <-done:
			t.Fatalf("the rotation ended (%v) before the rotator logged %q\n%s", err, want, fn.Logs())
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatalf("gave up waiting for %q", want)
		}
	}
}
