package sandbox

import (
	"context"
	"fmt"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// ExtensionName is the extension's file name in the layer. Lambda registers
// an external extension under its file name, so this is also the name it
// reports to the Extensions API.
const ExtensionName = "paramsecrets"

// Binaries are the built Lambda artifacts, laid out as Lambda sees them.
type Binaries struct {
	// Layer is the unpacked layer: Layer/extensions/paramsecrets (the front
	// Lambda starts) and Layer/paramsecrets/extension (what the front execs).
	// It is what the layer zip holds and what is mounted at /opt.
	Layer string
	// Extension is the program Lambda starts from Layer: the front.
	Extension string
	// Reader is the example function's bootstrap (examples/dbreader).
	Reader string
	// Rotators maps Rotator.Name to its bootstrap.
	Rotators map[string]string
}

// Build builds the extension, the example function and the four rotators
// into dir as static Linux bootstraps with the flags `sam build` uses
// (lambdatest.BuildBootstrap), two at a time.
func Build(ctx context.Context, dir string) (*Binaries, error) {
	b := &Binaries{
		Layer:    filepath.Join(dir, "layer"),
		Reader:   filepath.Join(dir, "dbreader", "bootstrap"),
		Rotators: map[string]string{},
	}
	b.Extension = filepath.Join(b.Layer, "extensions", ExtensionName)
	jobs := map[string]string{
		module + "/extension/front":   b.Extension,
		module + "/extension":         filepath.Join(b.Layer, "paramsecrets", "extension"),
		module + "/examples/dbreader": b.Reader,
	}
	for _, r := range Rotators() {
		b.Rotators[r.Name] = filepath.Join(dir, "rotators", r.Name, "bootstrap")
		jobs[r.Package()] = b.Rotators[r.Name]
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2) // the go command parallelises each build already
	for pkg, out := range jobs {
		g.Go(func() error {
			if err := lambdatest.BuildBootstrap(ctx, pkg, out); err != nil {
				return fmt.Errorf("build %s: %w", pkg, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return b, nil
}
