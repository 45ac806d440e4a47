package lifecycle

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listen returns o.Listener when the caller bound one, or else binds o.Addr. A port another process already holds is the one start-up
// failure a user fixes by configuration, so the error says so and names the
// setting that moves the port (Options.PortSetting) rather than only the kernel's
// "bind: address already in use".
func listen(o Options) (net.Listener, error) {
	if o.Listener != nil {
		return o.Listener, nil
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) && o.PortSetting != "" {
		return nil, fmt.Errorf("listen on %s: the port is already in use by another process; set %s to a free port: %w",
			o.Addr, o.PortSetting, err)
	}
	return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
}
