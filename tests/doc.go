// Package tests holds the end-to-end tests of the suite as a user meets it:
// the SAM template and the Makefile targets `sam build` drives, and the real
// binaries run as Lambda runs them (the Runtime Interface Emulator with the
// layer mounted at /opt), reading from localaws and rotating credentials on
// real PostgreSQL and MariaDB servers.
package tests
