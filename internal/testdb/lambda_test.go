package testdb

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// TestReplicasByNameFromALambda logs in from a function under the emulator,
// as a rotator does, to the primaries and their replicas by RDS-style names
// that only the function's private /etc/hosts knows, with verify-full
// against those names.
func TestReplicasByNameFromALambda(t *testing.T) {
	boot := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdatest.BuildBootstrap(t.Context(), "./testdata/dblogin", boot); err != nil {
		t.Fatal(err)
	}
	fn := lambdatest.StartTest(t, lambdatest.Options{
		Bootstrap: boot,
		Hosts: map[string]string{
			pgPrimaryName: pgPrimaryIP, pgStandbyName: pgStandbyIP,
			myPrimaryName: myPrimaryIP, myReplicaName: myReplicaIP,
			// A name whose address is not the server the certificate is for.
			"pg1-wrong.c9xyz.us-east-1.rds.amazonaws.com": pgPrimaryIP,
		},
	})
	type login struct {
		Engine   string `json:"engine"`
		Host     string `json:"host"`
		Port     int    `json:"port"`
		User     string `json:"user"`
		Password string `json:"password"`
		CAFile   string `json:"caFile"`
	}
	tests := []struct {
		name     string
		ev       login
		wantAddr string // "" means the login fails
	}{
		{"postgres primary", login{"postgres", pgPrimaryName, pgPrimary.Port, pgPrimary.User, pgPrimary.Password, pgPrimary.CAFile}, pgPrimaryIP},
		{"postgres standby", login{"postgres", pgStandbyName, pgStandby.Port, pgStandby.User, pgStandby.Password, pgStandby.CAFile}, pgStandbyIP},
		// One CA file for an instance and its replicas, as with RDS.
		{"postgres standby with the primary's CA file", login{"postgres", pgStandbyName, pgStandby.Port, pgStandby.User, pgStandby.Password, pgPrimary.CAFile}, pgStandbyIP},
		{"mariadb primary", login{"mysql", myPrimaryName, myPrimary.Port, myPrimary.User, myPrimary.Password, myPrimary.CAFile}, myPrimaryIP},
		{"mariadb replica", login{"mysql", myReplicaName, myReplica.Port, myReplica.User, myReplica.Password, myReplica.CAFile}, myReplicaIP},
		{"mariadb replica with the primary's CA file", login{"mysql", myReplicaName, myReplica.Port, myReplica.User, myReplica.Password, myPrimary.CAFile}, myReplicaIP},
		{"a name the certificate does not carry", login{"postgres", "pg1-wrong.c9xyz.us-east-1.rds.amazonaws.com", pgPrimary.Port, pgPrimary.User, pgPrimary.Password, pgPrimary.CAFile}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := json.Marshal(tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			body, err := fn.Invoke(t.Context(), ev)
			var fnErr *lambdatest.FunctionError
			if tc.wantAddr == "" {
				if !errors.As(err, &fnErr) || !strings.Contains(fnErr.Message, "certificate") {
					t.Fatalf("login error = %v, want the function to refuse the certificate", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("login from the function: %v", err)
			}
			var got struct {
				ServerAddr string `json:"serverAddr"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("response %q: %v", body, err)
			}
			if got.ServerAddr != tc.wantAddr {
				t.Errorf("the function reached %s, want %s", got.ServerAddr, tc.wantAddr)
			}
		})
	}
}
