package rotation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paramsecrets/paramsecrets/rotators/dbtls"
)

// SSLMode is the meaning of the secret's "ssl" key, as AWS's rotation templates read it
// (see dbtls.Mode, which the adapters connect with).
type SSLMode = dbtls.Mode

const (
	// SSLPreferred is the zero value: the key is absent, so try TLS and fall back to plain
	// text, as AWS's templates do.
	SSLPreferred = dbtls.Preferred
	// SSLRequired is "ssl": true (or "true"): TLS is required and the server certificate is
	// verified (verify-full) against the system roots plus DB_CA_BUNDLE.
	SSLRequired = dbtls.Required
	// SSLDisabled is "ssl": false (or "false"): plain text only.
	SSLDisabled = dbtls.Disabled
)

// The JSON keys of AWS's database secrets.
const (
	keyEngine    = "engine"
	keyHost      = "host"
	keyPort      = "port"
	keyUsername  = "username"
	keyPassword  = "password"
	keyDBName    = "dbname"
	keyMasterARN = "masterarn"
	keySSL       = "ssl"
)

// Secret is a database secret as AWS's rotation templates store it: a JSON object with
// the keys engine, host, port, username, password, dbname, masterarn and ssl. Keys it does
// not know are carried over verbatim, so a rotation never drops what a user stored.
type Secret struct {
	Engine    string  // "postgres", "aurora-postgresql", "mysql", "aurora-mysql", "mariadb"
	Host      string  // "host"
	Port      int     // "port": JSON number or string; 0 when absent (the adapter's default applies)
	Username  string  // "username"
	Password  string  // "password"
	DBName    string  // "dbname"
	MasterARN string  // "masterarn": the secret holding the superuser (alternating users)
	SSL       SSLMode // "ssl": true/"true", false/"false"; absent or anything else = SSLPreferred

	// raw holds every key of the parsed JSON, so MarshalJSON keeps unknown keys and the
	// original spelling of port and ssl (string or number) when they did not change.
	raw map[string]json.RawMessage
}

// ParseSecret decodes a secret string. Its errors never include the JSON, which holds a
// password; they name the key that is wrong.
func ParseSecret(b []byte) (Secret, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		// The json error can quote part of the input: keep only its kind.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return Secret{}, fmt.Errorf("parse secret: invalid JSON at offset %d", syn.Offset)
		}
		return Secret{}, errors.New("parse secret: not a JSON object")
	}
	if raw == nil {
		return Secret{}, errors.New("parse secret: not a JSON object")
	}
	s := Secret{raw: raw}
	for key, dst := range map[string]*string{
		keyEngine: &s.Engine, keyHost: &s.Host, keyUsername: &s.Username,
		keyPassword: &s.Password, keyDBName: &s.DBName, keyMasterARN: &s.MasterARN,
	} {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return Secret{}, fmt.Errorf("parse secret: key %q must be a string", key)
		}
	}
	var err error
	if s.Port, err = parsePort(raw[keyPort]); err != nil {
		return Secret{}, err
	}
	s.SSL = dbtls.ParseMode(raw[keySSL])
	return s, nil
}

// parsePort accepts a JSON number or a string holding one, as the templates' int(port) does.
func parsePort(v json.RawMessage) (int, error) {
	if v == nil || string(v) == "null" {
		return 0, nil
	}
	text := string(v)
	var str string
	if json.Unmarshal(v, &str) == nil {
		text = strings.TrimSpace(str)
	}
	port, err := strconv.Atoi(text)
	if err != nil || port < 1 || port > 65535 {
		return 0, errors.New(`parse secret: key "port" must be a number from 1 to 65535`)
	}
	return port, nil
}

// MarshalJSON encodes the AWS keys plus the carried-over unknown keys. A key that was
// absent and is still empty stays absent; port and ssl keep their original JSON form
// (string or number) while their value is unchanged.
func (s Secret) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(s.raw)+8)
	for k, v := range s.raw {
		out[k] = v
	}
	for key, val := range map[string]string{
		keyEngine: s.Engine, keyHost: s.Host, keyUsername: s.Username,
		keyPassword: s.Password, keyDBName: s.DBName, keyMasterARN: s.MasterARN,
	} {
		if _, had := s.raw[key]; !had && val == "" {
			continue
		}
		out[key] = val
	}
	if p, err := parsePort(s.raw[keyPort]); err != nil || p != s.Port {
		if s.Port == 0 {
			delete(out, keyPort)
		} else {
			out[keyPort] = json.RawMessage(strconv.Itoa(s.Port))
		}
	}
	if _, had := s.raw[keySSL]; !had || dbtls.ParseMode(s.raw[keySSL]) != s.SSL {
		switch s.SSL {
		case SSLRequired:
			out[keySSL] = json.RawMessage("true")
		case SSLDisabled:
			out[keySSL] = json.RawMessage("false")
		default:
			delete(out, keySSL)
		}
	}
	// No HTML escaping, so a password such as "a<b&c" is stored as written, as Python's
	// json.dumps in AWS's templates stores it.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode secret: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// WithCredentials returns a copy of s with another username and password; every other key,
// known or not, is kept.
func (s Secret) WithCredentials(username, password string) Secret {
	s.Username = username
	s.Password = password
	return s
}
