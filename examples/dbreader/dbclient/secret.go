package dbclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Secret is the database secret JSON of AWS's rotation templates, the keys a
// login needs. VersionID is the version it was read from.
type Secret struct {
	Engine   string          `json:"engine"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"` // a number or a string
	Username string          `json:"username"`
	Password string          `json:"password"`
	DBName   string          `json:"dbname"`
	SSL      json.RawMessage `json:"ssl"` // true, false, or absent: see Open

	VersionID string `json:"-"`
}

// ParseSecret reads a SecretString. Its error never quotes the value, which
// holds a password.
func ParseSecret(secretString string) (Secret, error) {
	var s Secret
	if err := json.Unmarshal([]byte(secretString), &s); err != nil {
		// Say what failed, not what it held.
		return Secret{}, errors.New("SecretString is not a JSON object with the database secret's keys")
	}
	return s, nil
}

// PortNumber reads "port" as a number or a string, with the engine's default
// when it is absent.
func (s Secret) PortNumber() (int, error) {
	raw := strings.Trim(string(s.Port), `"`)
	if raw == "" || raw == "null" {
		if strings.Contains(s.Engine, "postgres") {
			return 5432, nil
		}
		return 3306, nil
	}
	p, err := json.Number(raw).Int64()
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q is not a TCP port", raw)
	}
	return int(p), nil
}
