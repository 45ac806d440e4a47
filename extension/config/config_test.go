package config

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testToken = "tok-SECRET-do-not-print"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func withToken(m map[string]string) map[string]string {
	out := map[string]string{EnvSessionToken: testToken}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	got, err := FromEnv(env(withToken(nil)))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Token: testToken, CacheEnabled: true, CacheSize: 1000, HTTPPort: 2773,
		MaxConnections: 3, LogLevel: slog.LevelInfo,
		SecretsTTL: 300 * time.Second, ParametersTTL: 300 * time.Second,
		StaleIfError: 300 * time.Second,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", got, want)
	}
	if !got.CacheActive() {
		t.Error("default configuration should cache")
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"cache disabled, mixed case", map[string]string{EnvCacheEnabled: "FaLsE"}, func(t *testing.T, c Config) {
			if c.CacheEnabled || c.CacheActive() {
				t.Error("cache should be off")
			}
		}},
		{"cache size zero", map[string]string{EnvCacheSize: "0"}, func(t *testing.T, c Config) {
			if c.CacheSize != 0 || c.CacheActive() {
				t.Errorf("CacheSize = %d, active = %v", c.CacheSize, c.CacheActive())
			}
		}},
		{"both TTLs zero", map[string]string{EnvSecretsTTL: "0", EnvParametersTTL: "0"}, func(t *testing.T, c Config) {
			if c.CacheActive() {
				t.Error("no store can cache with both TTLs zero")
			}
		}},
		{"TTL at the maximum", map[string]string{EnvSecretsTTL: "3600", EnvParametersTTL: " 60 "}, func(t *testing.T, c Config) {
			if c.SecretsTTL != time.Hour || c.ParametersTTL != time.Minute {
				t.Errorf("TTLs = %v, %v", c.SecretsTTL, c.ParametersTTL)
			}
		}},
		{"port and connections", map[string]string{EnvHTTPPort: "65535", EnvMaxConnections: "1"}, func(t *testing.T, c Config) {
			if c.HTTPPort != 65535 || c.MaxConnections != 1 {
				t.Errorf("port %d conns %d", c.HTTPPort, c.MaxConnections)
			}
		}},
		{"timeouts", map[string]string{EnvSecretsTimeout: "1500", EnvParametersTimeout: "0"}, func(t *testing.T, c Config) {
			if c.SecretsTimeout != 1500*time.Millisecond || c.ParametersTimeout != 0 {
				t.Errorf("timeouts %v %v", c.SecretsTimeout, c.ParametersTimeout)
			}
		}},
		{"log level lower case", map[string]string{EnvLogLevel: "debug"}, func(t *testing.T, c Config) {
			if c.LogLevel != slog.LevelDebug || c.LogNone {
				t.Errorf("level %v none %v", c.LogLevel, c.LogNone)
			}
		}},
		{"log level none", map[string]string{EnvLogLevel: "NONE"}, func(t *testing.T, c Config) {
			if !c.LogNone {
				t.Error("LogNone not set")
			}
		}},
		{"log level warn", map[string]string{EnvLogLevel: "Warn"}, func(t *testing.T, c Config) {
			if c.LogLevel != slog.LevelWarn {
				t.Errorf("level %v", c.LogLevel)
			}
		}},
		{"JSON logs", map[string]string{EnvLogFormat: "JSON"}, func(t *testing.T, c Config) {
			if !c.LogJSON {
				t.Error("LogJSON not set")
			}
		}},
		{"text logs", map[string]string{EnvLogFormat: "Text"}, func(t *testing.T, c Config) {
			if c.LogJSON {
				t.Error("LogJSON set for Text")
			}
		}},
		{"prefetch lists trimmed", map[string]string{
			EnvPrefetchSecrets:    " demo/db , arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
			EnvPrefetchParameters: "/demo/host"}, func(t *testing.T, c Config) {
			want := []string{"demo/db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"}
			if !reflect.DeepEqual(c.PrefetchSecrets, want) {
				t.Errorf("PrefetchSecrets = %q", c.PrefetchSecrets)
			}
			if !reflect.DeepEqual(c.PrefetchParameters, []string{"/demo/host"}) {
				t.Errorf("PrefetchParameters = %q", c.PrefetchParameters)
			}
		}},
		{"prefetch paths", map[string]string{EnvPrefetchPaths: "/demo, /app/db "}, func(t *testing.T, c Config) {
			if !reflect.DeepEqual(c.PrefetchPaths, []string{"/demo", "/app/db"}) {
				t.Errorf("PrefetchPaths = %q", c.PrefetchPaths)
			}
		}},
		{"stale if error off", map[string]string{EnvStaleIfError: "0"}, func(t *testing.T, c Config) {
			if c.StaleIfError != 0 {
				t.Errorf("StaleIfError = %v", c.StaleIfError)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromEnv(env(withToken(tc.env)))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestTokenOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"session token first", map[string]string{EnvSessionToken: "a", EnvContainerAuthToken: "b", EnvToken: "c"}, "a"},
		{"container token next", map[string]string{EnvContainerAuthToken: "b", EnvToken: "c"}, "b"},
		{"AWS_TOKEN last", map[string]string{EnvToken: "c"}, "c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromEnv(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Token != tc.want {
				t.Errorf("Token = %q, want %q", c.Token, tc.want)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		wantName string // the variable the error must name
		wantVal  string // and the bad value it must show
	}{
		{"bool yes", map[string]string{EnvCacheEnabled: "yes"}, EnvCacheEnabled, "yes"},
		{"bool 1", map[string]string{EnvCacheEnabled: "1"}, EnvCacheEnabled, "1"},
		{"negative size", map[string]string{EnvCacheSize: "-1"}, EnvCacheSize, "-1"},
		{"size not a number", map[string]string{EnvCacheSize: "lots"}, EnvCacheSize, "lots"},
		{"port zero", map[string]string{EnvHTTPPort: "0"}, EnvHTTPPort, "0"},
		{"port too big", map[string]string{EnvHTTPPort: "65536"}, EnvHTTPPort, "65536"},
		{"zero connections", map[string]string{EnvMaxConnections: "0"}, EnvMaxConnections, "0"},
		{"TTL over an hour", map[string]string{EnvSecretsTTL: "3601"}, EnvSecretsTTL, "3601"},
		{"TTL with a unit", map[string]string{EnvParametersTTL: "5m"}, EnvParametersTTL, "5m"},
		{"negative timeout", map[string]string{EnvSecretsTimeout: "-5"}, EnvSecretsTimeout, "-5"},
		{"fractional timeout", map[string]string{EnvParametersTimeout: "1.5"}, EnvParametersTimeout, "1.5"},
		{"unknown log level", map[string]string{EnvLogLevel: "TRACE"}, EnvLogLevel, "TRACE"},
		{"unknown log format", map[string]string{EnvLogFormat: "xml"}, EnvLogFormat, "xml"},
		{"empty list item", map[string]string{EnvPrefetchSecrets: "a,,b"}, EnvPrefetchSecrets, "a,,b"},
		{"trailing comma", map[string]string{EnvPrefetchParameters: "/a,"}, EnvPrefetchParameters, "/a,"},
		{"path without a leading slash", map[string]string{EnvPrefetchPaths: "/demo,app"}, EnvPrefetchPaths, `item 2 ("app") does not start with /`},
		{"empty path", map[string]string{EnvPrefetchPaths: "/demo,"}, EnvPrefetchPaths, "/demo,"},
		{"negative stale window", map[string]string{EnvStaleIfError: "-1"}, EnvStaleIfError, "-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := FromEnv(env(withToken(tc.env)))
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.wantName, tc.wantVal)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantName) || !strings.Contains(msg, tc.wantVal) {
				t.Errorf("error %q does not name %s and %q", msg, tc.wantName, tc.wantVal)
			}
			if strings.Contains(msg, testToken) {
				t.Errorf("error reveals the token: %q", msg)
			}
		})
	}
}

func TestAllErrorsReported(t *testing.T) {
	t.Parallel()
	_, err := FromEnv(env(withToken(map[string]string{EnvHTTPPort: "x", EnvCacheSize: "y"})))
	if err == nil || !strings.Contains(err.Error(), EnvHTTPPort) || !strings.Contains(err.Error(), EnvCacheSize) {
		t.Fatalf("want both variables named, got %v", err)
	}
}

func TestMissingToken(t *testing.T) {
	t.Parallel()
	_, err := FromEnv(env(nil))
	if err == nil || !strings.Contains(err.Error(), EnvSessionToken) {
		t.Fatalf("want an error naming %s, got %v", EnvSessionToken, err)
	}
}

// FuzzFromEnv feeds arbitrary values to every variable, the token and the
// variable that carries it included: FromEnv must not panic, must return
// either a usable configuration within the documented ranges (holding exactly
// that token) or an error, and must never echo the token. The token carries a
// marker so that "echoed" cannot be confused with a short token that happens
// to occur in the error's own words.
func FuzzFromEnv(f *testing.F) {
	f.Add("true", "1000", "2773", "3", "INFO", "300", "0", "a,b", "300", "IQoJb3JpZ2luX2Vj", uint8(0))
	f.Add("FALSE", "-1", "0", "0", "none", "3601", "-1", ",", "x", "with space\tand tab", uint8(1))
	f.Add("", "", "", "", "", "", "", "", "", "", uint8(2))
	f.Add("maybe", "x", "70000", "-3", "TRACE", "5m", "1.5", "a,,b", "-1", " leading and trailing ", uint8(2))
	tokenVars := []string{EnvSessionToken, EnvContainerAuthToken, EnvToken}
	f.Fuzz(func(t *testing.T, enabled, size, port, conns, level, ttl, timeout, list, stale, tokenPart string, which uint8) {
		token := "tok-SECRET-" + tokenPart
		m := map[string]string{
			EnvCacheEnabled: enabled, EnvCacheSize: size, EnvHTTPPort: port,
			EnvMaxConnections: conns, EnvLogLevel: level, EnvSecretsTTL: ttl,
			EnvParametersTTL: ttl, EnvSecretsTimeout: timeout, EnvParametersTimeout: timeout,
			EnvPrefetchSecrets: list, EnvPrefetchParameters: list, EnvPrefetchPaths: list, EnvStaleIfError: stale,
			tokenVars[int(which)%len(tokenVars)]: token,
		}
		c, err := FromEnv(env(m))
		if err != nil {
			echoedByAnother := false // another variable's value may legitimately hold it
			for k, v := range m {
				if k != tokenVars[int(which)%len(tokenVars)] && strings.Contains(v, token) {
					echoedByAnother = true
				}
			}
			if !echoedByAnother && strings.Contains(err.Error(), token) {
				t.Fatalf("error reveals the token: %v", err)
			}
			return
		}
		if c.Token != token {
			t.Fatalf("Token = %q, want the one set in %s", c.Token, tokenVars[int(which)%len(tokenVars)])
		}
		if c.CacheSize < 0 || c.HTTPPort < 1 || c.HTTPPort > 65535 || c.MaxConnections < 1 ||
			c.SecretsTTL < 0 || c.SecretsTTL > MaxTTL || c.ParametersTTL < 0 || c.ParametersTTL > MaxTTL ||
			c.SecretsTimeout < 0 || c.StaleIfError < 0 {
			t.Fatalf("accepted out-of-range configuration %+v", c)
		}
		for _, s := range c.PrefetchSecrets {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("list item %q not trimmed or empty", s)
			}
		}
		for _, s := range c.PrefetchPaths {
			if !strings.HasPrefix(s, "/") {
				t.Fatalf("accepted path %q", s)
			}
		}
	})
}
