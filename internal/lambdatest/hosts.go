package lambdatest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
)

// etcHosts is the machine's hosts file, whose loopback lines the function's
// private one keeps.
const etcHosts = "/etc/hosts"

// writeHostsFile validates hosts and writes the hosts file the function sees
// at /etc/hosts: the machine's loopback lines (localhost and the machine's
// own name keep resolving) followed by one line per entry, sorted by name.
// It returns the file's path; the caller removes it.
func writeHostsFile(hosts map[string]string) (string, error) {
	names := make([]string, 0, len(hosts))
	for name, addr := range hosts {
		if name == "" || strings.ContainsAny(name, " \t\r\n#") {
			return "", fmt.Errorf("Options.Hosts: %q is not a host name", name)
		}
		if net.ParseIP(addr) == nil {
			return "", fmt.Errorf("Options.Hosts: %q for %s is not an IP address", addr, name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("# " + etcHosts + " of a lambdatest function: the machine's loopback lines, then Options.Hosts\n")
	machine, err := loopbackLines(etcHosts)
	if err != nil {
		return "", err
	}
	for _, l := range machine {
		b.WriteString(l + "\n")
	}
	for _, name := range names {
		b.WriteString(hosts[name] + "\t" + name + "\n")
	}
	f, err := os.CreateTemp("", "lambdatest-hosts-*")
	if err != nil {
		return "", fmt.Errorf("Options.Hosts: %w", err)
	}
	path := f.Name()
	_, werr := f.WriteString(b.String())
	cerr := f.Close()
	// Readable by every uid: the managed-instances emulator runs the
	// function as uid 993.
	if err := errors.Join(werr, cerr, os.Chmod(path, 0o644)); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("Options.Hosts: write %s: %w", path, err)
	}
	return path, nil
}

// loopbackLines returns the lines of a hosts file whose address is a
// loopback one (127/8, ::1); a missing file has none.
func loopbackLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Options.Hosts: read %s: %w", path, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		if ip := net.ParseIP(fields[0]); ip != nil && ip.IsLoopback() {
			lines = append(lines, strings.Join(fields, " "))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("Options.Hosts: read %s: %w", path, err)
	}
	return lines, nil
}
