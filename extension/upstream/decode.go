package upstream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	smithytime "github.com/aws/smithy-go/time"
)

// Decoding JSON 1.1 response bodies the way aws-sdk-go-v2 does (its shape
// deserializer in smithy-go's transport/http/protocol/internal/json), so that
// an answer is the same whichever of the two read it:
//
//   - an empty body is an output with nothing set; a body that is not an
//     object, null included, is an error;
//   - only the first JSON value is read; what follows it is ignored;
//   - members are matched by exact name, unknown ones skipped, a null one
//     taken as absent (so it leaves an earlier occurrence in place), and a
//     repeated one overwrites;
//   - a present list is never nil, and a null element is the zero value;
//   - a string with no escape keeps its bytes as they are; one with escapes is
//     unquoted as encoding/json unquotes;
//   - a timestamp is epoch seconds, kept to the millisecond
//     (smithytime.ParseEpochSeconds); a blob is standard base64.
//
// Decoding errors never quote the body: it may hold a secret value.

// errNotObject is a value that should be a JSON object and is something else.
var errNotObject = errors.New("expected a JSON object")

// object calls member for each member of the object v (a JSON value, as
// json.RawMessage holds one), in order, skipping null members. A null v is an
// object with no members.
func object(v []byte, member func(key string, val []byte) error) error {
	v = bytes.TrimLeft(v, " \t\r\n")
	if isNull(v) {
		return nil
	}
	if len(v) == 0 || v[0] != '{' {
		return errNotObject // before json.Decoder.Token, which would quote a number
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if isNull(val) {
			continue
		}
		if err := member(key, val); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	_, err := dec.Token() // the closing brace
	return err
}

// body decodes a whole response body, an object, into out's members: only
// its first value counts, and an empty body is an empty object.
func body(b []byte, member func(key string, val []byte) error) error {
	if len(b) == 0 {
		return nil
	}
	var first json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&first); err != nil {
		return err
	}
	if isNull(first) {
		return errNotObject
	}
	return object(first, member)
}

func isNull(v []byte) bool { return len(v) == 4 && string(v) == "null" }

// list calls elem for each element of the array v, in order, null ones included.
func list(v []byte, elem func(val []byte) error) error {
	var items []json.RawMessage
	if v = bytes.TrimLeft(v, " \t\r\n"); len(v) == 0 || v[0] != '[' {
		return errors.New("expected a JSON array")
	}
	if err := json.Unmarshal(v, &items); err != nil {
		return err
	}
	for _, it := range items {
		if err := elem(it); err != nil {
			return err
		}
	}
	return nil
}

// str decodes a JSON string.
func str(v []byte) (*string, error) {
	if len(v) < 2 || v[0] != '"' {
		return nil, errors.New("expected a string")
	}
	if !bytes.ContainsRune(v, '\\') {
		s := string(v[1 : len(v)-1])
		return &s, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// stringList decodes a list of strings; a null element is "".
func stringList(v []byte) ([]string, error) {
	out := []string{}
	err := list(v, func(it []byte) error {
		if isNull(it) {
			out = append(out, "")
			return nil
		}
		s, err := str(it)
		if err == nil {
			out = append(out, *s)
		}
		return err
	})
	return out, err
}

// blob decodes a base64 string.
func blob(v []byte) ([]byte, error) {
	if len(v) < 2 || v[0] != '"' {
		return nil, errors.New("expected a base64 string")
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	return b, nil
}

// epoch decodes a timestamp in epoch seconds. The SDK would also take the
// strings "NaN" and "Infinity" here, and panic or make a time of nothing
// from them; they are refused instead.
func epoch(v []byte) (*time.Time, error) {
	if len(v) == 0 || v[0] == '"' || v[0] == '[' || v[0] == '{' || v[0] == 't' || v[0] == 'f' {
		return nil, errors.New("expected a number")
	}
	f, err := float(v)
	if err != nil {
		return nil, err
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errors.New("timestamp out of range")
	}
	t := smithytime.ParseEpochSeconds(f)
	return &t, nil
}

// float parses a JSON number as the SDK does: an integer exactly, anything
// else with strconv.ParseFloat.
func float(v []byte) (float64, error) {
	if n, ok := parseInt(v); ok {
		return float64(n), nil
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return 0, errors.New("invalid number")
	}
	return f, nil
}

// integer decodes a JSON integer (no fraction, no exponent).
func integer(v []byte) (int64, error) {
	n, ok := parseInt(v)
	if !ok {
		return 0, errors.New("expected an integer")
	}
	return n, nil
}

// parseInt parses an optionally negative run of decimal digits that fits an
// int64.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' || n > math.MaxUint64/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > math.MaxInt64+1 || n > math.MaxInt64 && !neg {
			return 0, false
		}
	}
	if neg {
		return -int64(n), true // -(MaxInt64+1) wraps to MinInt64
	}
	return int64(n), true
}

// structs decodes a list of objects of type T, each through member; a null
// element is T's zero value.
func structs[T any](v []byte, member func(*T, string, []byte) error) ([]T, error) {
	out := []T{}
	err := list(v, func(it []byte) error {
		var x T
		if err := object(it, func(k string, val []byte) error { return member(&x, k, val) }); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// readBody reads a response body up to limit bytes.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("response body larger than %d bytes", limit)
	}
	return b, err
}
