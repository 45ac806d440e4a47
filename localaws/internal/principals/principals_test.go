package principals

import (
	"sync"
	"testing"
	"time"
)

func TestRegisterAndLookup(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	if err := r.Register("AKIAOTHERACCOUNT0001", "arn:aws:iam::222233334444:role/reader"); err != nil {
		t.Fatal(err)
	}
	p, ok := r.Lookup("AKIAOTHERACCOUNT0001")
	if !ok || p.Account != "222233334444" || p.ARN != "arn:aws:iam::222233334444:role/reader" {
		t.Fatalf("Lookup = %+v, %v", p, ok)
	}
	if _, ok := r.Lookup("AKIAUNKNOWN000000001"); ok {
		t.Error("an unregistered key was found")
	}
	r.Reset()
	if _, ok := r.Lookup("AKIAOTHERACCOUNT0001"); ok {
		t.Error("Reset kept a key")
	}
}

func TestRegisterRefusesBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, key, arn string }{
		{"lower-case key", "akiaother00000001", "arn:aws:iam::222233334444:role/reader"},
		{"short key", "AKIA1", "arn:aws:iam::222233334444:role/reader"},
		{"not an arn", "AKIAOTHERACCOUNT0001", "reader"},
		{"s3 arn", "AKIAOTHERACCOUNT0001", "arn:aws:s3:::bucket"},
		{"short account", "AKIAOTHERACCOUNT0001", "arn:aws:iam::2222:role/reader"},
		{"no resource", "AKIAOTHERACCOUNT0001", "arn:aws:iam::222233334444:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRegistry()
			if err := r.Register(tc.key, tc.arn); err == nil {
				t.Errorf("Register(%q, %q) accepted", tc.key, tc.arn)
			}
			if _, ok := r.Lookup(tc.key); ok {
				t.Error("a refused key was registered")
			}
		})
	}
}

func TestSTSPrincipal(t *testing.T) {
	t.Parallel()
	p, err := Parse("arn:aws:sts::222233334444:assumed-role/reader/session-1")
	if err != nil || p.Account != "222233334444" {
		t.Fatalf("Parse assumed role = %+v, %v", p, err)
	}
	if got := Root("123456789012"); got.ARN != "arn:aws:iam::123456789012:root" || got.Account != "123456789012" {
		t.Errorf("Root = %+v", got)
	}
}

// TestConcurrentRegistration: a service minting keys registers them while
// requests look keys up.
func TestConcurrentRegistration(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			key := "AKIACONCURRENT00000" + string(rune('A'+i))
			if err := r.Register(key, "arn:aws:iam::222233334444:role/r"); err != nil {
				t.Error(err)
			}
			if _, ok := r.Lookup(key); !ok {
				t.Errorf("%s not found after Register", key)
			}
		})
	}
	wg.Wait()
}

func TestAddSessionExpires(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	exp := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	p := Principal{ARN: "arn:aws:sts::222233334444:assumed-role/reader/s", Account: "222233334444", UserID: "AROAEXAMPLE:s", Expires: exp}
	if err := r.Add("ASIAEXAMPLE000000001", p); err != nil {
		t.Fatal(err)
	}
	got, ok := r.Lookup("ASIAEXAMPLE000000001")
	if !ok || got != p {
		t.Fatalf("Lookup = %+v, %v", got, ok)
	}
	if got.Expired(exp.Add(-time.Second)) || !got.Expired(exp) {
		t.Error("a session is expired from its Expiration on, not before")
	}
	if (Principal{}).Expired(exp) {
		t.Error("a long-term key expired")
	}
	if err := r.Add("ASIAEXAMPLE000000002", Principal{ARN: p.ARN, Account: "555566667777"}); err == nil {
		t.Error("Add accepted an account that is not the ARN's")
	}
}
