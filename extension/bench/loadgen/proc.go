package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a server under test running as its own process, as it runs in
// Lambda, so its memory and CPU are its own.
type process struct {
	cmd  *exec.Cmd
	addr string
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startProcess runs argv with env and waits until GET /ping answers 200. It
// returns the time from exec to that first healthy answer.
func startProcess(argv []string, env []string, addr string) (*process, time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	p := &process{cmd: cmd, addr: addr}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	for deadline := start.Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return nil, 0, fmt.Errorf("%s exited before it was healthy", argv[0])
		default:
		}
		// Poll tightly: the figure of interest is milliseconds.
		if status, _, err := fetch(addr, "/ping", ""); err == nil && status == 200 {
			return p, time.Since(start), nil
		}
		time.Sleep(200 * time.Microsecond)
	}
	p.stop()
	return nil, 0, fmt.Errorf("%s not healthy in 10s", argv[0])
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
	}
}

// memory is a process's resident set: in all, and the part that is
// anonymous (heap, stacks) and file-backed (the program's code and read-only
// data, shared with the page cache).
type memory struct{ rss, anon, file int64 }

// rss reads the process's resident set from /proc (Linux).
func (p *process) rss() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	fields := map[string]*int64{"VmRSS:": &m.rss, "RssAnon:": &m.anon, "RssFile:": &m.file}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for prefix, dst := range fields {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err != nil {
					return memory{}, err
				}
				*dst = kb * 1024
			}
		}
	}
	if m.rss == 0 {
		return memory{}, fmt.Errorf("no VmRSS in /proc/%d/status", p.cmd.Process.Pid)
	}
	return m, nil
}

// serveBaseline is the comparison server: the least a Go net/http server can do
// to answer with the same bytes (same body, same Content-Type).
func serveBaseline(addr, bodyFile string) error {
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("healthy")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	return http.ListenAndServe(addr, mux)
}
