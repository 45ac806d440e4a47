package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// Credentials are the parts of a database secret a login needs.
type Credentials struct {
	Engine   string `json:"engine"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// ParseCredentials reads a secret's JSON value. Its error never quotes the
// value, which holds a password.
func ParseCredentials(secretString string) (Credentials, error) {
	var c Credentials
	if err := json.Unmarshal([]byte(secretString), &c); err != nil {
		return Credentials{}, fmt.Errorf("secret value is not a database secret (%d bytes)", len(secretString))
	}
	return c, nil
}

// Login logs in to the demo database of c's engine with c's username and
// password, which is how a user proves a rotation: the new password works,
// the old one does not. The error names the user, never the password.
func (d *Databases) Login(ctx context.Context, c Credentials) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch c.Engine {
	case EnginePostgres:
		conn, err := pgx.Connect(ctx, d.Postgres.UserDSN(c.Username, c.Password, Database))
		if err != nil {
			return fmt.Errorf("postgresql: log in as %s: %w", c.Username, err)
		}
		return conn.Close(ctx)
	case EngineMySQL, "mariadb":
		connector, err := mysql.NewConnector(d.MariaDB.UserConfig(c.Username, c.Password, Database))
		if err != nil {
			return fmt.Errorf("mariadb: log in as %s: %w", c.Username, err)
		}
		db := sql.OpenDB(connector)
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("mariadb: log in as %s: %w", c.Username, err)
		}
		return nil
	}
	return fmt.Errorf("log in as %s: unknown engine %q", c.Username, c.Engine)
}
