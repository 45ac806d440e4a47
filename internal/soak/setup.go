package soak

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/paramsecrets/paramsecrets/examples/dbreader/dbclient"
	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
	"github.com/paramsecrets/paramsecrets/localaws"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
)

// extensionTimeout is the extension's SECRETS_MANAGER_TIMEOUT_MILLIS: what a
// function that must not wait on a slow Secrets Manager sets, so that a hung
// call ends and a plain read is answered from the expired entry.
const extensionTimeout = time.Second

// setUp starts everything: the built binaries, the databases (TLS) behind
// their proxies, localaws with the demo secrets (naming the proxies, "ssl":
// true), the extension, and the four rotators under their emulators.
func (h *harness) setUp(ctx context.Context) error {
	var err error
	if h.dir, err = os.MkdirTemp("", "paramsecrets-soak-"); err != nil {
		return err
	}
	h.stops = append(h.stops, func() error { return os.RemoveAll(h.dir) })
	h.progressf("building the extension, the rotators and the emulator")
	if h.bin, err = sandbox.Build(ctx, h.dir); err != nil {
		return err
	}
	if _, err := lambdatest.RIEPath(ctx); err != nil {
		return fmt.Errorf("build the runtime interface emulator: %w", err)
	}
	h.progressf("starting PostgreSQL, MariaDB, localaws and the extension")
	if h.dbs, err = sandbox.StartDatabasesWith(ctx, true); err != nil {
		return err
	}
	h.stops = append(h.stops, h.dbs.Close)
	if err := h.trustDatabases(); err != nil {
		return err
	}
	for engine, addr := range map[string]string{
		sandbox.EnginePostgres: net.JoinHostPort(h.dbs.Postgres.Host, strconv.Itoa(h.dbs.Postgres.Port)),
		sandbox.EngineMySQL:    net.JoinHostPort(h.dbs.MariaDB.Host, strconv.Itoa(h.dbs.MariaDB.Port)),
	} {
		p, err := startProxy(addr)
		if err != nil {
			return fmt.Errorf("proxy to %s: %w", engine, err)
		}
		h.proxies[engine] = p
		h.stops = append(h.stops, p.Close)
	}
	if h.cloud, err = sandbox.StartCloud(slog.New(slog.NewTextHandler(&h.awsLogs, nil))); err != nil {
		return err
	}
	h.stops = append(h.stops, h.cloud.Close)
	h.sm = secretsManager(h.cloud.URL, 10)
	h.rotateSM = secretsManager(h.cloud.URL, 1)
	tls := true
	if err := sandbox.SeedWith(ctx, h.dbs, h.cloud, sandbox.SeedOptions{
		Postgres: h.proxies[sandbox.EnginePostgres].Addr(), MariaDB: h.proxies[sandbox.EngineMySQL].Addr(), SSL: &tls,
	}); err != nil {
		return err
	}
	var names []string
	for _, r := range sandbox.Rotators() {
		names = append(names, r.SecretName())
	}
	if h.ext, err = sandbox.StartExtension(ctx, h.bin.Extension, h.cloud, []string{
		"SECRETS_MANAGER_TTL=" + strconv.Itoa(int(h.cfg.TTL.Seconds())),
		"SECRETS_MANAGER_TIMEOUT_MILLIS=" + strconv.Itoa(int(extensionTimeout.Milliseconds())),
		"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS=" + strings.Join(names, ","),
		schedDebug(),
	}, h.sched); err != nil {
		return err
	}
	h.stops = append(h.stops, h.ext.Close)
	h.prober = &prober{h: h, values: map[string]dbclient.Secret{}}
	return h.startRotators(ctx)
}

// trustDatabases writes the two servers' CAs into one bundle, for the
// rotators' DB_CA_BUNDLE and the application's roots.
func (h *harness) trustDatabases() error {
	var pem []byte
	for _, f := range []string{h.dbs.Postgres.CAFile, h.dbs.MariaDB.CAFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("database CA: %w", err)
		}
		pem = append(pem, b...)
	}
	h.caBundle = filepath.Join(h.dir, "db-ca-bundle.pem")
	if err := os.WriteFile(h.caBundle, pem, 0o644); err != nil {
		return err
	}
	var err error
	h.roots, err = dbtls.RootsFromEnv(func(k string) string {
		if k == dbtls.EnvCABundle {
			return h.caBundle
		}
		return ""
	})
	return err
}

// startRotators runs each rotator under its emulator behind the step handler
// localaws invokes, with the application that uses its secret.
func (h *harness) startRotators(ctx context.Context) error {
	ext := dbclient.NewExtension(h.ext.Port, h.ext.Token)
	for _, r := range sandbox.Rotators() {
		opts := h.bin.RotatorOptions(h.cloud, r)
		opts.Env = append(opts.Env, dbtls.EnvCABundle+"="+h.caBundle)
		rs := &rotatorState{
			r:         r,
			proc:      &rotatorProc{r: r, opts: opts},
			connector: &dbclient.Connector{Extension: ext, SecretID: r.SecretName(), Roots: h.roots, Log: h.logApp},
			app:       &appStats{},
		}
		rs.proc.after = func(ctx context.Context, tr *trace, step string, err error) { h.afterStep(ctx, rs, tr, step, err) }
		if err := rs.proc.start(ctx); err != nil {
			return err
		}
		h.stops = append(h.stops, rs.proc.close)
		h.cloud.Server.RegisterHandler(r.FunctionARN(), rs.proc.handle)
		h.rotators = append(h.rotators, rs)
	}
	return nil
}

// secretsManager is a client of the harness's own: it asks localaws
// directly, making up to attempts attempts — 10 outlast the faults the harness
// injects (which hit whoever calls next); RotateSecret gets 1, because the
// harness makes and counts the reattempts itself (and the SDK would retry a
// RotateSecret whose error message, quoting the function's, says "connection
// reset").
func secretsManager(url string, attempts int) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       localaws.DefaultRegion,
		BaseEndpoint: aws.String(url),
		Credentials:  aws.AnonymousCredentials{},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = 200 * time.Millisecond
			o.RateLimiter = ratelimit.None
		}),
	})
}

// stopAll stops what setUp started, in reverse order; it may be called again.
func (h *harness) stopAll() error {
	var errs []error
	for i := len(h.stops) - 1; i >= 0; i-- {
		errs = append(errs, h.stops[i]())
	}
	h.stops = nil
	return errors.Join(errs...)
}

// passwords reads every version of every secret the run touched — the
// rotated ones and the masters — for the scan of its output.
func (h *harness) passwords(ctx context.Context) ([]string, error) {
	ids := []string{sandbox.MasterSecretName(sandbox.EnginePostgres), sandbox.MasterSecretName(sandbox.EngineMySQL)}
	for _, rs := range h.rotators {
		ids = append(ids, rs.r.SecretName())
	}
	seen := map[string]bool{}
	for _, p := range h.prober.passwords() {
		seen[p] = true
	}
	for _, id := range ids {
		pages := secretsmanager.NewListSecretVersionIdsPaginator(h.sm, &secretsmanager.ListSecretVersionIdsInput{
			SecretId: aws.String(id), IncludeDeprecated: aws.Bool(true),
		})
		var versions []types.SecretVersionsListEntry
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("ListSecretVersionIds %s: %w", id, err)
			}
			versions = append(versions, page.Versions...)
		}
		for _, v := range versions {
			out, err := h.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id), VersionId: v.VersionId})
			if err != nil {
				return nil, fmt.Errorf("GetSecretValue %s %s: %w", id, aws.ToString(v.VersionId), err)
			}
			s, err := dbclient.ParseSecret(aws.ToString(out.SecretString))
			if err != nil {
				return nil, fmt.Errorf("secret %s: %w", id, err)
			}
			seen[s.Password] = true
		}
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	return out, nil
}
