// Package config reads and validates the extension's environment variables once,
// at start-up. The names and defaults are those of the AWS Parameters and Secrets
// Lambda Extension, so a function configured for it works unchanged:
// https://docs.aws.amazon.com/lambda/latest/dg/with-secrets-manager.html and
// https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
//
// A bad value is a start-up error naming the variable and the value, never a
// silent default: a typo in a TTL should fail the deploy, not quietly disable the
// cache.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Environment variable names. The first group is the AWS extension's; the prefix
// also carries this extension's own additions.
const (
	Prefix = "PARAMETERS_SECRETS_EXTENSION_"

	EnvCacheEnabled   = Prefix + "CACHE_ENABLED"
	EnvCacheSize      = Prefix + "CACHE_SIZE"
	EnvHTTPPort       = Prefix + "HTTP_PORT"
	EnvMaxConnections = Prefix + "MAX_CONNECTIONS"
	EnvLogLevel       = Prefix + "LOG_LEVEL"

	EnvSecretsTTL        = "SECRETS_MANAGER_TTL"
	EnvParametersTTL     = "SSM_PARAMETER_STORE_TTL"
	EnvSecretsTimeout    = "SECRETS_MANAGER_TIMEOUT_MILLIS"
	EnvParametersTimeout = "SSM_PARAMETER_STORE_TIMEOUT_MILLIS"

	EnvPrefetchSecrets    = Prefix + "PREFETCH_SECRETS"
	EnvPrefetchParameters = Prefix + "PREFETCH_PARAMETERS"
	EnvPrefetchPaths      = Prefix + "PREFETCH_PARAMETER_PATHS"
	EnvStaleIfError       = Prefix + "STALE_IF_ERROR"

	// The token callers must present, in order of preference. Lambda sets
	// AWS_SESSION_TOKEN; the other two cover container credential providers.
	EnvSessionToken       = "AWS_SESSION_TOKEN"
	EnvContainerAuthToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	EnvToken              = "AWS_TOKEN"

	// EnvLogFormat is set by Lambda to JSON or Text (advanced logging controls).
	EnvLogFormat = "AWS_LAMBDA_LOG_FORMAT"
)

// Defaults, as documented for the AWS extension (plus ours).
const (
	DefaultCacheSize      = 1000
	DefaultHTTPPort       = 2773
	DefaultMaxConnections = 3
	DefaultTTL            = 300 * time.Second
	DefaultStaleIfError   = 300 * time.Second

	// MaxTTL is the longest accepted cache TTL. The AWS extension silently caps
	// at 300 s; we accept up to an hour and refuse more.
	MaxTTL = 3600 * time.Second
)

// Config is the validated configuration the rest of the extension receives.
type Config struct {
	Token             string        // never logged or echoed in an error
	CacheEnabled      bool          // false disables the cache entirely
	CacheSize         int           // entries; 0 = no cache
	HTTPPort          int           // 127.0.0.1:HTTPPort
	MaxConnections    int           // upstream connections per service
	LogLevel          slog.Level    // meaningful unless LogNone
	LogNone           bool          // LOG_LEVEL=NONE: discard all logs
	LogJSON           bool          // AWS_LAMBDA_LOG_FORMAT=JSON
	SecretsTTL        time.Duration // 0 = secrets are not cached
	ParametersTTL     time.Duration // 0 = parameters are not cached
	SecretsTimeout    time.Duration // 0 = no timeout
	ParametersTimeout time.Duration // 0 = no timeout
	// PrefetchSecrets and PrefetchParameters are fetched before the first
	// /event/next, so they are cached by the first invoke.
	PrefetchSecrets    []string
	PrefetchParameters []string
	// PrefetchPaths are parameter hierarchies fetched whole (recursively)
	// before the first /event/next.
	PrefetchPaths []string
	StaleIfError  time.Duration // how long an expired entry may cover a transient upstream failure
}

// CacheActive reports whether any response can be cached at all: the cache is
// enabled, has room, and at least one store has a non-zero TTL.
func (c Config) CacheActive() bool {
	return c.CacheEnabled && c.CacheSize > 0 && (c.SecretsTTL > 0 || c.ParametersTTL > 0)
}

// FromEnv reads the configuration through getenv (os.Getenv in production, a map
// in tests). An unset or empty variable takes its default. Every invalid variable
// is reported, joined into one error.
func FromEnv(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		Token:             firstSet(getenv, EnvSessionToken, EnvContainerAuthToken, EnvToken),
		CacheEnabled:      p.boolean(EnvCacheEnabled, true),
		CacheSize:         p.integer(EnvCacheSize, DefaultCacheSize, 0, maxInt32),
		HTTPPort:          p.integer(EnvHTTPPort, DefaultHTTPPort, 1, 65535),
		MaxConnections:    p.integer(EnvMaxConnections, DefaultMaxConnections, 1, maxInt32),
		SecretsTTL:        p.seconds(EnvSecretsTTL, DefaultTTL, MaxTTL),
		ParametersTTL:     p.seconds(EnvParametersTTL, DefaultTTL, MaxTTL),
		SecretsTimeout:    p.millis(EnvSecretsTimeout),
		ParametersTimeout: p.millis(EnvParametersTimeout),
		StaleIfError:      p.seconds(EnvStaleIfError, DefaultStaleIfError, maxInt32*time.Second),
	}
	c.PrefetchSecrets = p.list(EnvPrefetchSecrets)
	c.PrefetchParameters = p.list(EnvPrefetchParameters)
	c.PrefetchPaths = p.paths(EnvPrefetchPaths)
	c.LogLevel, c.LogNone = p.logLevel(EnvLogLevel)
	c.LogJSON = p.logFormat(EnvLogFormat)
	if c.Token == "" {
		p.errs = append(p.errs, fmt.Errorf("no token: set %s (Lambda sets it), %s or %s",
			EnvSessionToken, EnvContainerAuthToken, EnvToken))
	}
	if err := errors.Join(p.errs...); err != nil {
		return Config{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return c, nil
}

func firstSet(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

const maxInt32 = 1<<31 - 1

// parser accumulates one error per bad variable so a user fixes them all at once.
// The values it echoes are plain configuration, never the token.
type parser struct {
	getenv func(string) string
	errs   []error
}

func (p *parser) value(name string) (string, bool) {
	v := strings.TrimSpace(p.getenv(name))
	return v, v != ""
}

func (p *parser) fail(name, value, want string) {
	p.errs = append(p.errs, fmt.Errorf("%s=%q: %s", name, value, want))
}

// boolean accepts what the AWS extension accepts: true or false, in any case.
func (p *parser) boolean(name string, def bool) bool {
	v, ok := p.value(name)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	p.fail(name, v, "want true or false")
	return def
}

func (p *parser) integer(name string, def, lo, hi int) int {
	v, ok := p.value(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < int64(lo) || n > int64(hi) {
		p.fail(name, v, fmt.Sprintf("want an integer from %d to %d", lo, hi))
		return def
	}
	return int(n)
}

func (p *parser) seconds(name string, def, max time.Duration) time.Duration {
	n := p.integer(name, int(def/time.Second), 0, int(max/time.Second))
	return time.Duration(n) * time.Second
}

func (p *parser) millis(name string) time.Duration {
	return time.Duration(p.integer(name, 0, 0, maxInt32)) * time.Millisecond
}

// list splits a comma-separated list, trimming each item. An empty item (as in
// "a,,b" or a trailing comma) is refused: it is almost always a typo.
func (p *parser) list(name string) []string {
	v, ok := p.value(name)
	if !ok {
		return nil
	}
	parts := strings.Split(v, ",")
	out := make([]string, 0, len(parts))
	for i, s := range parts {
		s = strings.TrimSpace(s)
		if s == "" {
			p.fail(name, v, fmt.Sprintf("item %d is empty", i+1))
			return nil
		}
		out = append(out, s)
	}
	return out
}

// paths is a list whose items are parameter hierarchies, which start with
// "/" (GetParametersByPath refuses any other path).
func (p *parser) paths(name string) []string {
	items := p.list(name)
	for i, it := range items {
		if !strings.HasPrefix(it, "/") {
			p.fail(name, p.getenv(name), fmt.Sprintf("item %d (%q) does not start with /", i+1, it))
			return nil
		}
	}
	return items
}

// logLevel accepts DEBUG, INFO, WARN, ERROR and NONE in any case (the AWS CDK
// writes them in lower case); WARNING is taken as WARN.
func (p *parser) logLevel(name string) (slog.Level, bool) {
	v, ok := p.value(name)
	if !ok {
		return slog.LevelInfo, false
	}
	switch strings.ToUpper(v) {
	case "DEBUG":
		return slog.LevelDebug, false
	case "INFO":
		return slog.LevelInfo, false
	case "WARN", "WARNING":
		return slog.LevelWarn, false
	case "ERROR":
		return slog.LevelError, false
	case "NONE":
		return slog.LevelInfo, true
	}
	p.fail(name, v, "want DEBUG, INFO, WARN, ERROR or NONE")
	return slog.LevelInfo, false
}

// logFormat follows Lambda's advanced logging controls: JSON or Text.
func (p *parser) logFormat(name string) bool {
	v, ok := p.value(name)
	if !ok {
		return false
	}
	switch strings.ToUpper(v) {
	case "JSON":
		return true
	case "TEXT":
		return false
	}
	p.fail(name, v, "want JSON or Text")
	return false
}
