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
// Environment: SECRET_ID (the database secret), PARAMETER_NAME (a plain
// parameter to read alongside), DB_CA_BUNDLE (a PEM file of CA certificates
// trusted on top of the system roots: for RDS, its CA bundle), and the
// extension's own variables.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

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
}

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	c, err := newClientFromEnv()
	if err != nil {
		logger.Error("configuration", "error", err)
		os.Exit(1)
	}
	roots, err := dbtls.RootsFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration", "error", err)
		os.Exit(1)
	}
	h := &handler{client: c, secretID: os.Getenv("SECRET_ID"), parameter: os.Getenv("PARAMETER_NAME"), roots: roots, log: logger}
	if h.secretID == "" {
		logger.Error("configuration", "error", errors.New("SECRET_ID is not set"))
		os.Exit(1)
	}
	// Read during init: the extension is already serving (it binds its port
	// before it registers, and Lambda starts the runtime only once every
	// extension has registered); a read racing its prefetch joins that call.
	if _, err := c.secret(context.Background(), h.secretID, false); err != nil {
		logger.Warn("init read failed", "error", err)
	} else {
		h.initRead = true
	}
	lambda.Start(h.handle)
}

type handler struct {
	client    *client
	secretID  string
	parameter string
	initRead  bool
	roots     *x509.CertPool // nil: the system roots
	log       *slog.Logger
}

func (h *handler) handle(ctx context.Context, ev Event) (Result, error) {
	s, err := h.client.secret(ctx, h.secretID, ev.Refresh)
	if err != nil {
		return Result{}, err
	}
	res := Result{SecretVersionID: s.versionID, Engine: s.Engine, Host: s.Host, Username: s.Username, InitRead: h.initRead}
	if h.parameter != "" {
		v, err := h.client.parameter(ctx, h.parameter, ev.Refresh)
		if err != nil {
			return Result{}, err
		}
		res.Parameter = v
	}
	if !ev.SkipLogin {
		db, err := login(ctx, s, h.roots, h.log)
		if err != nil {
			return Result{}, fmt.Errorf("log in as %s: %w", s.Username, err)
		}
		res.LoggedIn, res.ServerVersion, res.TLS = true, db.serverVersion, db.tls
	}
	h.log.Info("read", "secretVersionId", res.SecretVersionID, "username", res.Username, "loggedIn", res.LoggedIn)
	return res, nil
}
