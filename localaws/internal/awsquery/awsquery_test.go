package awsquery

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func post(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ContentType)
	return r
}

// TestParseLists reads the list shapes the SDKs send: Name.member.N and,
// for RDS's filters, Filters.Filter.N.Name with Values.Value.M, in the
// order of N whatever the order of the pairs.
func TestParseLists(t *testing.T) {
	t.Parallel()
	body := "Action=DescribeDBInstances&Version=2014-10-31" +
		"&Filters.Filter.2.Name=engine&Filters.Filter.2.Values.Value.1=postgres" +
		"&Filters.Filter.1.Name=db-instance-id&Filters.Filter.1.Values.Value.2=b&Filters.Filter.1.Values.Value.1=a" +
		"&Filters.Filter.0.Name=ignored&Filters.Filter.01.Name=ignored&Filters.Filter.x.Name=ignored" +
		"&Tags.member.2=two&Tags.member.1=one"
	req, err := Parse(post(body), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if req.Action != "DescribeDBInstances" || req.Version != "2014-10-31" {
		t.Errorf("Action, Version = %q, %q", req.Action, req.Version)
	}
	if got := req.Strings("Tags", "member"); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("Tags = %v", got)
	}
	fs := req.Structs("Filters", "Filter")
	if len(fs) != 2 {
		t.Fatalf("filters = %v", fs)
	}
	if n, _ := fs[0].Get("Name"); n != "db-instance-id" || !slices.Equal(fs[0].Strings("Values", "Value"), []string{"a", "b"}) {
		t.Errorf("filter 1 = %v", fs[0].Params)
	}
	if n, _ := fs[1].Get("Name"); n != "engine" {
		t.Errorf("filter 2 = %v", fs[1].Params)
	}
}

func TestParseGetAndErrors(t *testing.T) {
	t.Parallel()
	req, err := Parse(httptest.NewRequest(http.MethodGet, "/?Action=GetCallerIdentity&Version=2011-06-15", nil), nil)
	if err != nil || req.Action != "GetCallerIdentity" {
		t.Errorf("GET: %+v, %v", req, err)
	}
	for body, code := range map[string]string{
		"Version=2011-06-15":    "MissingAction",
		"Action=%zz":            "MalformedQueryString",
		"Action=&Version=1":     "MissingAction",
		"Action=X;Version=1%3G": "MalformedQueryString",
	} {
		_, err := Parse(post(body), []byte(body))
		if e, ok := err.(*Error); !ok || e.Code != code || e.Status != http.StatusBadRequest {
			t.Errorf("Parse(%q) = %v, want %s", body, err, code)
		}
	}
}

func TestValidationWording(t *testing.T) {
	t.Parallel()
	var v Validation
	if v.Err() != nil {
		t.Fatal("no problems is no error")
	}
	v.Null("roleArn")
	if got := v.Err().(*Error).Message; got != "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null" {
		t.Errorf("one: %q", got)
	}
	v.Fail("roleSessionName", "a", "Member must have length greater than or equal to 2")
	if got := v.Err().(*Error).Message; !strings.HasPrefix(got, "2 validation errors detected: Value null at 'roleArn'") ||
		!strings.HasSuffix(got, "; Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2") {
		t.Errorf("two: %q", got)
	}
}

// FuzzParse: no form makes the parser panic, and the lists it reads never
// hold more than the form has pairs.
func FuzzParse(f *testing.F) {
	f.Add("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222233334444%3Arole%2Fr&RoleSessionName=s")
	f.Add("Action=DescribeDBInstances&Filters.Filter.1.Name=db-instance-id&Filters.Filter.1.Values.Value.1=pg1")
	f.Add("Filters.Filter.1000.Name=x&Filters.Filter.1001.Name=y&Filters.Filter.-1.Name=z")
	f.Fuzz(func(t *testing.T, body string) {
		req, err := Parse(post(body), []byte(body))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) error %T is not an *Error", body, err)
			}
			return
		}
		pairs := 0
		for _, v := range req.Params {
			pairs += len(v)
		}
		if n := len(req.Structs("Filters", "Filter")) + len(req.Strings("Values", "member")); n > pairs {
			t.Fatalf("%d list entries from %d pairs", n, pairs)
		}
	})
}
