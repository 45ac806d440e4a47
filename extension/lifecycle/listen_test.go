package lifecycle_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/paramsecrets/paramsecrets/extension/lifecycle"
	"github.com/paramsecrets/paramsecrets/extension/lifecycle/lifecycletest"
)

// TestPortInUseNamesTheSetting: under Lambda the init error the function's owner
// reads, and standalone the returned error, say the port is taken and name the
// setting that moves it.
func TestPortInUseNamesTheSetting(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	opts := lifecycle.Options{Addr: busy.Addr().String(), PortSetting: "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", Handler: pingHandler()}
	want := func(t *testing.T, msg string) {
		t.Helper()
		if !strings.Contains(msg, "already in use") || !strings.Contains(msg, "set PARAMETERS_SECRETS_EXTENSION_HTTP_PORT to a free port") ||
			!strings.Contains(msg, busy.Addr().String()) {
			t.Errorf("message = %q, want the address, that it is in use, and the setting to change", msg)
		}
	}

	api := lifecycletest.NewRuntimeAPI(t, lifecycletest.Options{})
	err = lifecycle.RunExtension(context.Background(), lifecycle.NewClient(api.Addr(), "paramsecrets"),
		[]lifecycle.EventType{lifecycle.Invoke, lifecycle.Shutdown}, opts)
	if err == nil {
		t.Fatal("RunExtension on a busy port returned nil")
	}
	want(t, err.Error())
	if reports := api.InitErrors(); len(reports) != 1 {
		t.Fatalf("init/error reports = %+v, want one", reports)
	} else {
		want(t, reports[0].Body.ErrorMessage)
	}

	err = lifecycle.RunStandalone(context.Background(), opts)
	if err == nil {
		t.Fatal("RunStandalone on a busy port returned nil")
	}
	want(t, err.Error())
}
