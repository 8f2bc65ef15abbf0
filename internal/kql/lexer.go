// Package kql is the Kusto Query Language front end: a lexer and a
// recursive-descent parser producing an AST whose nodes carry their
// positions. It does no I/O and knows nothing of tables or types.
package kql

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"vigil/internal/schema"
)

// Pos is a position in the query text: 1-based line and column (runes).
type Pos struct {
	Line, Column int
}

// Error is an error the user caused, with where it happened.
type Error struct {
	Pos Pos
	Msg string
	// Hint, when set, suggests a fix, such as a column of a similar name.
	Hint string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s (line %d, column %d)", e.Msg, e.Pos.Line, e.Pos.Column)
	if e.Hint != "" {
		s += ". " + e.Hint
	}
	return s
}

// Errorf returns an *Error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tNumber   // integer or real literal, possibly with a timespan suffix
	tTimespan // number with a unit: 1d, 2.5h, 100ms
	tPunct
)

type token struct {
	kind tokenKind
	text string // identifier, punctuation, number text; string value for tString
	pos  Pos
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return fmt.Sprintf("string %q", t.text)
	}
	return "'" + t.text + "'"
}

// punctuation, longest first so the lexer takes the longest match.
var punctuation = []string{
	"!contains_cs", "!startswith_cs", "!endswith_cs", "!hasprefix_cs", "!hassuffix_cs",
	"!contains", "!startswith", "!endswith", "!hasprefix", "!hassuffix", "!between", "!has_cs",
	"!has", "!in~", "!in", "==", "!=", "=~", "!~", "<=", ">=", "=>", "..", "<>",
	"|", "(", ")", "[", "]", "{", "}", ",", ";", ":", "=", "<", ">", "+", "-", "*", "/", "%", ".", "$", "~", "!",
}

// punctByFirst lists the punctuation by first byte, longest first.
var punctByFirst = func() map[byte][]string {
	m := map[byte][]string{}
	for _, p := range punctuation {
		m[p[0]] = append(m[p[0]], p)
	}
	return m
}()

func lex(src string) ([]token, error) {
	var toks []token
	line, col := 1, 1
	i := 0
	advance := func(n int) {
		for _, r := range src[i : i+n] {
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		i += n
	}
	for i < len(src) {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			advance(1)
			continue
		}
		if c == '/' && strings.HasPrefix(src[i:], "//") {
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			advance(j)
			continue
		}
		pos := Pos{line, col}
		switch {
		case c == '\'' || c == '"' || ((c == '@' || c == 'h' || c == 'H') && i+1 < len(src) && (src[i+1] == '\'' || src[i+1] == '"')):
			verbatim := c == '@'
			prefix := 0
			if c != '\'' && c != '"' {
				prefix = 1
			}
			s, n, err := lexString(src[i+prefix:], verbatim)
			if err != nil {
				return nil, Errorf(pos, "Syntax error: %s", err.Error())
			}
			advance(prefix + n)
			toks = append(toks, token{tString, s, pos})
		case c == '`' && strings.HasPrefix(src[i:], "```"):
			j := strings.Index(src[i+3:], "```")
			if j < 0 {
				return nil, Errorf(pos, "Syntax error: unterminated multi-line string literal")
			}
			s := src[i+3 : i+3+j]
			advance(j + 6)
			toks = append(toks, token{tString, s, pos})
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			j := i
			if strings.HasPrefix(src[i:], "0x") || strings.HasPrefix(src[i:], "0X") {
				j += 2
				for j < len(src) && isHex(src[j]) {
					j++
				}
			} else {
				for j < len(src) && src[j] >= '0' && src[j] <= '9' {
					j++
				}
				if j+1 < len(src) && src[j] == '.' && src[j+1] >= '0' && src[j+1] <= '9' {
					j++
					for j < len(src) && src[j] >= '0' && src[j] <= '9' {
						j++
					}
				}
				if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
					k := j + 1
					if k < len(src) && (src[k] == '+' || src[k] == '-') {
						k++
					}
					if k < len(src) && src[k] >= '0' && src[k] <= '9' {
						for k < len(src) && src[k] >= '0' && src[k] <= '9' {
							k++
						}
						j = k
					}
				}
			}
			kind := tNumber
			// A number followed by a word that is a timespan unit (5m,
			// 1.5hours) is a timespan literal.
			k := j
			for k < len(src) && isIdentChar(rune(src[k])) {
				k++
			}
			if schema.IsTimespanUnit(src[j:k]) {
				j = k
				kind = tTimespan
			}
			text := src[i:j]
			advance(j - i)
			toks = append(toks, token{kind, text, pos})
		case isIdentStart(c):
			j := i
			for j < len(src) {
				r, n := utf8.DecodeRuneInString(src[j:])
				if !isIdentChar(r) && !(r == '-' && j+1 < len(src) && isDashWord(src[i:j], src[j+1:])) {
					break
				}
				j += n
			}
			if j == i {
				// A byte of 0x80 or more that is no letter (or no UTF-8).
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, Errorf(pos, "Syntax error: unexpected character %q", r)
			}
			text := src[i:j]
			advance(j - i)
			toks = append(toks, token{tIdent, text, pos})
		default:
			matched := false
			for _, p := range punctByFirst[c] {
				if strings.HasPrefix(src[i:], p) {
					// "!has" must not eat the start of "!hasx".
					if isLetter(p[len(p)-1]) && i+len(p) < len(src) && isIdentChar(rune(src[i+len(p)])) {
						continue
					}
					advance(len(p))
					toks = append(toks, token{tPunct, p, pos})
					matched = true
					break
				}
			}
			if !matched {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, Errorf(pos, "Syntax error: unexpected character '%c'", r)
			}
		}
	}
	toks = append(toks, token{tEOF, "", Pos{line, col}})
	return toks, nil
}

// dashWords are the operator names with a dash, lexed as one identifier.
var dashWords = []string{"project-away", "project-keep", "project-rename", "project-reorder", "mv-expand",
	"mv-apply", "parse-where", "make-series", "top-nested", "top-hitters", "sample-distinct", "parse-kv", "project-smart",
	"granny-asc", "granny-desc"}

func isDashWord(before, after string) bool {
	for _, w := range dashWords {
		if strings.HasPrefix(w, before+"-") && strings.HasPrefix(after, w[len(before)+1:]) {
			rest := after[len(w)-len(before)-1:]
			return rest == "" || !isIdentChar(rune(rest[0]))
		}
	}
	return false
}

func isLetter(c byte) bool     { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isHex(c byte) bool        { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isIdentStart(c byte) bool { return isLetter(c) || c == '_' || c >= 0x80 }
func isIdentChar(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// lexString reads a string literal at the start of s (which begins with
// its quote) and returns its value and the bytes it took.
func lexString(s string, verbatim bool) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			if verbatim && i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), i + 1, nil
		case c == '\n' && !verbatim:
			return "", 0, errors.New("unterminated string literal")
		case c == '\\' && !verbatim && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'u':
				if i+4 < len(s) {
					var r rune
					if _, err := fmt.Sscanf(s[i+1:i+5], "%04x", &r); err == nil {
						b.WriteRune(r)
						i += 4
						continue
					}
				}
				b.WriteString(`\u`)
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unterminated string literal")
}
