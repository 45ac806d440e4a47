package rotation

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sethvargo/go-password/password"
)

// The environment variables AWS's templates read to shape a new password.
const (
	EnvExcludeCharacters       = "EXCLUDE_CHARACTERS"
	EnvPasswordLength          = "PASSWORD_LENGTH"
	EnvExcludeNumbers          = "EXCLUDE_NUMBERS"
	EnvExcludePunctuation      = "EXCLUDE_PUNCTUATION"
	EnvExcludeUppercase        = "EXCLUDE_UPPERCASE"
	EnvExcludeLowercase        = "EXCLUDE_LOWERCASE"
	EnvRequireEachIncludedType = "REQUIRE_EACH_INCLUDED_TYPE"
)

// DefaultPasswordLength is the templates' PASSWORD_LENGTH default; MaxPasswordLength is
// GetRandomPassword's upper bound.
const (
	DefaultPasswordLength = 32
	MaxPasswordLength     = 4096
)

// The character classes of Secrets Manager's GetRandomPassword: punctuation is every
// printable ASCII character that is not a letter, a digit or a space.
const (
	lowercase   = "abcdefghijklmnopqrstuvwxyz"
	uppercase   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numbers     = "0123456789"
	punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// maxDraws bounds the redraws that REQUIRE_EACH_INCLUDED_TYPE may need. A redraw happens
// only when a class is missing; even for the shortest legal password over a thinned-out
// alphabet the chance that this many draws all miss is negligible.
const maxDraws = 10000

// PasswordConfig says how new passwords are made. The zero value is not valid; build it
// with PasswordConfigFromEnv, which applies the templates' defaults.
type PasswordConfig struct {
	Length             int
	ExcludeCharacters  string
	ExcludeNumbers     bool
	ExcludePunctuation bool
	ExcludeUppercase   bool
	ExcludeLowercase   bool
	RequireEachType    bool

	// err is a variable that could not be read. It is kept, not only returned, so that a
	// function started with bad settings still answers every event and fails createSecret
	// with the reason, where the rotation's error shows it.
	err error
}

// PasswordConfigFromEnv reads the templates' variables through getenv (os.Getenv in a
// main, a map in tests). defaultExclude is EXCLUDE_CHARACTERS when it is unset; the
// engines differ (PostgreSQL `:/@"'\`, MySQL `/@"'\`). A value that cannot be read, or a
// combination that cannot produce a password, is an error naming the variable; the
// returned config then carries that error too, and Validate and Generate report it.
func PasswordConfigFromEnv(getenv func(string) string, defaultExclude string) (PasswordConfig, error) {
	cfg, err := passwordConfigFromEnv(getenv, defaultExclude)
	if err == nil {
		err = cfg.Validate()
	}
	cfg.err = err
	return cfg, err
}

func passwordConfigFromEnv(getenv func(string) string, defaultExclude string) (PasswordConfig, error) {
	cfg := PasswordConfig{Length: DefaultPasswordLength, ExcludeCharacters: defaultExclude, RequireEachType: true}
	// The templates use os.environ.get, so an empty EXCLUDE_CHARACTERS that is set means
	// "exclude nothing"; getenv cannot tell set-but-empty from unset, so an empty value
	// keeps the default, the safer reading.
	if v := getenv(EnvExcludeCharacters); v != "" {
		cfg.ExcludeCharacters = v
	}
	if v := strings.TrimSpace(getenv(EnvPasswordLength)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cfg, fmt.Errorf("%s: %q is not a whole number", EnvPasswordLength, v)
		}
		cfg.Length = n
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{EnvExcludeNumbers, &cfg.ExcludeNumbers},
		{EnvExcludePunctuation, &cfg.ExcludePunctuation},
		{EnvExcludeUppercase, &cfg.ExcludeUppercase},
		{EnvExcludeLowercase, &cfg.ExcludeLowercase},
		{EnvRequireEachIncludedType, &cfg.RequireEachType},
	} {
		if err := parseBool(b.name, getenv(b.name), b.dst); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// parseBool accepts what the templates count as true (true, 1, y, yes) and their
// opposites; the templates read any other word as false, which would hide a typo.
func parseBool(name, value string, dst *bool) error {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "":
	case "true", "1", "y", "yes":
		*dst = true
	case "false", "0", "n", "no":
		*dst = false
	default:
		return fmt.Errorf("%s: %q is not true or false", name, value)
	}
	return nil
}

// classes returns the included character classes with the excluded characters removed.
// A class that is included but left empty by EXCLUDE_CHARACTERS is reported by name.
func (c PasswordConfig) classes() (included []string, emptied []string) {
	for _, cl := range []struct {
		name     string
		chars    string
		excluded bool
	}{
		{"lowercase letters", lowercase, c.ExcludeLowercase},
		{"uppercase letters", uppercase, c.ExcludeUppercase},
		{"numbers", numbers, c.ExcludeNumbers},
		{"punctuation", punctuation, c.ExcludePunctuation},
	} {
		if cl.excluded {
			continue
		}
		kept := strings.Map(func(r rune) rune {
			if strings.ContainsRune(c.ExcludeCharacters, r) {
				return -1
			}
			return r
		}, cl.chars)
		if kept == "" {
			emptied = append(emptied, cl.name)
			continue
		}
		included = append(included, kept)
	}
	return included, emptied
}

// Validate reports a configuration that cannot produce a password, naming the variables
// to change.
func (c PasswordConfig) Validate() error {
	if c.err != nil {
		return c.err
	}
	if c.Length < 1 || c.Length > MaxPasswordLength {
		return fmt.Errorf("%s: %d is outside 1..%d", EnvPasswordLength, c.Length, MaxPasswordLength)
	}
	included, emptied := c.classes()
	if len(included) == 0 {
		return errors.New("password settings exclude every character: check EXCLUDE_CHARACTERS and EXCLUDE_NUMBERS/PUNCTUATION/UPPERCASE/LOWERCASE")
	}
	if !c.RequireEachType {
		return nil
	}
	if len(emptied) > 0 {
		return fmt.Errorf("%s is true but %s removes all %s: exclude the class too, or allow some of its characters",
			EnvRequireEachIncludedType, EnvExcludeCharacters, strings.Join(emptied, " and "))
	}
	if c.Length < len(included) {
		return fmt.Errorf("%s is true but %s %d is shorter than the %d included character types",
			EnvRequireEachIncludedType, EnvPasswordLength, c.Length, len(included))
	}
	return nil
}

// Generate returns a new password drawn from crypto/rand. Each character is uniform over
// the allowed alphabet; with RequireEachType a draw that misses a class is discarded and
// redrawn, which keeps the result uniform over the passwords that satisfy the rule.
func (c PasswordConfig) Generate() (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	included, _ := c.classes()
	alphabet := strings.Join(included, "")
	// go-password draws letters from LowerLetters (+UpperLetters): give it the whole
	// alphabet there, and no digits or symbols of its own, so every position is drawn from
	// the same set. Its empty-means-default rule does not bite: every field is non-empty.
	gen, err := password.NewGenerator(&password.GeneratorInput{
		LowerLetters: alphabet, UpperLetters: alphabet, Digits: alphabet, Symbols: alphabet,
	})
	if err != nil {
		return "", fmt.Errorf("new password generator: %w", err)
	}
	for range maxDraws {
		pw, err := gen.Generate(c.Length, 0, 0, true, true)
		if err != nil {
			return "", fmt.Errorf("generate password: %w", err)
		}
		if !c.RequireEachType || hasEach(pw, included) {
			return pw, nil
		}
	}
	return "", fmt.Errorf("generate password: no password with every character type after %d draws; raise %s", maxDraws, EnvPasswordLength)
}

// hasEach reports whether pw holds at least one character of every class.
func hasEach(pw string, classes []string) bool {
	for _, cl := range classes {
		if !strings.ContainsAny(pw, cl) {
			return false
		}
	}
	return true
}
