package postgres

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// The parameters PostgreSQL itself uses when it hashes a password: scram_iterations
// defaults to 4096 and SCRAM_DEFAULT_SALT_LEN is 16 (src/include/common/scram-common.h).
const (
	scramIterations = 4096
	scramSaltLen    = 16
)

// scramVerifier computes the SCRAM-SHA-256 verifier PostgreSQL stores for password,
// in the format of src/common/scram-common.c (scram_build_secret):
//
//	SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
//
// with standard, padded base64. Sending this instead of the password keeps the plaintext
// out of the server's statement log, pg_stat_statements and any proxy in between.
//
// PostgreSQL runs the password through SASLprep first, but returns pure ASCII unchanged
// (src/common/saslprep.c); the rotators only make ASCII passwords, so anything else is
// refused rather than hashed differently from how the server would check it.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("scram salt: %w", err)
	}
	return scramVerifierWithSalt(password, salt, scramIterations)
}

func scramVerifierWithSalt(password string, salt []byte, iterations int) (string, error) {
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			return "", errors.New("scram verifier: the password has non-ASCII characters, which PostgreSQL would normalise (SASLprep)")
		}
	}
	if password == "" {
		return "", errors.New("scram verifier: the password is empty")
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("scram verifier: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// verifierAlphabet is every byte a verifier can hold: the prefix's letters, digits and
// '-', base64's alphabet with '=' padding, and the separators '$' and ':'.
const verifierAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=$:-"

// quoteVerifier makes the verifier a SQL string literal. ALTER ROLE cannot take a bind
// parameter (utility statements have no parameters), so the value must be a literal. A
// verifier holds no quote or backslash by construction; checking every byte against its
// alphabet makes that a guarantee rather than an assumption, so plain single quotes are
// exact under any standard_conforming_strings setting.
func quoteVerifier(v string) (string, error) {
	outside := func(r rune) bool { return !strings.ContainsRune(verifierAlphabet, r) }
	if v == "" || strings.ContainsFunc(v, outside) {
		return "", errors.New("scram verifier has a character outside its alphabet")
	}
	return "'" + v + "'", nil
}
