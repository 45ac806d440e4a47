package soak

import (
	"errors"
	"io"
	"net"
	"sync"
)

// proxy is the network path to one database: every secret names it instead
// of the server, so every client — the application's workers, the prober, the
// rotators — goes through it. Cut takes the path away from the rotation
// functions only, as when a rotation Lambda's subnet loses its route to the
// database: their open connections are reset and new ones refused, while this
// process's own connections (the application) keep working. A rotation
// function is another process, and that is how the proxy tells them apart
// (ownSocket).
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	pipes map[*pipe]struct{}
	cuts  int    // connections refused or reset while cut
	armed func() // run once another process's next connection is through
	wg    sync.WaitGroup
}

// pipe is one client connection and its connection to the server.
type pipe struct {
	client, server net.Conn
	own            int // 0 unknown, 1 this process's, -1 another's
}

// startProxy listens on a free loopback port and forwards to target.
func startProxy(target string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target, pipes: map[*pipe]struct{}{}}
	p.wg.Go(p.serve)
	return p, nil
}

// Addr is the host:port clients use.
func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.forward(c) })
	}
}

func (p *proxy) forward(c net.Conn) {
	pp := &pipe{client: c}
	p.mu.Lock()
	if p.cut && !p.owned(pp) {
		p.cuts++
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close() // the server is down: the client sees its connection end
		return
	}
	pp.server = s
	p.mu.Lock()
	if p.cut && !p.owned(pp) { // cut while dialling
		p.cuts++
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.pipes[pp] = struct{}{}
	var hook func()
	if p.armed != nil && !p.owned(pp) {
		hook, p.armed = p.armed, nil
	}
	p.mu.Unlock()
	if hook != nil {
		go hook()
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
	c.Close()
	s.Close()
	<-done
	p.mu.Lock()
	delete(p.pipes, pp)
	p.mu.Unlock()
}

// owned reports whether pp's client is this process, looking it up once. The
// caller holds p.mu.
func (p *proxy) owned(pp *pipe) bool {
	if pp.own == 0 {
		pp.own = -1
		if ownSocket(pp.client.RemoteAddr(), pp.client.LocalAddr()) {
			pp.own = 1
		}
	}
	return pp.own == 1
}

// Cut resets the connections of other processes and refuses their new ones
// until Restore.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for pp := range p.pipes {
		if !p.owned(pp) {
			p.cuts++
			pp.client.Close()
			pp.server.Close()
		}
	}
}

// Arm makes hook run as soon as another process's next connection has been
// forwarded to the server: the moment a rotation function starts talking to
// the database. Arm(nil) disarms; it reports whether a hook was still armed.
func (p *proxy) Arm(hook func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	was := p.armed != nil
	p.armed = hook
	return was
}

// Restore gives the path back.
func (p *proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// Cuts is how many connections the cuts took away.
func (p *proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// Close stops listening and ends every connection.
func (p *proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	for pp := range p.pipes {
		pp.client.Close()
		pp.server.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
