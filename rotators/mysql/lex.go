package mysql

import (
	"errors"
	"fmt"
	"strings"
)

// token is one lexical unit of a SHOW GRANTS line.
type token struct {
	kind byte   // 'w' bare word, 'i' quoted identifier, 's' string literal, 'p' punctuation
	text string // the word (upper-cased), the decoded identifier or string, or the character
	// escaped is set on a string literal that held a backslash or a doubled quote. Such
	// a literal cannot be trusted as a name: MariaDB prints PROXY grants with the names
	// pasted raw between single quotes, so its text is not necessarily what was decoded.
	escaped bool
}

// tokenize splits a SHOW GRANTS line. Identifiers come quoted with backticks (or double
// quotes under ANSI_QUOTES), a doubled quote standing for one; string literals (IDENTIFIED
// BY PASSWORD '...', REQUIRE ISSUER '...', MySQL's proxy grants) use single quotes with
// backslash escapes.
func tokenize(line string) ([]token, error) {
	var toks []token
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '`' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(line); j++ {
				if line[j] == c {
					if j+1 < len(line) && line[j+1] == c {
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				b.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, errors.New("unterminated identifier")
			}
			toks = append(toks, token{kind: 'i', text: b.String()})
			i = j + 1
		case c == '\'':
			var b strings.Builder
			escaped := false
			j := i + 1
			for ; j < len(line); j++ {
				if line[j] == '\\' && j+1 < len(line) {
					escaped = true
					j++
					b.WriteByte(unescape(line[j]))
					continue
				}
				if line[j] == '\'' {
					if j+1 < len(line) && line[j+1] == '\'' {
						b.WriteByte('\'')
						escaped = true
						j++
						continue
					}
					break
				}
				b.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, errors.New("unterminated string")
			}
			toks = append(toks, token{kind: 's', text: b.String(), escaped: escaped})
			i = j + 1
		case isWordByte(c):
			j := i
			for j < len(line) && isWordByte(line[j]) {
				j++
			}
			toks = append(toks, token{kind: 'w', text: strings.ToUpper(line[i:j])})
			i = j
		case strings.IndexByte(".*,()@=", c) >= 0:
			toks = append(toks, token{kind: 'p', text: string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// unescape maps the character after a backslash in a string literal to its value.
func unescape(c byte) byte {
	switch c {
	case '0':
		return 0
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'Z':
		return 26
	}
	return c
}

// quoteIdent quotes an identifier, user or host name with backticks. Inside backticks
// only a backtick is special (doubled); backslashes, quotes, '%', '_' and '?' are plain
// characters under every sql_mode, so the name means exactly what it says.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}
