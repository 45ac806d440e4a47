// Package soak proves that rotation never takes an application down: it runs
// the suite under continuous application traffic while every rotator rotates
// back to back and faults are injected, and reports what the application and
// a prober saw. `make soak` runs it for about three minutes
// (internal/soak/cmd/soak); a short run with every fault once is a test of
// this package, so the harness cannot rot.
//
// What runs, all of it real:
//
//   - PostgreSQL and MariaDB (internal/testdb), with TLS; every secret says
//     "ssl": true. Each server sits behind a TCP proxy the secrets name, so
//     the harness can take the rotation functions' path away (Cut).
//   - localaws, seeded with the demo secrets (internal/demo/sandbox).
//   - The four rotators, built as static bootstraps, each under its own
//     Runtime Interface Emulator (internal/lambdatest), driven by
//     RotateSecret. localaws invokes a handler that passes each step on to the
//     emulator: there the harness injects the faults that live inside a
//     rotation, and looks at the staged credentials between steps.
//   - The extension binary, with a short SECRETS_MANAGER_TTL and a 1 s
//     SECRETS_MANAGER_TIMEOUT_MILLIS, serving every worker.
//   - The application: per secret, workers that read the credential through
//     the extension, log in and query in a loop, and a long-lived session
//     held across rotations, all with examples/dbreader/dbclient — the code
//     the example function runs, whose recovery pattern (on a refused login,
//     back off, read again with refreshNow=true, retry a bounded number of
//     times) is the one users should copy.
//
// The faults (Kind), each injected while the traffic runs and each followed
// by a clean rotation of the same rotator: the database restarted during
// setSecret; the database unreachable (the proxy cuts and restores the
// rotation functions' path) during setSecret and during testSecret; the
// rotator's process killed after each step, then RotateSecret retried with the
// same token in a new environment; Secrets Manager throttling and 5xx bursts
// during the application's reads and during rotation; Secrets Manager holding
// the extension's reads without answering. A fault runs alone; clean rotations
// of the four secrets run side by side.
//
// What is checked (Report.Check): every rotation completes; with alternating
// users no request fails and no login is refused; with a single user no
// request fails after the recovery's retries, and the window — between the
// database taking the new password and AWSCURRENT naming it — is measured; at
// every step boundary and every sample in between, one of the credentials a
// client may hold logs in (the prober, not an assumption); no rotation leaves
// AWSCURRENT refused; every fault converges; the extension's goroutines do not
// grow; and no password the run generated appears in any log, the table or
// soak.json.
//
// Linux only, as root (the emulators' namespaces, /proc).
package soak
