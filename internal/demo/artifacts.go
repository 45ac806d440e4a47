package main

import (
	"archive/zip"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// artifact describes one built bootstrap the way a user deploying it cares
// about: how big it is, how big its zip is, and that it needs no loader.
type artifact struct {
	size, zipSize int64
	arch          string
}

// inspect reads path's size, packs it as Lambda's zip would (at zipPath
// inside the archive) to measure the upload, and checks that it is a
// static Linux executable: provided.al2023 runs it with no dynamic loader.
func inspect(path, zipPath string) (artifact, error) {
	f, err := elf.Open(path)
	if err != nil {
		return artifact{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	defer f.Close()
	if slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }) {
		return artifact{}, fmt.Errorf("inspect %s: dynamically linked, Lambda's provided.al2023 needs a static binary", path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return artifact{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	n, err := zippedSize(path, zipPath)
	if err != nil {
		return artifact{}, err
	}
	arch := map[elf.Machine]string{elf.EM_X86_64: "x86_64", elf.EM_AARCH64: "arm64"}[f.Machine]
	return artifact{size: st.Size(), zipSize: n, arch: arch}, nil
}

// zippedSize is the size of a deflated zip holding path as name, with the
// executable bit Lambda needs.
func zippedSize(path, name string) (int64, error) {
	src, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("zip %s: %w", path, err)
	}
	defer src.Close()
	var cw countingWriter
	zw := zip.NewWriter(&cw)
	h := &zip.FileHeader{Name: filepath.ToSlash(name), Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = io.Copy(w, src)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return 0, fmt.Errorf("zip %s: %w", path, err)
	}
	return cw.n, nil
}

// countingWriter counts bytes and keeps none.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
