package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// recordScanner reads JSON records (objects) from a request body in one
// pass, without reflection or a map per record: the rows endpoints spend
// most of their CPU here, and encoding/json's decoding into a map costs
// several times the scan. It gives the values encoding/json would decode
// into an interface with UseNumber (strings with escapes and invalid UTF-8
// handled exactly as it does, numbers as json.Number, nested objects as
// map[string]any, arrays as []any) and rejects what it rejects.
type recordScanner struct {
	b   []byte
	pos int
	// fields is the current record's fields, reused between records.
	fields []field
	// names holds the member names seen, so that the same name in every
	// record is one string, not an allocation each time.
	names map[string]string
}

// field is one member of a record.
type field struct {
	name  string
	value any
}

// syntaxError is a malformed body, with the offset it was found at.
func (s *recordScanner) syntaxError(format string, args ...any) error {
	return fmt.Errorf("malformed JSON at offset %d: %s", s.pos, fmt.Sprintf(format, args...))
}

// unexpected names the byte at the scanner's position, or the end.
func (s *recordScanner) unexpected(context string) error {
	if s.pos >= len(s.b) {
		return s.syntaxError("unexpected end of JSON input")
	}
	return s.syntaxError("invalid character %s %s", quoteByte(s.b[s.pos]), context)
}

func quoteByte(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	return strings.Trim(fmt.Sprintf("%q", rune(c)), `"`)
}

func (s *recordScanner) skipSpace() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// atEnd skips white space and says whether the body is used up.
func (s *recordScanner) atEnd() bool {
	s.skipSpace()
	return s.pos >= len(s.b)
}

// record reads one object into s.fields, sorted by name with only the
// last of repeated names kept (as decoding into a map keeps it). n is the
// record's number for errors.
func (s *recordScanner) record(n int) error {
	s.fields = s.fields[:0]
	start := s.pos
	if s.b[s.pos] != '{' {
		// Anything but an object: name it if it is valid JSON.
		if _, err := s.value(0); err != nil {
			return err
		}
		return fmt.Errorf("record %d at offset %d is not a JSON object", n, start)
	}
	err := s.members(0, func(name string, v any) { s.fields = append(s.fields, field{name, v}) })
	if err != nil {
		return err
	}
	// A stable order of new columns across identical requests (sorted
	// names), and the last of repeated names.
	slices.SortStableFunc(s.fields, func(a, b field) int { return strings.Compare(a.name, b.name) })
	out := s.fields[:0]
	for i, f := range s.fields {
		if i+1 < len(s.fields) && s.fields[i+1].name == f.name {
			continue
		}
		out = append(out, f)
	}
	s.fields = out
	return nil
}

// maxDepth is how deeply objects and arrays may nest, encoding/json's limit.
const maxDepth = 10000

// members reads the object at s.pos, calling fn with each member in
// order. depth is the nesting of the object.
func (s *recordScanner) members(depth int, fn func(name string, v any)) error {
	if depth >= maxDepth {
		return s.syntaxError("exceeded max depth")
	}
	s.pos++
	if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.skipSpace()
		if s.pos >= len(s.b) || s.b[s.pos] != '"' {
			return s.unexpected("looking for beginning of object key string")
		}
		name, err := s.name()
		if err != nil {
			return err
		}
		if s.skipSpace(); s.pos >= len(s.b) || s.b[s.pos] != ':' {
			return s.unexpected("after object key")
		}
		s.pos++
		s.skipSpace()
		v, err := s.value(depth + 1)
		if err != nil {
			return err
		}
		fn(name, v)
		if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == ',' {
			s.pos++
			continue
		}
		if s.pos < len(s.b) && s.b[s.pos] == '}' {
			s.pos++
			return nil
		}
		return s.unexpected("after object key:value pair")
	}
}

// array reads the array at s.pos. depth is its nesting.
func (s *recordScanner) array(depth int) ([]any, error) {
	if depth >= maxDepth {
		return nil, s.syntaxError("exceeded max depth")
	}
	s.pos++
	out := []any{}
	if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == ']' {
		s.pos++
		return out, nil
	}
	for {
		s.skipSpace()
		v, err := s.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == ',' {
			s.pos++
			continue
		}
		if s.pos < len(s.b) && s.b[s.pos] == ']' {
			s.pos++
			return out, nil
		}
		return nil, s.unexpected("after array element")
	}
}

// value reads any JSON value at s.pos, nested objects as map[string]any
// and arrays as []any, as encoding/json decodes them. depth is the
// nesting of the value.
func (s *recordScanner) value(depth int) (any, error) {
	if s.pos >= len(s.b) {
		return nil, s.unexpected("")
	}
	switch c := s.b[s.pos]; {
	case c == '"':
		return s.str()
	case c == '{':
		m := map[string]any{}
		return m, s.members(depth, func(name string, v any) { m[name] = v })
	case c == '[':
		return s.array(depth)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	}
	return nil, s.unexpected("looking for beginning of value")
}

func (s *recordScanner) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if s.pos >= len(s.b) || s.b[s.pos] != word[i] {
			return s.unexpected("in literal " + word + " (expecting " + quoteByte(word[i]) + ")")
		}
		s.pos++
	}
	return nil
}

// str reads a string. Strings without escapes, control characters or
// invalid UTF-8 are taken as they are; the rest are decoded by
// encoding/json, so that every edge (surrogates, replacement of invalid
// bytes) is exactly its own.
func (s *recordScanner) str() (string, error) {
	tok, plain, err := s.token()
	if err != nil || plain {
		return string(tok), err
	}
	return s.decodeString(tok)
}

// name reads a member name: the string made when the name was first seen,
// so that the same names in every record cost no allocation.
func (s *recordScanner) name() (string, error) {
	tok, plain, err := s.token()
	if err != nil {
		return "", err
	}
	if !plain {
		return s.decodeString(tok)
	}
	if n, ok := s.names[string(tok)]; ok {
		return n, nil
	}
	if s.names == nil {
		s.names = make(map[string]string)
	}
	n := string(tok)
	s.names[n] = n
	return n, nil
}

// token reads the string at s.pos. A plain string's token is its content;
// otherwise it is the whole literal, quotes included, for decodeString.
func (s *recordScanner) token() (tok []byte, plain bool, err error) {
	start := s.pos
	s.pos++
	plain = true
	for s.pos < len(s.b) {
		switch c := s.b[s.pos]; {
		case c == '"':
			s.pos++
			tok = s.b[start:s.pos]
			if plain && utf8.Valid(tok) {
				return tok[1 : len(tok)-1], true, nil
			}
			return tok, false, nil
		case c == '\\':
			plain = false
			s.pos += 2
		case c < 0x20:
			return nil, false, s.unexpected("in string literal")
		default:
			s.pos++
		}
	}
	s.pos = len(s.b)
	return nil, false, s.unexpected("")
}

// decodeString decodes a string literal with escapes or invalid UTF-8.
func (s *recordScanner) decodeString(lit []byte) (string, error) {
	var out string
	if err := json.Unmarshal(lit, &out); err != nil {
		return "", fmt.Errorf("malformed JSON at offset %d: %v", s.pos-len(lit), err)
	}
	return out, nil
}

// number reads a number in JSON's grammar as a json.Number.
func (s *recordScanner) number() (any, error) {
	start := s.pos
	digits := func() int {
		n := 0
		for s.pos < len(s.b) && s.b[s.pos] >= '0' && s.b[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.b[s.pos] == '-' {
		s.pos++
	}
	if s.pos < len(s.b) && s.b[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		return nil, s.unexpected("in numeric literal")
	}
	if s.pos < len(s.b) && s.b[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return nil, s.unexpected("after decimal point in numeric literal")
		}
	}
	if s.pos < len(s.b) && (s.b[s.pos] == 'e' || s.b[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.b) && (s.b[s.pos] == '+' || s.b[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return nil, s.unexpected("in exponent of numeric literal")
		}
	}
	return json.Number(s.b[start:s.pos]), nil
}
