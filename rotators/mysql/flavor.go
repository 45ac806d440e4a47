package mysql

import (
	"fmt"
	"strconv"
	"strings"
)

// Flavor is the server that answered SELECT VERSION(): MariaDB or MySQL, and its version.
type Flavor struct {
	MariaDB             bool
	Major, Minor, Patch int
}

// ParseVersion reads SELECT VERSION() output such as "8.0.36", "9.1.0-commercial",
// "8.0.mysql_aurora.3.04.0", "10.11.6-MariaDB-0+deb12u1-log" or "11.4.2-MariaDB". MariaDB is recognised by name,
// not by number. The "5.5.5-" prefix that MariaDB puts in its handshake (for old
// replication clients) is skipped should a proxy pass it through.
func ParseVersion(v string) (Flavor, error) {
	f := Flavor{MariaDB: strings.Contains(strings.ToLower(v), "mariadb")}
	rest := v
	if f.MariaDB {
		rest = strings.TrimPrefix(rest, "5.5.5-")
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end >= 0 {
		rest = rest[:end]
	}
	// Aurora MySQL answers "8.0.mysql_aurora.3.04.0": the trailing dot is dropped.
	parts := strings.Split(strings.TrimRight(rest, "."), ".")
	if len(parts) < 2 {
		return Flavor{}, fmt.Errorf("server version %q: want major.minor[.patch]", v)
	}
	nums := make([]int, 3)
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return Flavor{}, fmt.Errorf("server version %q: want major.minor[.patch]", v)
		}
		nums[i] = n
	}
	f.Major, f.Minor, f.Patch = nums[0], nums[1], nums[2]
	return f, nil
}

// String is "MariaDB 10.11.6" or "MySQL 8.0.36".
func (f Flavor) String() string {
	name := "MySQL"
	if f.MariaDB {
		name = "MariaDB"
	}
	return fmt.Sprintf("%s %d.%d.%d", name, f.Major, f.Minor, f.Patch)
}

// AtLeast reports whether the version is major.minor.patch or later.
func (f Flavor) AtLeast(major, minor, patch int) bool {
	if f.Major != major {
		return f.Major > major
	}
	if f.Minor != minor {
		return f.Minor > minor
	}
	return f.Patch >= patch
}

// Supported refuses servers whose account statements this package does not speak:
// MariaDB before 10.5 and MySQL before 5.7. Every generally available 5.7 (5.7.9 on,
// and Aurora MySQL 2, which reports "5.7.mysql_aurora...") has ALTER USER ... IDENTIFIED
// BY; the 5.7 releases before 5.7.9 were development milestones.
func (f Flavor) Supported() error {
	if f.MariaDB && !f.AtLeast(10, 5, 0) {
		return fmt.Errorf("%s is not supported: need MariaDB 10.5 or later", f)
	}
	if !f.MariaDB && !f.AtLeast(5, 7, 0) {
		return fmt.Errorf("%s is not supported: need MySQL 5.7 or later", f)
	}
	return nil
}

// roles reports whether the server has roles (MariaDB 10.0.5+, MySQL 8.0+).
func (f Flavor) roles() bool { return f.MariaDB || f.AtLeast(8, 0, 0) }
