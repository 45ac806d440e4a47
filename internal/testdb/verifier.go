package testdb

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// The harness sets passwords by sending verifiers computed here rather than
// the passwords themselves, so a statement log (log_statement = 'all', the
// general query log) that tests search for leaked passwords never contains
// one the harness put there.

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for
// password, in the format of src/common/scram-common.c:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("testdb: generate SCRAM salt: %w", err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("testdb: derive SCRAM key: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s",
		scramIterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// nativePasswordHash returns MariaDB's mysql_native_password hash of
// password: "*" followed by upper-case hex of SHA1(SHA1(password)), the form
// IDENTIFIED BY PASSWORD accepts. Like PASSWORD(), it maps the empty
// password to "" (no password), which is what a client sending none matches.
func nativePasswordHash(password string) string {
	if password == "" {
		return ""
	}
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(h2[:]))
}

// pgString quotes s as a PostgreSQL string literal (standard_conforming_strings
// is on by default) for statements that take no bind parameters, such as
// CREATE ROLE ... PASSWORD.
func pgString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
