package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is one file or directory to store, by its name inside the zip.
type entry struct {
	name string // slash-separated, relative; directories end in "/"
	src  string // path on disk
	exec bool
}

// collect walks paths (relative to dir) and returns every file and directory under
// them, sorted by name. Symbolic links and other special files are refused: a layer
// must hold plain files.
func collect(dir string, paths []string) ([]entry, error) {
	seen := map[string]bool{}
	var entries []entry
	for _, p := range paths {
		clean := filepath.Clean(p)
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%s: paths must be relative to -C and inside it", p)
		}
		err := filepath.WalkDir(filepath.Join(dir, clean), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(rel)
			switch {
			case d.IsDir():
				if name == "." {
					return nil
				}
				name += "/"
			case !d.Type().IsRegular():
				return fmt.Errorf("%s: not a regular file or directory", path)
			}
			if seen[name] {
				return nil
			}
			seen[name] = true
			e := entry{name: name, src: path}
			if !d.IsDir() {
				info, err := d.Info()
				if err != nil {
					return err
				}
				e.exec = info.Mode()&0o111 != 0
			}
			entries = append(entries, e)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return entries, nil
}

// writeZip stores paths under dir into out, reproducibly (see the package doc).
func writeZip(out, dir string, paths []string, when time.Time) error {
	entries, err := collect(dir, paths)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("nothing to store under %s", dir)
	}
	return writeFileAtomically(out, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, e := range entries {
			if err := addEntry(zw, e, when); err != nil {
				return fmt.Errorf("add %s: %w", e.name, err)
			}
		}
		return zw.Close()
	})
}

// addEntry writes one entry with a fixed time and mode. The time is UTC so that the
// MS-DOS date fields do not depend on the builder's time zone.
func addEntry(zw *zip.Writer, e entry, when time.Time) error {
	h := &zip.FileHeader{Name: e.name, Modified: when.UTC()}
	switch {
	case strings.HasSuffix(e.name, "/"):
		h.SetMode(fs.ModeDir | 0o755)
		_, err := zw.CreateHeader(h)
		return err
	case e.exec:
		h.SetMode(0o755)
	default:
		h.SetMode(0o644)
	}
	h.Method = zip.Deflate
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	f, err := os.Open(e.src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// writeSums writes out in sha256sum's format for files, sorted by base name.
func writeSums(out string, files []string) error {
	type sum struct{ name, hex string }
	var sums []sum
	for _, f := range files {
		h, err := hashFile(f)
		if err != nil {
			return err
		}
		sums = append(sums, sum{filepath.Base(f), h})
	}
	slices.SortFunc(sums, func(a, b sum) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(sums); i++ {
		if sums[i].name == sums[i-1].name {
			return fmt.Errorf("two files named %s", sums[i].name)
		}
	}
	return writeFileAtomically(out, func(w io.Writer) error {
		for _, s := range sums {
			if _, err := fmt.Fprintf(w, "%s  %s\n", s.hex, s.name); err != nil {
				return err
			}
		}
		return nil
	})
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
