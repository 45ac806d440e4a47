package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/paramsecrets/paramsecrets/extension/upstream"
	"github.com/paramsecrets/paramsecrets/localaws"
)

// TestParametersBatchGet: the answer is GetParameters' own, for the set of
// names asked, sorted by name; each parameter is cached as its own
// GetParameter answer.
func TestParametersBatchGet(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	r := e.get(t, "/systemsmanager/parameters/batch-get?names=/app/pass,/missing,/app/host:1,/app/host&withDecryption=true")
	wantStatus(t, r, http.StatusOK, "")
	wantCache(t, r, "miss")
	out, err := e.ssm.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/app/host", "/app/host:1", "/app/pass", "/missing"}, WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	// Rendered from the SDK's own types, as the AWS extension renders them.
	want := marshalJSON(t, struct {
		Parameters        []ssmtypes.Parameter
		InvalidParameters []string
	}{out.Parameters, out.InvalidParameters})
	if string(r.body) != want {
		t.Errorf("body\n got %s\nwant %s", r.body, want)
	}
	before := e.calls(opGP)
	for _, target := range []string{
		"/systemsmanager/parameters/get?name=/app/pass&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/host:1&withDecryption=true",
		"/systemsmanager/parameters/get?name=/app/host&version=1", // a String serves both flags
		"/systemsmanager/parameters/get?name=/app/host",
	} {
		cached := e.get(t, target)
		wantCache(t, cached, "hit")
		if direct := e.get(t, target+"&refreshNow=true"); string(direct.body) != string(cached.body) {
			t.Errorf("%s cached from the batch\n got %s\nwant %s", target, cached.body, direct.body)
		}
	}
	if n := e.calls(opGP) - before; n != 4 { // the four refreshNow reads only
		t.Errorf("GetParameter calls = %d, want only the 4 refreshes", n)
	}
	wantCache(t, e.get(t, "/systemsmanager/parameters/get?name=/app/pass"), "miss") // not decrypted: another answer
}

// TestParametersBatchChunksOfTen: 25 names take three GetParameters calls.
func TestParametersBatchChunksOfTen(t *testing.T) {
	e := newEnv(t, envOptions{})
	var sd localaws.Seed
	var names []string
	for i := range 25 {
		n := fmt.Sprintf("/many/p%02d", i)
		names = append(names, n)
		sd.Parameters = append(sd.Parameters, localaws.SeedParameter{Name: n, Type: "SecureString", Value: "v" + n})
	}
	e.seed(t, sd)
	r := e.get(t, "/systemsmanager/parameters/batch-get?withDecryption=true&names="+strings.Join(names, ","))
	wantStatus(t, r, http.StatusOK, "")
	var b parametersBody
	if err := jsonUnmarshal(r.body, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Parameters) != 25 || len(b.InvalidParameters) != 0 {
		t.Fatalf("%d parameters, %d invalid; want 25 and 0", len(b.Parameters), len(b.InvalidParameters))
	}
	if !slices.IsSortedFunc(b.Parameters, func(x, y upstream.Parameter) int { return strings.Compare(*x.Name, *y.Name) }) {
		t.Error("parameters are not sorted by name")
	}
	if n := e.calls(opGPs); n != 3 {
		t.Errorf("GetParameters calls = %d, want 3", n)
	}
	for _, n := range names {
		wantCache(t, e.get(t, "/systemsmanager/parameters/get?withDecryption=true&name="+n), "hit")
	}
}

// TestBatchesAreSets: on both batch routes, the order of the ids and repeats
// do not matter: one entry, one answer.
func TestBatchesAreSets(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	for _, route := range []struct {
		base, op string
		orders   []string
	}{
		{"/secretsmanager/batch-get?secretIds=", opBGSV, []string{"bin,app/db", "app/db,bin", "app/db,bin,app/db"}},
		{"/systemsmanager/parameters/batch-get?names=", opGPs, []string{"/app/list,/app/host", "/app/host,/app/list", "/app/host,/app/host,/app/list"}},
	} {
		first := e.get(t, route.base+route.orders[0])
		wantCache(t, first, "miss")
		for _, o := range route.orders[1:] {
			r := e.get(t, route.base+o)
			wantCache(t, r, "hit")
			if string(r.body) != string(first.body) {
				t.Errorf("%s%s\n got %s\nwant %s", route.base, o, r.body, first.body)
			}
		}
		if n := e.calls(route.op); n != 1 {
			t.Errorf("%s calls = %d, want 1", route.op, n)
		}
	}
}

func TestParametersBatchBadRequests(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	long := strings.Repeat("a", maxNameLen+1)
	for name, target := range map[string]string{
		"no names":           "/systemsmanager/parameters/batch-get",
		"empty names":        "/systemsmanager/parameters/batch-get?names=",
		"an empty name":      "/systemsmanager/parameters/batch-get?names=/app/host,,/app/list",
		"over 100 names":     "/systemsmanager/parameters/batch-get?names=" + strings.Repeat("/app/host,", 100) + "/app/list",
		"over-long name":     "/systemsmanager/parameters/batch-get?names=/app/host,/" + long,
		"bad withDecryption": "/systemsmanager/parameters/batch-get?names=/app/host&withDecryption=sure",
		"name instead":       "/systemsmanager/parameters/batch-get?name=/app/host",
		"valueOnly":          "/systemsmanager/parameters/batch-get?names=/app/host&valueOnly=true",
	} {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, e.get(t, target), http.StatusBadRequest, "ValidationException")
		})
	}
	if n := e.calls(opGPs); n != 0 {
		t.Errorf("refused requests made %d GetParameters calls", n)
	}
}

// TestParametersBatchUpstreamError: a failure of any chunk's call is the
// answer, with the upstream's code.
func TestParametersBatchUpstreamError(t *testing.T) {
	e := newEnv(t, envOptions{})
	seedAll(t, e)
	e.aws.InjectFault(localaws.Fault{Operation: opGPs, Code: "AccessDeniedException", Message: "not authorized"})
	wantStatus(t, e.get(t, "/systemsmanager/parameters/batch-get?names=/app/host"), http.StatusBadRequest, "AccessDeniedException")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
