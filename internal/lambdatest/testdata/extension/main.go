// Command extension is a Lambda external extension for the lambdatest
// tests. It registers under its file name for INVOKE and SHUTDOWN (or the
// comma-separated $EVENTS) and
// appends one line per event to $MARKER_DIR/<name>: "started <path>", then
// "INVOKE", then "SHUTDOWN <reason>" before it exits (or, with
// IGNORE_SHUTDOWN set, hangs until killed).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "extension:", err)
		os.Exit(1)
	}
}

func run() error {
	name := filepath.Base(os.Args[0])
	marker := filepath.Join(os.Getenv("MARKER_DIR"), name)
	record := func(line string) error {
		f, err := os.OpenFile(marker, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = fmt.Fprintln(f, line)
		return err
	}
	if err := record("started " + os.Args[0]); err != nil {
		return err
	}
	// Lambda mounts layers read-only.
	if err := os.WriteFile(filepath.Join(filepath.Dir(os.Args[0]), "scribble"), nil, 0o644); err == nil {
		return record("/opt is writable")
	}
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2020-01-01/extension"
	events := []string{"INVOKE", "SHUTDOWN"}
	if v := os.Getenv("EVENTS"); v != "" {
		events = strings.Split(v, ",")
	}
	body, _ := json.Marshal(map[string][]string{"events": events})
	req, _ := http.NewRequest(http.MethodPost, base+"/register", bytes.NewReader(body))
	req.Header.Set("Lambda-Extension-Name", name)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("register: %s", resp.Status)
	}
	id := resp.Header.Get("Lambda-Extension-Identifier")
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/event/next", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var ev struct {
			EventType      string `json:"eventType"`
			ShutdownReason string `json:"shutdownReason"`
		}
		err = json.NewDecoder(resp.Body).Decode(&ev)
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch ev.EventType {
		case "SHUTDOWN":
			if err := record("SHUTDOWN " + ev.ShutdownReason); err != nil {
				return err
			}
			if os.Getenv("IGNORE_SHUTDOWN") != "" {
				select {} // outstay the deadline: the platform must kill us
			}
			return nil
		default:
			if err := record(ev.EventType); err != nil {
				return err
			}
		}
	}
}
