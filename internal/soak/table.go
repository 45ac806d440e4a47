package soak

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report as a person reads it.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	s := r.Setup
	fmt.Fprintf(&b, "paramsecrets soak: %.0f s of rotations; extension TTL %.0f s, rotations of a secret at least %.0f s apart;\n",
		r.Seconds, s.TTLSeconds, s.IntervalSeconds)
	fmt.Fprintf(&b, "%d workers per secret (a request every %.0f ms each) and %d long-lived session per secret; retries: %d attempts\n\n",
		s.WorkersPerSecret, s.PaceMs, s.LongLivedPerSecret, s.RetryAttempts)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rotator\trotations\tcompleted\trequests\tfailed\tfailed logins\tauth recovered\tother recovered\tslowest recovery ms\twindow p50 ms\twindow max ms\tlong-lived dropped (by restart)\t")
	for _, f := range r.Rotators {
		p50, top := "-", "-"
		if f.WindowMedianMs != nil {
			p50, top = fmt.Sprintf("%.1f", *f.WindowMedianMs), fmt.Sprintf("%.1f", *f.WindowMaxMs)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%s\t%s\t%d (%d)\t\n", f.Rotator, f.Rotations, f.Completed,
			f.Requests, f.FailedRequests, f.FailedLogins, f.AuthFailuresRecovered, f.TransientRecovered,
			f.SlowestRecoveryMs, p50, top, f.LongLivedDropped, f.LongLivedDroppedByRestart)
	}
	tw.Flush()
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fault\tinjected\tconverged\tno credential lost\ttook ms (median)\ttook ms (max)\tRotateSecret calls (max)\tsingle-user window max ms\t")
	for _, k := range r.FaultKinds {
		w := "-"
		if k.MaxWindowMs != nil {
			w = fmt.Sprintf("%.0f", *k.MaxWindowMs)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.0f\t%d\t%s\t\n", k.Kind, k.Injected, k.Converged, k.NoCredentialLost,
			k.MedianTookMs, k.MaxTookMs, k.MaxRotateSecretCalls, w)
	}
	tw.Flush()
	b.WriteString("\n")

	e := r.Extension
	fmt.Fprintf(&b, "extension, no request in flight: RSS %.1f MB at the start, %.1f MB at the end; goroutines %d, then %d\n",
		mb(e.Start.RSSBytes), mb(e.End.RSSBytes), e.Start.Goroutines, e.End.Goroutines)
	if len(e.Samples) > 0 {
		var rss []string
		most := 0
		for _, s := range e.Samples {
			rss = append(rss, fmt.Sprintf("%.1f", mb(s.RSSBytes)))
			most = max(most, s.Goroutines)
		}
		fmt.Fprintf(&b, "extension, every %.0f s under load: RSS MB %s; goroutines at most %d\n",
			extensionSampleEvery.Seconds(), strings.Join(rss, " "), most)
	}
	if e.Metrics != nil {
		fmt.Fprintf(&b, "extension metrics: %.0f cache hits, %.0f misses, %.0f stale served, %.0f upstream calls, %.0f errors\n",
			e.Metrics["CacheHits"], e.Metrics["CacheMisses"], e.Metrics["CacheStaleServed"], e.Metrics["UpstreamCalls"], e.Metrics["Errors"])
	}
	checks, lost, locked := 0, 0, 0
	for _, f := range r.Rotators {
		checks, lost, locked = checks+f.Checks, lost+f.CredentialLost, locked+f.LockedOut
	}
	fmt.Fprintf(&b, "prober: %d looks at the staged credentials, %d with none logging in; %d rotations left AWSCURRENT refused\n", checks, lost, locked)
	fmt.Fprintf(&b, "passwords: %d generated, looked for in every log, the table and soak.json: %d found\n", r.PasswordsChecked, len(r.Leaks))
	_, err := io.WriteString(w, b.String())
	return err
}

// JSON is the report as dist/soak.json holds it.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
