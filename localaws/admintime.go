package localaws

import (
	"bytes"
	"net/http"
	"time"
)

// clockRoute is the body of POST /_localaws/clock.
type clockRoute struct {
	Advance string `json:"advance"`
}

// clockAnswer is what the clock routes answer.
type clockAnswer struct {
	Now    string `json:"now"`
	Offset string `json:"offset"`
	// RotationsStarted are the secrets whose scheduled rotation the move
	// started; they run in the background.
	RotationsStarted []string `json:"rotationsStarted,omitempty"`
}

// serveTimeAndSeed answers the admin routes of the clock, the event log and
// seeds:
//
//	GET  /_localaws/clock   {"now": ..., "offset": ...}
//	POST /_localaws/clock   {"advance": "720h"} moves the clock (see AdvanceClock)
//	GET  /_localaws/events  the recorded EventBridge events, oldest first
//	POST /_localaws/seed    a seed document, merged into the running server
func (s *Server) serveTimeAndSeed(w http.ResponseWriter, r *http.Request, route string, body []byte) {
	switch {
	case route == "events":
		adminJSON(w, s.Events())
	case route == "seed":
		if err := s.LoadSeed(bytes.NewReader(body)); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		adminJSON(w, struct{}{})
	case r.Method == http.MethodGet:
		adminJSON(w, clockAnswer{Now: s.Now().Format(time.RFC3339Nano), Offset: s.clock.Offset().String()})
	default:
		var cr clockRoute
		if err := strictJSON(body, &cr); err != nil {
			adminError(w, http.StatusBadRequest, "clock: "+err.Error())
			return
		}
		d, err := parseAdvance(cr.Advance)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		now, started, err := s.AdvanceClock(d)
		if err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		adminJSON(w, clockAnswer{Now: now.Format(time.RFC3339Nano), Offset: s.clock.Offset().String(), RotationsStarted: started})
	}
}
