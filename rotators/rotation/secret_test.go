package rotation

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestParseSecretTestdata(t *testing.T) {
	cases := []struct {
		file string
		want Secret
	}{
		{"single-user.json", Secret{Engine: "postgres", Host: "db.example.internal", Port: 5432, Username: "app",
			Password: "old-pw-Secret1", DBName: "appdb", SSL: SSLRequired}},
		{"alternating-users.json", Secret{Engine: "aurora-postgresql", Host: "db.example.internal", Port: 5433,
			Username: "app_clone", Password: "old-pw-Secret1", DBName: "appdb",
			MasterARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"}},
		{"rds-managed.json", Secret{Username: "postgres", Password: "old-pw-Secret1"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseSecret(raw)
			if err != nil {
				t.Fatal(err)
			}
			got.raw = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseSecret = %+v, want %+v", got, tc.want)
			}
			// A round trip keeps every key, the unknown ones and the original forms.
			again, err := ParseSecret(raw)
			if err != nil {
				t.Fatal(err)
			}
			out, err := again.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, out, raw)
		})
	}
}

func TestMarshalKeepsUnknownKeysAndChangesCredentials(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "alternating-users.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSecret(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.WithCredentials("app", `n3w<&>"pw`).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m["username"] != "app" || m["password"] != `n3w<&>"pw` {
		t.Errorf("credentials not replaced: %s", out)
	}
	if m["team"] != "payments" || m["port"] != "5433" || m["masterarn"] == nil {
		t.Errorf("other keys not kept as they were: %s", out)
	}
	if strings.Contains(string(out), `\u003c`) {
		t.Errorf("password HTML-escaped: %s", out)
	}
}

func TestMarshalWritesChangedPortAndSSL(t *testing.T) {
	s, err := ParseSecret([]byte(`{"username":"u","password":"p","port":"5432","ssl":"TRUE"}`))
	if err != nil {
		t.Fatal(err)
	}
	s.Port, s.SSL = 6543, SSLDisabled
	out, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, out, []byte(`{"username":"u","password":"p","port":6543,"ssl":false}`))

	fresh := Secret{Username: "u", Password: "p"}
	out, err = fresh.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, out, []byte(`{"username":"u","password":"p"}`))
}

func TestParseSecretSSL(t *testing.T) {
	cases := []struct {
		name string
		ssl  string
		want SSLMode
	}{
		{"absent", ``, SSLPreferred},
		{"true", `,"ssl":true`, SSLRequired},
		{"false", `,"ssl":false`, SSLDisabled},
		{"string true any case", `,"ssl":"True"`, SSLRequired},
		{"string false", `,"ssl":"false"`, SSLDisabled},
		{"other string falls back like AWS", `,"ssl":"yes"`, SSLPreferred},
		{"number falls back like AWS", `,"ssl":1`, SSLPreferred},
		{"null", `,"ssl":null`, SSLPreferred},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSecret([]byte(`{"username":"u"` + tc.ssl + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if s.SSL != tc.want {
				t.Errorf("SSL = %v, want %v", s.SSL, tc.want)
			}
		})
	}
}

func TestParseSecretErrorsNeverEchoTheSecret(t *testing.T) {
	const pw = "hunter2-SECRET"
	cases := []struct {
		name, json, wantErr string
	}{
		{"not JSON", `{"password":"` + pw + `",`, "invalid JSON"},
		{"array", `["` + pw + `"]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"username not a string", `{"password":"` + pw + `","username":7}`, `"username"`},
		{"port not a number", `{"password":"` + pw + `","port":"` + pw + `"}`, `"port"`},
		{"port out of range", `{"password":"` + pw + `","port":70000}`, `"port"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSecret([]byte(tc.json))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func assertSameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}

// FuzzParseSecret checks that any input either fails with an error that repeats none of
// its string values (the password is one of them, and any other field may hold a
// secret too) or survives a round trip unchanged.
func FuzzParseSecret(f *testing.F) {
	for _, name := range []string{"single-user.json", "alternating-users.json", "rds-managed.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"port":"x","ssl":"maybe"}`))
	f.Add([]byte(`{"password":"hunter2-SECRET","port":"hunter2-SECRET"}`))
	f.Add([]byte(`{"password":"hunter2-SECRET","username":7}`))
	f.Add([]byte(`{"password":"hunter2-SECRET","host":"h",`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSecret(b)
		if err != nil {
			for _, v := range stringValues(b) {
				if leaks(err.Error(), v) {
					t.Fatalf("error %q repeats the value %q of the input", err, v)
				}
			}
			return
		}
		out, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseSecret(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		s.raw, again.raw = nil, nil
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip changed %+v into %+v", s, again)
		}
	})
}

// errorVocabulary is every word ParseSecret's errors are made of. A value that is part
// of it (say "port", or "a") cannot be told apart from the message's own text.
const errorVocabulary = `parse secret: invalid JSON at offset not a JSON object ` +
	`key "engine" "host" "username" "password" "dbname" "masterarn" "port" must be a string a number from 1 to 65535`

// offsetText is the one number ParseSecret's errors hold.
var offsetText = regexp.MustCompile(`at offset [0-9]+`)

// leaks reports whether msg holds v beyond what the vocabulary and the offset explain.
func leaks(msg, v string) bool {
	if v == "" || strings.Contains(errorVocabulary, v) {
		return false
	}
	return strings.Contains(offsetText.ReplaceAllString(msg, "at offset N"), v)
}

// stringValues returns the string values in b, object keys left out, read as far as b is
// well-formed JSON: a truncated document still yields the values before the fault.
func stringValues(b []byte) []string {
	type frame struct{ object, wantKey bool }
	var (
		stack []frame
		vals  []string
	)
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return vals
		}
		top := len(stack) - 1
		inObject := top >= 0 && stack[top].object
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if inObject {
					stack[top].wantKey = true // after this value, the object's next key
				}
				stack = append(stack, frame{object: d == '{', wantKey: true})
			default:
				stack = stack[:top]
			}
			continue
		}
		isKey := inObject && stack[top].wantKey
		if str, ok := tok.(string); ok && !isKey {
			vals = append(vals, str)
		}
		if inObject {
			stack[top].wantKey = !isKey
		}
	}
}

func TestStringValues(t *testing.T) {
	got := stringValues([]byte(`{"password":"p1","nested":{"k":["a",{"x":"b"}],"n":1},"host":"h","port":"5`))
	want := []string{"p1", "a", "b", "h"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stringValues = %q, want %q", got, want)
	}
}
