// Package mysql is the MySQL and MariaDB adapter of the rotation engine
// (rotators/rotation): it logs in, changes a password and keeps the alternating-users
// clone in step with its base user, on github.com/go-sql-driver/mysql.
//
// One adapter serves both flavours. Every login reads SELECT VERSION() and picks the
// statements for what answered (MariaDB 10.5+, or MySQL 5.7, 8.x, 9.x and Aurora MySQL); nothing is
// guessed from the first digit of the version, since MySQL 9 and MariaDB 11 exist.
//
// Passwords and account names reach the server as string literals that the driver
// escapes (interpolateParams, which follows the session's NO_BACKSLASH_ESCAPES flag);
// identifiers taken from SHOW GRANTS are re-quoted with backticks, never pasted. On
// MariaDB the password is sent as its mysql_native_password hash, computed here, so the
// plain text never reaches the server's general query log; MySQL rewrites passwords in
// that log itself.
package mysql
