package testdb

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// errPortTaken marks a server that could not bind its port because another
// process holds it.
var errPortTaken = errors.New("port taken")

// restartAttempts and restartRetryDelay bound how long Restart waits for its
// port to come free again: the port was the server's a moment ago, so only a
// client's ephemeral socket that happened to take it can be in the way, and
// such a socket lives as long as its connection.
const (
	restartAttempts   = 20
	restartRetryDelay = 250 * time.Millisecond
)

// Restart stops the server the way an operator's restart does — PostgreSQL's
// fast shutdown, which ends every session — and starts it again on the same
// port with the same data, returning once it accepts connections. Clients
// see their connections dropped and new ones refused while it is down;
// users, passwords and data survive. ctx bounds the start.
func (pg *Postgres) Restart(ctx context.Context) error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.srv == nil {
		return errors.New("testdb: restart postgres: the server is closed")
	}
	if err := pg.srv.stop(syscall.SIGINT); err != nil {
		return fmt.Errorf("testdb: restart postgres: %w", err)
	}
	return relaunch(ctx, "postgres", pg.Port, pg.launch)
}

// Restart stops the server with a normal shutdown (SIGTERM: sessions are
// closed, InnoDB flushes) and starts it again on the same port with the same
// data, returning once it accepts connections. As for Postgres.Restart,
// connections are dropped and users, passwords and data survive. ctx bounds
// the start.
func (m *MariaDB) Restart(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv == nil {
		return errors.New("testdb: restart mariadb: the server is closed")
	}
	if err := m.srv.stop(syscall.SIGTERM); err != nil {
		return fmt.Errorf("testdb: restart mariadb: %w", err)
	}
	return relaunch(ctx, "mariadb", m.Port, m.launch)
}

// relaunch calls launch until the server runs, waiting a little while its
// port is taken.
func relaunch(ctx context.Context, name string, port int, launch func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := launch(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errPortTaken) {
			return fmt.Errorf("testdb: restart %s: %w", name, err)
		}
		if attempt == restartAttempts {
			return fmt.Errorf("testdb: restart %s: port %d still taken after %d attempts: %w", name, port, attempt, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testdb: restart %s: %w", name, ctx.Err())
		case <-time.After(restartRetryDelay):
		}
	}
}
