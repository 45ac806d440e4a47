// Package sandbox assembles the whole suite offline, the way Lambda and AWS
// would run it: the real binaries built as `sam build` builds them, the layer
// mounted at /opt under the Runtime Interface Emulator, localaws standing in
// for Secrets Manager and SSM, and throwaway PostgreSQL and MariaDB servers.
//
// `make demo` (internal/demo) and the end-to-end tests (tests/) share it, so
// the demo a new user watches is the setup the tests assert on.
//
// The pieces are separate because they cost differently: Build and
// StartDatabases are slow (seconds) and shared; a Cloud (one localaws) and a
// Seed (its secrets plus the database users they name) are cheap, so every
// test gets its own and the recorded events in events/ can be replayed
// against a fresh copy of the demo secrets.
//
// Names match events/ and template.yaml: the secret demo/<rotator> is rotated
// by the function paramsecrets-<rotator>, whose ARN is in Rotator.FunctionARN.
package sandbox
