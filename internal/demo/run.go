package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/paramsecrets/paramsecrets/internal/demo/sandbox"
	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// world is everything the demo started and must stop.
type world struct {
	root  string // the repository, for events/
	bin   *sandbox.Binaries
	dbs   *sandbox.Databases
	cloud *sandbox.Cloud
}

// run tells the demo's story. Whatever happens, it stops what it started,
// in reverse order, before returning; the databases and the emulators also
// die with this process if it is killed (see internal/testdb and
// internal/lambdatest).
func run(ctx context.Context, t *transcript) (err error) {
	var stops []func() error
	defer func() {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i]())
		}
		if stopErr := errors.Join(errs...); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop: %w", stopErr))
		} else if err == nil {
			t.section("done")
			t.say("stopped", "emulators, localaws, PostgreSQL and MariaDB; temporary files removed")
		}
	}()

	fmt.Fprintln(t.w, "paramsecrets demo: the layer, the example function and the four rotators, run as Lambda")
	fmt.Fprintln(t.w, "runs them (Runtime Interface Emulator, layer at /opt), against localaws and real databases.")
	w := &world{}
	if w.root, err = lambdatest.RepoRoot(ctx); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "paramsecrets-demo-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	stops = append(stops, func() error { return os.RemoveAll(dir) })

	t.section("build (static Lambda bootstraps, as sam build makes them)")
	t.say("go build", "extension, dbreader, 4 rotators and the emulator (the first run takes a few minutes)")
	if w.bin, err = sandbox.Build(ctx, dir); err != nil {
		return err
	}
	if _, err := lambdatest.RIEPath(ctx); err != nil {
		return fmt.Errorf("build the runtime interface emulator: %w", err)
	}
	if err := reportArtifacts(t, w.bin); err != nil {
		return err
	}

	t.section("start")
	if w.dbs, err = sandbox.StartDatabases(ctx); err != nil {
		return err
	}
	stops = append(stops, w.dbs.Close)
	pgVersion, myVersion, err := serverVersions(ctx, w.dbs)
	if err != nil {
		return err
	}
	t.say("postgres", "PostgreSQL %s on %s:%d (SCRAM password authentication)", pgVersion, w.dbs.Postgres.Host, w.dbs.Postgres.Port)
	t.say("mariadb", "MariaDB %s on %s:%d", myVersion, w.dbs.MariaDB.Host, w.dbs.MariaDB.Port)
	if w.cloud, err = sandbox.StartCloud(nil); err != nil {
		return err
	}
	stops = append(stops, w.cloud.Close)
	if err := sandbox.Seed(ctx, w.dbs, w.cloud, ""); err != nil {
		return err
	}
	t.say("localaws", "%s: Secrets Manager with demo/<rotator> and two master secrets, SSM with %s,",
		w.cloud.URL, sandbox.ParameterName)
	t.say("", "RDS with the PostgreSQL server as instance %s and its managed master secret", sandbox.RDSInstanceID)

	for _, r := range sandbox.Rotators() {
		if err := w.rotate(ctx, t, r); err != nil {
			return fmt.Errorf("%s: %w", r.Name, err)
		}
	}
	if err := w.rotateRDS(ctx, t); err != nil {
		return fmt.Errorf("%s: %w", sandbox.RDSSecretName, err)
	}
	return nil
}

// reportArtifacts prints what would be uploaded: the layer and each
// function, with their zip sizes, after checking each is a static binary.
func reportArtifacts(t *transcript, bin *sandbox.Binaries) error {
	for _, f := range []string{"extensions/" + sandbox.ExtensionName, "paramsecrets/extension"} {
		a, err := inspect(filepath.Join(bin.Layer, filepath.FromSlash(f)), f)
		if err != nil {
			return err
		}
		t.say("layer", "%-37s %s, zip %s, static linux/%s", f, byteCount(a.size), byteCount(a.zipSize), a.arch)
	}
	functions := [][2]string{{"dbreader", bin.Reader}}
	for _, r := range sandbox.Rotators() {
		functions = append(functions, [2]string{r.Name, bin.Rotators[r.Name]})
	}
	for _, f := range functions {
		a, err := inspect(f[1], "bootstrap")
		if err != nil {
			return err
		}
		t.say("function", "%-37s %s, zip %s, static linux/%s", f[0]+"/bootstrap", byteCount(a.size), byteCount(a.zipSize), a.arch)
	}
	return nil
}

// serverVersions asks each server for its version, as a user would check
// what they are talking to.
func serverVersions(ctx context.Context, dbs *sandbox.Databases) (pg, my string, err error) {
	conn, err := dbs.Postgres.Connect(ctx, "postgres")
	if err != nil {
		return "", "", fmt.Errorf("postgresql version: %w", err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&pg); err != nil {
		return "", "", fmt.Errorf("postgresql version: %w", err)
	}
	db, err := dbs.MariaDB.Connect("")
	if err != nil {
		return "", "", fmt.Errorf("mariadb version: %w", err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&my); err != nil {
		return "", "", fmt.Errorf("mariadb version: %w", err)
	}
	return firstField(pg), strings.SplitN(my, "-", 2)[0], nil
}

// firstField drops a distribution suffix such as " (Debian 15.14-0+deb12u1)".
func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

// eventPath names a recorded event relative to the repository.
func eventPath(r sandbox.Rotator, step string) string {
	return filepath.Join("events", r.Name, step+".json")
}
