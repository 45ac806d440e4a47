// Command dbreader is an example Lambda function that reads its database
// credentials and configuration through the paramsecrets extension on
// localhost:2773 — exactly as it would through the AWS Parameters and Secrets
// Lambda Extension — and proves them by logging in to the database.
//
// It reads once during function init (the extension serves before it
// registers, and so before the runtime starts) and again on every invoke, so a rotated
// password is picked up as soon as the extension's cache entry expires or the
// event asks for a refresh.
//
// It logs in with TLS as the secret's "ssl" key says, exactly as the rotators
// do (rotators/dbtls): absent, try TLS and fall back to plain text with a
// warning; true, verified TLS or nothing; false, plain text.
//
// The login is the recovery pattern a function should copy
// (dbclient.Connector): when the database refuses the password — the cached
// value is one a rotation has replaced, or a single-user rotation has changed
// the password a moment before AWSCURRENT names it — back off briefly, read
// the secret again with refreshNow=true and try again, a bounded number of
// times (dbclient.DefaultRetry); a database restarting or Secrets Manager
// throttling is waited out the same way. The soak harness (internal/soak)
// runs exactly this code under rotations and faults.
//
// Environment: SECRET_ID (the database secret), PARAMETER_NAME (a plain
// parameter to read alongside), DB_CA_BUNDLE (a PEM file of CA certificates
// trusted on top of the system roots: for RDS, its CA bundle), and the
// extension's own variables.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paramsecrets/paramsecrets/examples/dbreader/dbclient"
	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
)

// Event is what an invoke may carry. Both fields are optional.
type Event struct {
	// Refresh asks the extension to bypass its cache (refreshNow=true).
	Refresh bool `json:"refresh"`
	// SkipLogin reads the credentials without logging in to the database.
	SkipLogin bool `json:"skipLogin"`
}

// Result is what the function returns. It never carries the password.
type Result struct {
	SecretVersionID string `json:"secretVersionId"`
	Engine          string `json:"engine"`
	Host            string `json:"host"`
	Username        string `json:"username"`
	Parameter       string `json:"parameter,omitempty"`
	LoggedIn        bool   `json:"loggedIn"`
	ServerVersion   string `json:"serverVersion,omitempty"`
	TLS             bool   `json:"tls"` // the database session is encrypted
	InitRead        bool   `json:"initRead"`
	// Retries is how many times the login was tried again (after a refused
	// password, or a database or Secrets Manager that failed for a moment).
	Retries int `json:"retries"`
}

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ext, err := dbclient.ExtensionFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration", "error", err)
		os.Exit(1)
	}
	roots, err := dbtls.RootsFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration", "error", err)
		os.Exit(1)
	}
	h := &handler{
		db:        &dbclient.Connector{Extension: ext, SecretID: os.Getenv("SECRET_ID"), Roots: roots, Log: logger},
		parameter: os.Getenv("PARAMETER_NAME"),
		log:       logger,
	}
	if h.db.SecretID == "" {
		logger.Error("configuration", "error", errors.New("SECRET_ID is not set"))
		os.Exit(1)
	}
	// Read during init: the extension is already serving (it binds its port
	// before it registers, and Lambda starts the runtime only once every
	// extension has registered); a read racing its prefetch joins that call.
	if _, err := ext.Secret(context.Background(), h.db.SecretID, false); err != nil {
		logger.Warn("init read failed", "error", err)
	} else {
		h.initRead = true
	}
	lambda.Start(h.handle)
}

type handler struct {
	db        *dbclient.Connector
	parameter string
	initRead  bool
	log       *slog.Logger
}

func (h *handler) handle(ctx context.Context, ev Event) (Result, error) {
	res := Result{InitRead: h.initRead}
	ext := h.db.Extension
	if ev.Refresh || ev.SkipLogin {
		s, err := ext.Secret(ctx, h.db.SecretID, ev.Refresh)
		if err != nil {
			return Result{}, err
		}
		res.SecretVersionID, res.Engine, res.Host, res.Username = s.VersionID, s.Engine, s.Host, s.Username
	}
	if h.parameter != "" {
		v, err := ext.Parameter(ctx, h.parameter, ev.Refresh)
		if err != nil {
			return Result{}, err
		}
		res.Parameter = v
	}
	if !ev.SkipLogin {
		// The recovery pattern (dbclient.Connector): a refused password is read
		// again with refreshNow=true and tried again, a bounded number of times.
		sess, rec, err := h.db.Open(ctx)
		if err != nil {
			return Result{}, err
		}
		defer sess.Close()
		res.SecretVersionID, res.Engine, res.Host, res.Username = sess.VersionID, sess.Engine, sess.Host, sess.Username
		res.LoggedIn, res.ServerVersion, res.TLS, res.Retries = true, sess.ServerVersion, sess.TLS, rec.Attempts-1
	}
	h.log.Info("read", "secretVersionId", res.SecretVersionID, "username", res.Username, "loggedIn", res.LoggedIn)
	return res, nil
}
