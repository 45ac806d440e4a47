package lambdatest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// These cases change the environment, so they do not run in parallel.
func TestRIEPathHonoursOverride(t *testing.T) {
	prebuilt := filepath.Join(t.TempDir(), "aws-lambda-rie")
	if err := os.WriteFile(prebuilt, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("existing binary is used as is", func(t *testing.T) {
		t.Setenv(lambdatest.EnvRIE, prebuilt)
		got, err := lambdatest.RIEPath(t.Context())
		if err != nil || got != prebuilt {
			t.Errorf("RIEPath() = %q, %v; want %q", got, err, prebuilt)
		}
	})
	t.Run("missing binary is an error naming the variable", func(t *testing.T) {
		t.Setenv(lambdatest.EnvRIE, prebuilt+".missing")
		_, err := lambdatest.RIEPath(t.Context())
		if err == nil || !strings.Contains(err.Error(), lambdatest.EnvRIE) {
			t.Errorf("RIEPath() error = %v, want one naming %s", err, lambdatest.EnvRIE)
		}
	})
	t.Run("unset builds the pinned emulator", func(t *testing.T) {
		t.Setenv(lambdatest.EnvRIE, "")
		got, err := lambdatest.RIEPath(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(got); err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("RIEPath() = %q, not an executable: %v", got, err)
		}
	})
}
