// Command front is what a layer installs as /opt/extensions/paramsecrets: it
// binds the extension's port, registers with the Extensions API and then
// execs the extension itself (../paramsecrets/extension from its own
// directory) in the same process, handing over the listener and the
// registration (lifecycle.Handoff).
//
// Lambda starts the function's runtime only once every extension has
// registered, so the time from exec to register is the user's cold start. The
// extension links aws-sdk-go-v2's configuration and credential chain, whose
// STS, SSO and sign-in clients initialise at package initialisation, and
// loads the configuration before it would register: on its own it registers
// in about 1.7 times a minimal Go extension's time. The front links no SDK:
// it registers in about the time a minimal extension does, and the
// extension's start-up then overlaps the runtime's. Requests that arrive before the extension serves wait in the
// listener's backlog; the listener is never closed in between.
//
// The front does only the happy path. Given arguments (such as -version), or
// when the configuration is invalid, the port cannot be bound or register
// fails, it execs the extension without a handoff, and the extension binds,
// registers and reports the problem itself, exactly as when it is run
// directly. Only a failure to exec the extension is the front's to report.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paramsecrets/paramsecrets/extension/config"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
)

func main() {
	os.Exit(run(os.Args, os.Getenv, os.Environ()))
}

// run execs the extension; it returns (with the exit code) only when that fails.
func run(argv []string, getenv func(string) string, environ []string) int {
	self, err := os.Executable()
	if err != nil {
		return fail(getenv, argv, nil, fmt.Errorf("find the front's own path: %w", err))
	}
	target := lifecycle.ExtensionPath(self)
	env := withoutHandoff(environ)
	var registered *lifecycle.Client
	if len(argv) == 1 {
		var h lifecycle.Handoff
		var ok bool
		if h, registered, ok = prepare(argv, getenv); ok {
			env = append(env, lifecycle.EnvHandoff+"="+h.Encode())
		}
	}
	err = lifecycle.Exec(target, argv, env)
	return fail(getenv, argv, registered, fmt.Errorf("start the extension: %w (a layer holds extensions/paramsecrets and paramsecrets/extension)", err))
}

// prepare binds and, under Lambda, registers. It reports false, having undone
// what it did, whenever the extension should rather do it all itself.
// The client it returns, when not nil, holds the registration.
func prepare(argv []string, getenv func(string) string) (lifecycle.Handoff, *lifecycle.Client, bool) {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return lifecycle.Handoff{}, nil, false
	}
	fd, err := lifecycle.ListenInheritable(cfg.HTTPPort)
	if err != nil {
		return lifecycle.Handoff{}, nil, false
	}
	h := lifecycle.Handoff{PID: os.Getpid(), FD: fd}
	api := getenv(lifecycle.EnvRuntimeAPI)
	if api == "" {
		return h, nil, true
	}
	// The name Lambda matches the registration to is the file name in
	// /opt/extensions: the front's.
	c := lifecycle.NewClient(api, filepath.Base(argv[0]))
	reg, err := c.Register(context.Background(), lifecycle.EventsFor(getenv))
	if err != nil {
		lifecycle.CloseFD(fd)
		return lifecycle.Handoff{}, nil, false
	}
	h.ExtensionID, h.FunctionName, h.FunctionVersion = c.ID(), reg.FunctionName, reg.FunctionVersion
	return h, c, true
}

// withoutHandoff drops any EnvHandoff inherited from outside.
func withoutHandoff(environ []string) []string {
	out := make([]string, 0, len(environ)+1)
	prefix := lifecycle.EnvHandoff + "="
	for _, kv := range environ {
		if len(kv) < len(prefix) || kv[:len(prefix)] != prefix {
			out = append(out, kv)
		}
	}
	return out
}

// fail prints err and, under Lambda, reports it through init/error (with the
// registration c holds, or a new one) so that the function's init fails with
// a clear message instead of timing out.
func fail(getenv func(string) string, argv []string, c *lifecycle.Client, err error) int {
	fmt.Fprintf(os.Stderr, "paramsecrets: %v\n", err)
	api := getenv(lifecycle.EnvRuntimeAPI)
	if c == nil && api != "" && len(argv) == 1 {
		c = lifecycle.NewClient(api, filepath.Base(argv[0]))
	}
	if c != nil {
		if rerr := lifecycle.ReportInitError(context.Background(), c, lifecycle.EventsFor(getenv), lifecycle.ErrorTypeExec, err); rerr != err {
			fmt.Fprintf(os.Stderr, "paramsecrets: %v\n", rerr)
		}
	}
	return 1
}
