package awsjson

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTimeRoundTrip(t *testing.T) {
	want := time.Date(2026, 11, 30, 4, 5, 6, 789_000_000, time.UTC)
	b, err := json.Marshal(Time{want})
	if err != nil || string(b) != "1796011506.789" {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var got Time
	if err := json.Unmarshal(b, &got); err != nil || !got.Equal(want) {
		t.Errorf("Unmarshal = %v, %v; want %v", got, err, want)
	}
	if NewTime(time.Time{}) != nil {
		t.Error("NewTime(zero) should be nil so optional members are omitted")
	}
}

func TestDecode(t *testing.T) {
	var v struct{ A *string }
	cases := []struct {
		name, body string
		code       string
	}{
		{"empty body is {}", "", ""},
		{"object", `{"A": "x"}`, ""},
		{"malformed", `{"A": `, "SerializationException"},
		{"array", `[]`, "SerializationException"},
		{"wrong type", `{"A": 1}`, "SerializationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Decode([]byte(tc.body), &v)
			if got := errCode(err); got != tc.code {
				t.Errorf("Decode(%q) = %v, want code %q", tc.body, err, tc.code)
			}
		})
	}
}

func TestWriteErrorHidesUnexpectedErrors(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, json.Unmarshal([]byte("{"), new(any)))
	if rec.Code != 500 || rec.Body.String() != `{"__type":"InternalFailure","message":"internal error"}` {
		t.Errorf("got %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	WriteError(rec, ClientError("ResourceNotFoundException", "nope"))
	if rec.Code != 400 || rec.Header().Get("X-Amzn-ErrorType") != "ResourceNotFoundException" || rec.Header().Get("Content-Type") != ContentType {
		t.Errorf("got %d %v", rec.Code, rec.Header())
	}
}

func errCode(err error) string {
	if err == nil {
		return ""
	}
	return err.(interface{ ErrorCode() string }).ErrorCode()
}
