package rotation

import (
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestPasswordConfigDefaultsMatchTemplates(t *testing.T) {
	cfg, err := PasswordConfigFromEnv(envOf(nil), `:/@"'\`)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		pw, err := cfg.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 32 {
			t.Fatalf("length %d, want 32", len(pw))
		}
		if strings.ContainsAny(pw, `:/@"'\`) {
			t.Fatalf("password holds an excluded character")
		}
		for _, class := range []string{lowercase, uppercase, numbers, punctuation} {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("password lacks a character of %q", class)
			}
		}
	}
}

func TestPasswordHonoursEnvironment(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		allowed string
		length  int
	}{
		{"digits only", map[string]string{EnvExcludeLowercase: "true", EnvExcludeUppercase: "yes",
			EnvExcludePunctuation: "1", EnvPasswordLength: "12"}, numbers, 12},
		{"no punctuation, no numbers", map[string]string{EnvExcludePunctuation: "TRUE", EnvExcludeNumbers: "y"},
			lowercase + uppercase, 32},
		{"exclude characters", map[string]string{EnvExcludeCharacters: "abcdefghijklmnopqrstuvwxyz0123456789",
			EnvExcludePunctuation: "true", EnvPasswordLength: "64", EnvRequireEachIncludedType: "no"}, uppercase, 64},
		{"long", map[string]string{EnvPasswordLength: "4096"}, "", 4096},
		{"no each-type rule, length 1", map[string]string{EnvPasswordLength: "1", EnvRequireEachIncludedType: "false"}, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := PasswordConfigFromEnv(envOf(tc.env), `:/@"'\`)
			if err != nil {
				t.Fatal(err)
			}
			pw, err := cfg.Generate()
			if err != nil {
				t.Fatal(err)
			}
			if len(pw) != tc.length {
				t.Errorf("length %d, want %d", len(pw), tc.length)
			}
			if tc.allowed != "" && strings.Trim(pw, tc.allowed) != "" {
				t.Errorf("password holds characters outside %q", tc.allowed)
			}
		})
	}
}

func TestPasswordImpossibleSettingsAreClearErrors(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"everything excluded", map[string]string{EnvExcludeLowercase: "true", EnvExcludeUppercase: "true",
			EnvExcludeNumbers: "true", EnvExcludePunctuation: "true"}, "exclude every character"},
		{"too short for each type", map[string]string{EnvPasswordLength: "3"}, "shorter than the 4 included character types"},
		{"class emptied by EXCLUDE_CHARACTERS", map[string]string{EnvExcludeCharacters: "0123456789"}, "removes all numbers"},
		{"length not a number", map[string]string{EnvPasswordLength: "thirty"}, EnvPasswordLength},
		{"length zero", map[string]string{EnvPasswordLength: "0"}, EnvPasswordLength},
		{"length too long", map[string]string{EnvPasswordLength: "4097"}, EnvPasswordLength},
		{"boolean typo", map[string]string{EnvExcludeNumbers: "ture"}, EnvExcludeNumbers},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := PasswordConfigFromEnv(envOf(tc.env), `:/@"'\`)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("PasswordConfigFromEnv error = %v, want one mentioning %q", err, tc.wantErr)
			}
			// The config keeps the error, so createSecret reports it.
			if _, err := cfg.Generate(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Generate error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestShortestPasswordWithEachTypeOverThinAlphabet(t *testing.T) {
	// One digit and one punctuation character are left: every draw must still hold both.
	cfg, err := PasswordConfigFromEnv(envOf(map[string]string{
		EnvPasswordLength:    "4",
		EnvExcludeCharacters: "012345678" + strings.ReplaceAll(punctuation, "!", ""),
	}), "")
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		pw, err := cfg.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pw, "9") || !strings.Contains(pw, "!") {
			t.Fatalf("password lacks the only digit or punctuation character")
		}
	}
}

func BenchmarkGeneratePassword(b *testing.B) {
	cfg, err := PasswordConfigFromEnv(envOf(nil), `:/@"'\`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cfg.Generate(); err != nil {
			b.Fatal(err)
		}
	}
}
