package sandbox

import (
	"fmt"
	"strconv"

	"github.com/paramsecrets/paramsecrets/internal/lambdatest"
)

// ReaderOptions describes the example function reading secretName through
// the layer: the extension is started from /opt/extensions, finds localaws
// through AWS_ENDPOINT_URL (as the SDK does), and prefetches the secret and
// the parameter before the function's init reads them. Each reader gets its
// own extension port, because functions share the host's network.
func (b *Binaries) ReaderOptions(c *Cloud, secretName string) (lambdatest.Options, error) {
	port, err := lambdatest.FreePort()
	if err != nil {
		return lambdatest.Options{}, fmt.Errorf("extension port: %w", err)
	}
	return lambdatest.Options{
		Bootstrap: b.Reader,
		Opt:       b.Layer,
		Env: []string{
			"SECRET_ID=" + secretName,
			"PARAMETER_NAME=" + ParameterName,
			"AWS_ENDPOINT_URL=" + c.URL,
			"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=" + strconv.Itoa(port),
			"PARAMETERS_SECRETS_EXTENSION_PREFETCH_SECRETS=" + secretName,
			"PARAMETERS_SECRETS_EXTENSION_PREFETCH_PARAMETERS=" + ParameterName,
		},
	}, nil
}

// RotatorOptions describes rotator r as template.yaml deploys it, with
// SECRETS_MANAGER_ENDPOINT (the templates' variable) pointing at localaws, and
// the SDK's AWS_ENDPOINT_URL_RDS too, for RDS-managed master secrets and
// replicas.
func (b *Binaries) RotatorOptions(c *Cloud, r Rotator) lambdatest.Options {
	return lambdatest.Options{
		Bootstrap: b.Rotators[r.Name],
		Env:       []string{"SECRETS_MANAGER_ENDPOINT=" + c.URL, "AWS_ENDPOINT_URL_RDS=" + c.URL},
	}
}

// Register tells localaws that r's FunctionARN runs at fn: RotateSecret on
// r's demo secret then invokes fn through the emulator for the four steps.
func (c *Cloud) Register(r Rotator, fn *lambdatest.Function) {
	c.Server.RegisterFunction(r.FunctionARN(), fn.InvokeURL())
}
