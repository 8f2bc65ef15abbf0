package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// recordScanner reads JSON records (objects) from a request body in one
// pass, without reflection or a map per record: the rows endpoints and
// deep verification spend most of their CPU here, and encoding/json's
// decoding into a map costs several times the scan. A record's members
// are the values encoding/json would decode into an interface with
// UseNumber (strings with escapes and invalid UTF-8 handled exactly as it
// does, numbers as json.Number), except that a nested object or array is
// json.RawMessage holding its canonical text: what json.Marshal makes of
// the map or slice encoding/json would decode (see appendCanonical). That
// text is what the store keeps for a dynamic value and what a string
// column gets, so it is made here in the same pass instead of through a
// map. The scanner rejects what encoding/json rejects.
type recordScanner struct {
	b   []byte
	pos int
	// text is b as one string: plain strings and numbers are cut from it
	// instead of each being an allocation and a copy of its own.
	text string
	// fields is the current record's fields, reused between records.
	fields []field
	// names holds the member names seen, so that the same name in every
	// record is one string, not an allocation each time.
	names map[string]string
	// Records of a batch mostly have the same members in the same order:
	// prev is the previous record's member names in document order, and
	// perm the order its fields were taken in (sorted by name, the last of
	// repeated names), reused while the names stay the same. sorted holds
	// the fields in that order, and then changes places with fields.
	prev   []string
	perm   []int
	sorted []field
	// scratch is where a nested value's canonical text is built, and
	// members the members of the objects being built, innermost last.
	scratch []byte
	members []member
	// arena holds the canonical texts of the batch's nested values: many
	// values in one allocation, never written again once handed out.
	arena []byte
}

// member is one member of an object being made canonical: its decoded
// name and where its canonical `"name":value` text is in the buffer.
type member struct {
	name       string
	start, end int
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
		if _, err := s.appendCanonical(s.scratch[:0], 0); err != nil {
			return err
		}
		return fmt.Errorf("record %d at offset %d is not a JSON object", n, start)
	}
	if err := s.recordMembers(); err != nil {
		return err
	}
	// A stable order of new columns across identical requests (sorted
	// names), and the last of repeated names.
	same := len(s.fields) == len(s.prev)
	for i := 0; same && i < len(s.fields); i++ {
		same = s.fields[i].name == s.prev[i]
	}
	if !same {
		s.prev, s.perm = s.prev[:0], s.perm[:0]
		for i, f := range s.fields {
			s.prev = append(s.prev, f.name)
			s.perm = append(s.perm, i)
		}
		slices.SortStableFunc(s.perm, func(a, b int) int { return strings.Compare(s.prev[a], s.prev[b]) })
		out := s.perm[:0]
		for i, k := range s.perm {
			if i+1 < len(s.perm) && s.prev[s.perm[i+1]] == s.prev[k] {
				continue
			}
			out = append(out, k)
		}
		s.perm = out
	}
	s.sorted = s.sorted[:0]
	for _, k := range s.perm {
		s.sorted = append(s.sorted, s.fields[k])
	}
	s.fields, s.sorted = s.sorted, s.fields
	return nil
}

// maxDepth is how deeply objects and arrays may nest, encoding/json's limit.
const maxDepth = 10000

// recordMembers reads the record object at s.pos into s.fields, in
// order.
func (s *recordScanner) recordMembers() error {
	s.pos++
	if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		hint := ""
		if n := len(s.fields); n < len(s.prev) {
			hint = s.prev[n]
		}
		name, err := s.memberName(hint)
		if err != nil {
			return err
		}
		v, err := s.value()
		if err != nil {
			return err
		}
		s.fields = append(s.fields, field{name, v})
		if done, err := s.objectNext(); done || err != nil {
			return err
		}
	}
}

// memberName reads an object member's name and the colon after it,
// leaving s.pos at the value. hint is the name likely there (see name).
func (s *recordScanner) memberName(hint string) (string, error) {
	s.skipSpace()
	if s.pos >= len(s.b) || s.b[s.pos] != '"' {
		return "", s.unexpected("looking for beginning of object key string")
	}
	name, err := s.name(hint)
	if err != nil {
		return "", err
	}
	if s.skipSpace(); s.pos >= len(s.b) || s.b[s.pos] != ':' {
		return "", s.unexpected("after object key")
	}
	s.pos++
	s.skipSpace()
	return name, nil
}

// objectNext reads what follows an object member: a comma (done false)
// or the closing brace (done true).
func (s *recordScanner) objectNext() (done bool, err error) {
	if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == ',' {
		s.pos++
		return false, nil
	}
	if s.pos < len(s.b) && s.b[s.pos] == '}' {
		s.pos++
		return true, nil
	}
	return false, s.unexpected("after object key:value pair")
}

// value reads a record member's value at s.pos: a string, json.Number,
// bool or nil as encoding/json decodes it, or a nested object or array as
// its canonical text.
func (s *recordScanner) value() (any, error) {
	if s.pos >= len(s.b) {
		return nil, s.unexpected("")
	}
	switch c := s.b[s.pos]; {
	case c == '"':
		return s.str()
	case c == '{' || c == '[':
		text, err := s.appendCanonical(s.scratch[:0], 1)
		s.scratch = text
		if err != nil {
			return nil, err
		}
		return s.keep(text), nil
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := s.number()
		return json.Number(n), err
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	}
	return nil, s.unexpected("looking for beginning of value")
}

// arenaChunk is the most a batch's arena allocates at once for the
// canonical texts of its nested values (less for a smaller body).
const arenaChunk = 64 << 10

// keep copies a nested value's canonical text into the arena, capped so
// that nothing appended later can write into it.
func (s *recordScanner) keep(text []byte) json.RawMessage {
	if cap(s.arena)-len(s.arena) < len(text) {
		s.arena = make([]byte, 0, max(len(text), min(arenaChunk, len(s.b))))
	}
	start := len(s.arena)
	s.arena = append(s.arena, text...)
	return s.arena[start:len(s.arena):len(s.arena)]
}

// appendCanonical appends the canonical text of the JSON value at s.pos
// to dst: the text json.Marshal gives for what encoding/json decodes the
// value into with UseNumber. So objects have their members sorted by name
// (byte order of the decoded names) with only the last of repeated names
// kept, strings are escaped as Marshal escapes them (appendQuoted),
// numbers are as written, and there is no white space. depth is the
// nesting of the value, limited as encoding/json limits it.
func (s *recordScanner) appendCanonical(dst []byte, depth int) ([]byte, error) {
	if s.pos >= len(s.b) {
		return dst, s.unexpected("")
	}
	switch c := s.b[s.pos]; {
	case c == '"':
		tok, plain, err := s.token()
		if err != nil {
			return dst, err
		}
		if plain {
			return appendQuoted(dst, tok), nil
		}
		str, err := s.decodeString(tok)
		return appendQuoted(dst, str), err
	case c == '{':
		return s.appendObject(dst, depth)
	case c == '[':
		return s.appendArray(dst, depth)
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := s.number()
		return append(dst, n...), err
	case c == 't':
		return append(dst, "true"...), s.literal("true")
	case c == 'f':
		return append(dst, "false"...), s.literal("false")
	case c == 'n':
		return append(dst, "null"...), s.literal("null")
	}
	return dst, s.unexpected("looking for beginning of value")
}

// appendObject appends the canonical text of the object at s.pos. The
// members are written as they come; only an object whose names are not
// already in strictly ascending order is rewritten, sorted, afterwards.
func (s *recordScanner) appendObject(dst []byte, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return dst, s.syntaxError("exceeded max depth")
	}
	open := len(dst)
	dst = append(dst, '{')
	s.pos++
	if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == '}' {
		s.pos++
		return append(dst, '}'), nil
	}
	base := len(s.members)
	sorted := true
	for {
		name, err := s.memberName("")
		if err != nil {
			return dst, err
		}
		if n := len(s.members); n > base {
			dst = append(dst, ',')
			sorted = sorted && s.members[n-1].name < name
		}
		start := len(dst)
		dst = appendQuoted(dst, name)
		dst = append(dst, ':')
		if dst, err = s.appendCanonical(dst, depth+1); err != nil {
			return dst, err
		}
		s.members = append(s.members, member{name, start, len(dst)})
		done, err := s.objectNext()
		if err != nil {
			return dst, err
		}
		if done {
			break
		}
	}
	if !sorted {
		dst = sortMembers(dst, open+1, s.members[base:])
	}
	s.members = s.members[:base]
	return append(dst, '}'), nil
}

// sortMembers rewrites the members written from start on in ascending
// order of name, keeping only the last of repeated names, as a Go map
// decoded from the object and marshalled again has them.
func sortMembers(dst []byte, start int, members []member) []byte {
	slices.SortStableFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
	end := len(dst)
	for i, m := range members {
		if i+1 < len(members) && members[i+1].name == m.name {
			continue
		}
		if len(dst) > end {
			dst = append(dst, ',')
		}
		dst = append(dst, dst[m.start:m.end]...)
	}
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

// appendArray appends the canonical text of the array at s.pos.
func (s *recordScanner) appendArray(dst []byte, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return dst, s.syntaxError("exceeded max depth")
	}
	dst = append(dst, '[')
	s.pos++
	if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == ']' {
		s.pos++
		return append(dst, ']'), nil
	}
	for first := true; ; first = false {
		if !first {
			dst = append(dst, ',')
		}
		s.skipSpace()
		var err error
		if dst, err = s.appendCanonical(dst, depth+1); err != nil {
			return dst, err
		}
		if s.skipSpace(); s.pos < len(s.b) && s.b[s.pos] == ',' {
			s.pos++
			continue
		}
		if s.pos < len(s.b) && s.b[s.pos] == ']' {
			s.pos++
			return append(dst, ']'), nil
		}
		return dst, s.unexpected("after array element")
	}
}

// htmlSafe marks the ASCII bytes json.Marshal writes in a string as they
// are: not a control character, quote or backslash, nor <, > or &, which
// it escapes so that JSON can be embedded in HTML.
var htmlSafe = func() (set [utf8.RuneSelf]bool) {
	for c := byte(' '); c < utf8.RuneSelf; c++ {
		set[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return set
}()

// appendQuoted appends str as a JSON string literal escaped exactly as
// json.Marshal escapes it: \", \\ and \b \f \n \r \t as such, other
// control characters and <, > and & as \u00xx (lowercase hex), U+2028
// and U+2029 as \u2028 and \u2029, each byte of invalid UTF-8 as \ufffd.
func appendQuoted[T string | []byte](dst []byte, str T) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(str); {
		c := str[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			dst = append(dst, str[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(str[i:min(i+utf8.UTFMax, len(str))]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, str[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, str[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, str[start:]...)
	return append(dst, '"')
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
	if err != nil {
		return "", err
	}
	if plain {
		// The content ends before the closing quote, at s.pos-1.
		return s.text[s.pos-1-len(tok) : s.pos-1], nil
	}
	return s.decodeString(tok)
}

// name reads a member name: the string made when the name was first seen,
// so that the same names in every record cost no allocation. hint, the
// name the previous record had at this place, is tried before the map.
func (s *recordScanner) name(hint string) (string, error) {
	tok, plain, err := s.token()
	if err != nil {
		return "", err
	}
	if !plain {
		return s.decodeString(tok)
	}
	if string(tok) == hint {
		return hint, nil
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
	// Locals, not the scanner's fields, in the loop: the compiler keeps
	// them in registers.
	b, start, i := s.b, s.pos, s.pos+1
	plain = true
	ascii := true
	for i < len(b) {
		// Most of a string is printable ASCII: one table look-up a byte.
		// (Eight bytes at a time took more instructions: most strings
		// are short.)
		for i < len(b) && plainASCII[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			s.pos = i + 1
			tok = b[start:s.pos]
			if plain && (ascii || utf8.Valid(tok)) {
				return tok[1 : len(tok)-1], true, nil
			}
			return tok, false, nil
		case c == '\\':
			plain = false
			i += 2
		case c < 0x20:
			s.pos = i
			return nil, false, s.unexpected("in string literal")
		default:
			ascii = false
			i++
		}
	}
	s.pos = len(b)
	return nil, false, s.unexpected("")
}

// plainASCII marks the bytes a string literal holds as they are that
// need no further look: printable ASCII but the quote and the backslash.
var plainASCII = func() (set [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		set[c] = c != '"' && c != '\\'
	}
	return set
}()

// decodeString decodes a string literal with escapes or invalid UTF-8.
func (s *recordScanner) decodeString(lit []byte) (string, error) {
	var out string
	if err := json.Unmarshal(lit, &out); err != nil {
		return "", fmt.Errorf("malformed JSON at offset %d: %v", s.pos-len(lit), err)
	}
	return out, nil
}

// number reads a number in JSON's grammar, returning its text.
func (s *recordScanner) number() (string, error) {
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
		return "", s.unexpected("in numeric literal")
	}
	if s.pos < len(s.b) && s.b[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return "", s.unexpected("after decimal point in numeric literal")
		}
	}
	if s.pos < len(s.b) && (s.b[s.pos] == 'e' || s.b[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.b) && (s.b[s.pos] == '+' || s.b[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return "", s.unexpected("in exponent of numeric literal")
		}
	}
	return s.text[start:s.pos], nil
}
