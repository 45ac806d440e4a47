package eventlog

import (
	"encoding/json"
	"testing"
	"time"
)

func TestLogKeepsOrderAndBound(t *testing.T) {
	t.Parallel()
	var l Log
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range Capacity + 5 {
		l.Add(New("aws.ssm", "Parameter Store Policy Action", "123456789012", "us-east-1", at, nil, map[string]int{"n": i}))
	}
	got := l.List()
	if len(got) != Capacity {
		t.Fatalf("len = %d, want %d", len(got), Capacity)
	}
	var first struct{ N int }
	_ = json.Unmarshal(got[0].Detail, &first)
	if first.N != 5 {
		t.Errorf("oldest kept event is %d, want 5", first.N)
	}
	e := got[0]
	if e.Version != "0" || e.Time != "2026-01-02T03:04:05Z" || e.ID == "" || e.Resources == nil {
		t.Errorf("envelope = %+v", e)
	}
	l.Reset()
	if len(l.List()) != 0 {
		t.Error("Reset kept events")
	}
}
