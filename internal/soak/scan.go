package soak

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// outputs is everything the run wrote or had written, by name: the logs of
// the extension, localaws, the application, every rotator environment and
// both databases, the progress lines, and the report itself as table and
// JSON. The run has stopped, so each is complete.
func (h *harness) outputs(rep *Report) map[string]string {
	out := map[string]string{
		"extension.log":   h.ext.Logs(),
		"localaws.log":    h.awsLogs.String(),
		"application.log": h.appLogs.String(),
		"progress.log":    h.progress.String(),
		"postgres.log":    h.dbs.Postgres.Log(),
		"mariadb.log":     h.dbs.MariaDB.Log(),
	}
	for _, rs := range h.rotators {
		for i, l := range rs.proc.logs() {
			out[fmt.Sprintf("%s.%d.log", rs.r.Name, i+1)] = l // one per execution environment
		}
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err == nil {
		out["table.txt"] = table.String()
	}
	if b, err := rep.JSON(); err == nil {
		out["soak.json"] = string(b)
	}
	return out
}

// scan names each output of the run that holds one of the passwords.
func (h *harness) scan(rep *Report, passwords []string) []string {
	return leaks(h.outputs(rep), passwords)
}

// leaks names each output that holds one of the passwords, never the password.
func leaks(outputs map[string]string, passwords []string) []string {
	leaks := []string{}
	for name, text := range outputs {
		for _, p := range passwords {
			if strings.Contains(text, p) {
				leaks = append(leaks, name)
				break
			}
		}
	}
	sort.Strings(leaks)
	return leaks
}

// writeLogs writes the logs that passed the scan into dir, one file each.
func (h *harness) writeLogs(dir string, rep *Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, text := range h.outputs(rep) {
		if !strings.HasSuffix(name, ".log") || slices.Contains(rep.Leaks, name) {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
