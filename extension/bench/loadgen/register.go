package main

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"sync"
	"time"
)

// extensionsAPI is a fake Lambda Extensions API for start-up timing: it notes
// when register and the first /event/next arrive and answers that
// /event/next with SHUTDOWN, so each extension started against it exits at
// once. One extension at a time.
type extensionsAPI struct {
	addr string
	srv  *http.Server

	mu     sync.Mutex
	events chan apiEvent // the current run's
}

// apiEvent is a call to the fake API and when it arrived.
type apiEvent struct {
	what string // "register" or "next"
	at   time.Time
}

func newExtensionsAPI() (*extensionsAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &extensionsAPI{addr: ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		a.note("register")
		w.Header().Set("Lambda-Extension-Identifier", "bench-extension-id")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"functionName":"bench","functionVersion":"$LATEST","handler":"bootstrap"}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		a.note("next")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":%d}`, time.Now().Add(2*time.Second).UnixMilli())
	})
	mux.HandleFunc("POST /2020-01-01/extension/init/error", func(w http.ResponseWriter, r *http.Request) {
		a.note("init/error")
		w.WriteHeader(http.StatusAccepted)
	})
	a.srv = &http.Server{Handler: mux}
	go a.srv.Serve(ln)
	return a, nil
}

func (a *extensionsAPI) note(what string) {
	t := time.Now()
	a.mu.Lock()
	ch := a.events
	a.mu.Unlock()
	if ch != nil {
		ch <- apiEvent{what, t}
	}
}

func (a *extensionsAPI) close() { a.srv.Close() }

// startup is one timed start of an extension.
type startup struct {
	register, next time.Duration // from exec
}

// timeStart execs argv with env (pointed at the fake API) and returns the
// time from exec to its register and to its first /event/next, then waits for
// it to exit.
func (a *extensionsAPI) timeStart(argv, env []string) (startup, error) {
	ch := make(chan apiEvent, 8)
	a.mu.Lock()
	a.events = ch
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.events = nil
		a.mu.Unlock()
	}()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+a.addr)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return startup{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var s startup
	for s.next == 0 {
		select {
		case ev := <-ch:
			switch ev.what {
			case "register":
				s.register = ev.at.Sub(start)
			case "next":
				s.next = ev.at.Sub(start)
			default:
				cmd.Process.Kill()
				return startup{}, fmt.Errorf("%s reported %s", argv[0], ev.what)
			}
		case err := <-exited:
			return startup{}, fmt.Errorf("%s exited before its first /event/next: %v", argv[0], err)
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			return startup{}, fmt.Errorf("%s: no /event/next in 10s", argv[0])
		}
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
	return s, nil
}

// startTimes holds the timed starts of each program, round by round.
type startTimes struct {
	names  []string
	rounds [][]startup // [round][program]
}

// compareStarts starts each program (argv) once per round, in turn, so a
// burst of other load on the machine falls on all of them alike.
func compareStarts(api *extensionsAPI, names []string, argvs [][]string, env func() ([]string, error), rounds int) (startTimes, error) {
	st := startTimes{names: names}
	for range rounds {
		row := make([]startup, len(argvs))
		for i, argv := range argvs {
			e, err := env()
			if err != nil {
				return st, err
			}
			if row[i], err = api.timeStart(argv, e); err != nil {
				return st, err
			}
		}
		st.rounds = append(st.rounds, row)
	}
	return st, nil
}

// median returns program i's median time to register (next false) or to its
// first /event/next (next true).
func (st startTimes) median(i int, next bool) time.Duration {
	var ds []time.Duration
	for _, row := range st.rounds {
		d := row[i].register
		if next {
			d = row[i].next
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// ratio returns the median over rounds of program i's time to register over
// program j's in the same round.
func (st startTimes) ratio(i, j int) float64 {
	var rs []float64
	for _, row := range st.rounds {
		rs = append(rs, float64(row[i].register)/float64(row[j].register))
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}
