package dbclient

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// IsAuthFailure reports whether the database refused the credential:
// PostgreSQL's invalid_password (28P01) or invalid_authorization_specification
// (28000), MySQL's ER_ACCESS_DENIED_ERROR (1045). That is what a client holding
// a password a rotation has replaced sees.
func IsAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "28P01" || pgErr.Code == "28000"
	}
	var myErr *mysql.MySQLError
	return errors.As(err, &myErr) && myErr.Number == 1045
}

// pgTransient is a server error that says "not now": the server is starting,
// stopping or full, or ended the session on an operator's command.
func pgTransient(code string) bool {
	switch code {
	case "57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: starting up or shutting down
		"53300": // too_many_connections
		return true
	}
	return strings.HasPrefix(code, "08") // connection_exception
}

// myTransient is pgTransient for MySQL's error numbers.
func myTransient(n uint16) bool {
	switch n {
	case 1040, // ER_CON_COUNT_ERROR: too many connections
		1053, // ER_SERVER_SHUTDOWN
		1927: // ER_CONNECTION_KILLED
		return true
	}
	return false
}

// IsTransient reports a failure that may pass: the extension answered 429 or a
// 5xx (Secrets Manager throttled, failed, or was slow), or the database could
// not be reached, dropped the connection, or was starting or stopping. An
// authentication failure is not transient (see IsAuthFailure), nor is a
// certificate that does not verify, nor anything else a second try would meet
// again.
func IsTransient(err error) bool {
	if err == nil || IsAuthFailure(err) {
		return false
	}
	var extErr *ExtensionError
	if errors.As(err, &extErr) {
		return extErr.Temporary()
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgTransient(pgErr.Code)
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		return myTransient(myErr.Number)
	}
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	if errors.As(err, &certErr) || errors.As(err, &alert) {
		return false // the server's certificate, or the server's verdict on the handshake
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true // one attempt's own timeout; the caller's deadline is checked apart
	case errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return true
	case innermost(err).Error() == "bad connection":
		// go-sql-driver/mysql's unexported errBadConnNoWrite: the connection
		// broke before anything was sent, which it does not always turn into
		// driver.ErrBadConn.
		return true
	}
	return false
}

// innermost unwraps err as far as it goes (down the first branch of a join).
func innermost(err error) error {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if es := u.Unwrap(); len(es) > 0 {
				next = es[0]
			}
		}
		if next == nil {
			return err
		}
		err = next
	}
}
