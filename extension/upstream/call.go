package upstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyrand "github.com/aws/smithy-go/rand"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// service makes one AWS service's JSON 1.1 calls: POST / with the operation in
// X-Amz-Target, signed with SigV4, retried by the config's retryer the way
// the SDK's retry middleware retries (aws/retry's Attempt).
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonParameters.html
type service struct {
	spec
	url       string // where every call goes
	region    string // the signing region: the configured one, as the SDK signs
	creds     aws.CredentialsProvider
	signer    *v4.Signer
	retryer   aws.RetryerV2
	http      *transport
	userAgent string
	// skew is the clock skew the last call measured (server time minus ours),
	// in nanoseconds, which the next call's signatures correct for — unless
	// noSkewFix, the config's DisableClockSkewCorrection.
	skew      atomic.Int64
	noSkewFix bool
}

// maxResponse bounds a response body. The largest answer the extension asks
// for, a BatchGetSecretValue page of 20 secrets of 64 KB, is far smaller.
const maxResponse = 16 << 20

func newService(sp spec, cfg aws.Config, tr *transport, lookupEnv func(string) (string, bool)) (*service, error) {
	endpoint, err := resolveEndpoint(cfg, sp, lookupEnv)
	if err != nil {
		return nil, err
	}
	if err := smithyhttp.ValidateEndpointHost(endpoint.Host); err != nil {
		return nil, fmt.Errorf("the %s endpoint: %w", sp.name, err)
	}
	u := url.URL{Scheme: endpoint.Scheme, Host: endpoint.Host,
		Path: smithyhttp.JoinPath(endpoint.Path, "/"), RawPath: smithyhttp.JoinPath(endpoint.RawPath, "")}
	creds := cfg.Credentials // nil or anonymous: unsigned, as the SDK sends them
	if aws.IsCredentialsProvider(creds, (*aws.AnonymousCredentials)(nil)) {
		creds = nil
	}
	return &service{
		spec:      sp,
		url:       u.String(),
		region:    cfg.Region,
		creds:     creds,
		signer:    v4.NewSigner(),
		retryer:   retryerOf(cfg),
		http:      tr,
		userAgent: userAgent(cfg, lookupEnv),
		noSkewFix: cfg.DisableClockSkewCorrection,
	}, nil
}

// retryerOf is the retryer the SDK's service clients make of cfg: its own
// Retryer, else a standard (or, with AWS_RETRY_MODE=adaptive, adaptive) one;
// AWS_MAX_ATTEMPTS (RetryMaxAttempts) overrides either's attempts.
func retryerOf(cfg aws.Config) aws.RetryerV2 {
	var r aws.Retryer
	switch {
	case cfg.Retryer != nil:
		r = cfg.Retryer()
	case cfg.RetryMode == aws.RetryModeAdaptive:
		r = retry.NewAdaptiveMode()
	default:
		r = retry.NewStandard()
	}
	if cfg.RetryMaxAttempts != 0 {
		r = retry.AddWithMaxAttempts(r, cfg.RetryMaxAttempts)
	}
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return retryerV2{r}
}

// retryerV2 adapts an aws.Retryer as the SDK does: an attempt's token is
// the initial one.
type retryerV2 struct{ aws.Retryer }

func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// Content types of the two protocols' requests.
const (
	contentTypeJSON  = "application/x-amz-json-1.1"
	contentTypeQuery = "application/x-www-form-urlencoded"
)

// call performs the JSON 1.1 operation target names (an X-Amz-Target) with
// the request body in, and hands the answer's body to decode.
func (s *service) call(ctx context.Context, target string, in any, decode func([]byte) error) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as the SDK writes strings
	if err := enc.Encode(in); err != nil {
		return fmt.Errorf("encode the request: %w", err)
	}
	return s.send(ctx, attempt{target: target, contentType: contentTypeJSON,
		payload: bytes.TrimSuffix(buf.Bytes(), []byte("\n")), decode: decode})
}

// callQuery performs a Query protocol operation: a form of the operation
// and the API version (op, "Action=X&Version=V") and params, members in key
// order, as the SDK's query serializer writes them.
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
func (s *service) callQuery(ctx context.Context, op string, params url.Values, decode func([]byte) error) error {
	form, err := url.ParseQuery(op)
	if err != nil {
		return fmt.Errorf("encode the request: %w", err)
	}
	for k, v := range params {
		form[k] = v
	}
	return s.send(ctx, attempt{contentType: contentTypeQuery, payload: []byte(form.Encode()), decode: decode})
}

// send makes a's call, retried by the config's retryer.
func (s *service) send(ctx context.Context, a attempt) error {
	sum := sha256.Sum256(a.payload)
	a.hash, a.invocation, a.max = hex.EncodeToString(sum[:]), invocationID(), s.retryer.MaxAttempts()
	if !s.noSkewFix {
		a.skew = time.Duration(s.skew.Load())
		defer func() {
			if a.measured {
				s.skew.Store(int64(a.candidate))
			}
		}()
	}
	release := func(error) error { return nil }
	for a.n = 1; ; a.n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		releaseAttempt, err := s.retryer.GetAttemptToken(ctx)
		if err != nil {
			return fmt.Errorf("failed to get retry Send token, %w", err)
		}
		err = s.attempt(ctx, &a)
		if rerr := release(err); rerr != nil && err != nil {
			return fmt.Errorf("failed to release retry token after request error, %w", err)
		}
		if rerr := releaseAttempt(err); rerr != nil && err != nil {
			return fmt.Errorf("failed to release initial token after request error, %w", err)
		}
		if err == nil {
			return nil
		}
		if !s.noSkewFix {
			err = clockSkewed(err, a)
		}
		if !s.retryer.IsErrorRetryable(err) {
			return err
		}
		if a.max > 0 && a.n >= a.max {
			return &retry.MaxAttemptsError{Attempt: a.n, Err: err}
		}
		var terr error
		if release, terr = s.retryer.GetRetryToken(ctx, err); terr != nil {
			return errors.Join(err, terr)
		}
		delay, derr := s.retryer.RetryDelay(a.n, err)
		if derr != nil {
			return derr
		}
		if serr := sleep(ctx, retryAfter(delay, err)); serr != nil {
			return &aws.RequestCanceledError{Err: serr}
		}
		// The next attempt signs with what this one measured.
		a.skew = 0
		if a.measured {
			a.skew = a.candidate
		}
	}
}

// attempt is one call's state across its attempts.
type attempt struct {
	target      string // X-Amz-Target; "" for a Query protocol call
	contentType string
	hash        string
	invocation  string
	payload     []byte
	decode      func([]byte) error
	n, max      int
	skew        time.Duration // this attempt signs at our time plus skew
	// candidate is the skew the last answer showed, when measured.
	candidate time.Duration
	measured  bool
}

// attempt sends a's request once and decodes the answer.
func (s *service) attempt(ctx context.Context, a *attempt) error {
	a.measured = false
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(a.payload))
	if err != nil {
		return fmt.Errorf("build the request: %w", err)
	}
	h := req.Header
	h.Set("Content-Type", a.contentType)
	if a.target != "" {
		h.Set("X-Amz-Target", a.target)
	}
	h.Set("User-Agent", s.userAgent)
	h.Set("Amz-Sdk-Invocation-Id", a.invocation)
	h.Set("Amz-Sdk-Request", retryHeader(ctx, a))
	if s.creds != nil {
		creds, err := s.creds.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("get identity: %w", err)
		}
		if err := s.signer.SignHTTP(ctx, creds, req, a.hash, s.signingName, s.region, time.Now().Add(a.skew).UTC()); err != nil {
			return &v4.SigningError{Err: err}
		}
	}
	requestAt := time.Now()
	resp, err := s.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return &smithy.CanceledError{Err: ctx.Err()}
		}
		return &smithyhttp.RequestSendError{Err: err}
	}
	defer resp.Body.Close()
	responseAt := time.Now()
	if date, derr := smithyhttp.ParseTime(resp.Header.Get("Date")); derr == nil && resp.Header.Get("Age") == "" &&
		responseAt.Sub(requestAt) <= 15*time.Minute {
		a.candidate, a.measured = date.Sub(responseAt), true
	}
	b, err := readBody(resp.Body, maxResponse)
	if err != nil {
		return wrapResponse(resp, &smithy.DeserializationError{Err: fmt.Errorf("read the response body: %w", err)})
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return s.responseError(resp, b)
	}
	if err := a.decode(b); err != nil {
		return wrapResponse(resp, &smithy.DeserializationError{Err: fmt.Errorf("decode the response: %v", safeJSONError(err))})
	}
	return nil
}

// wrapResponse puts err in the wrapper the SDK puts every failure that came
// with a response in.
func wrapResponse(resp *http.Response, err error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
		RequestID:     resp.Header.Get("X-Amzn-Requestid"),
	}
}

// safeJSONError says what was wrong with a body without quoting any of it
// (encoding/json's syntax errors quote the offending character).
func safeJSONError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		kind, _, _ := strings.Cut(te.Value, " ") // "number 1e700": the kind only
		return fmt.Errorf("a JSON %s where %s was expected", kind, te.Type)
	}
	return err
}

// retryHeader is Amz-Sdk-Request, as the SDK's retry middleware sets it.
func retryHeader(ctx context.Context, a *attempt) string {
	parts := []string{"attempt=" + strconv.Itoa(a.n)}
	if a.max != 0 {
		parts = append(parts, "max="+strconv.Itoa(a.max))
	}
	if deadline, ok := ctx.Deadline(); ok && a.skew > 0 {
		parts = append(parts, "ttl="+deadline.Add(a.skew).Format("20060102T150405Z"))
	}
	return strings.Join(parts, "; ")
}

// clockSkewCodes are the errors a wrong clock can cause.
const clockSkewCodes = "InvalidSignatureException SignatureDoesNotMatch AuthFailure RequestTimeTooSkewed AccessDeniedException"

// skewedClock is an error a retry with a corrected clock may cure: the
// retryer retries it (it is a retry.RetryableError).
type skewedClock struct{ err error }

func (e *skewedClock) Error() string        { return "probable clock skew error: " + e.err.Error() }
func (e *skewedClock) Unwrap() error        { return e.err }
func (e *skewedClock) RetryableError() bool { return true }

// clockSkewed marks err retryable when it is one a wrong clock causes and the
// answer showed a skew more than four minutes from the one this attempt
// signed with (the SDK's rule).
func clockSkewed(err error, a attempt) error {
	var api interface{ ErrorCode() string }
	if !errors.As(err, &api) || !a.measured {
		return err
	}
	if d := a.skew - a.candidate; listed(clockSkewCodes, api.ErrorCode()) && (d > 4*time.Minute || d < -4*time.Minute) {
		return &skewedClock{err}
	}
	return err
}

// retryAfter bends a backoff towards the X-Amz-Retry-After (milliseconds) of
// the answer, between the backoff and 5 s more.
func retryAfter(backoff time.Duration, err error) time.Duration {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil {
		return backoff
	}
	ms, perr := strconv.ParseInt(re.Response.Header.Get("X-Amz-Retry-After"), 10, 64)
	if perr != nil || ms < 0 {
		return backoff
	}
	return min(max(time.Duration(ms)*time.Millisecond, backoff), backoff+5*time.Second)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// invocationID names one call across its attempts (Amz-Sdk-Invocation-Id).
func invocationID() string {
	id, err := smithyrand.NewUUID(rand.Reader).GetUUID()
	if err != nil {
		return ""
	}
	return id
}
