package schema

// compactJSON reports whether text is one valid JSON value with no white
// space outside its strings, so that json.Compact would return it
// unchanged: then Convert keeps a dynamic value as it came, without
// encoding/json's byte-at-a-time state machine and a copy. Receivers make
// their JSON texts compact (the rows API's scanner writes nested values
// canonical), so this is the common case. It may answer false for text
// Compact leaves unchanged, nesting deeper than maxCompactDepth; Convert
// then compacts as before, and reports invalid JSON as before.
func compactJSON(text []byte) bool {
	end, ok := compactValue(text, 0, 0)
	return ok && end == len(text)
}

// maxCompactDepth is the nesting compactValue follows, encoding/json's
// own limit.
const maxCompactDepth = 10000

// compactValue checks the value starting at text[i] and returns where it
// ends. depth is the nesting of the value.
func compactValue(text []byte, i, depth int) (int, bool) {
	if i >= len(text) {
		return i, false
	}
	switch c := text[i]; {
	case c == '"':
		return compactString(text, i)
	case c == '{' || c == '[':
		if depth >= maxCompactDepth {
			return i, false
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		i++
		if i < len(text) && text[i] == end {
			return i + 1, true
		}
		for {
			var ok bool
			if c == '{' {
				if i >= len(text) || text[i] != '"' {
					return i, false
				}
				if i, ok = compactString(text, i); !ok || i >= len(text) || text[i] != ':' {
					return i, false
				}
				i++
			}
			if i, ok = compactValue(text, i, depth+1); !ok || i >= len(text) {
				return i, false
			}
			switch text[i] {
			case ',':
				i++
			case end:
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return compactNumber(text, i)
	case c == 't':
		return compactLiteral(text, i, "true")
	case c == 'f':
		return compactLiteral(text, i, "false")
	case c == 'n':
		return compactLiteral(text, i, "null")
	}
	return i, false
}

// compactString checks the string literal starting at text[i]: no
// control characters, only JSON's escapes. Other bytes, invalid UTF-8
// included, are taken as they are, as json.Valid takes them.
func compactString(text []byte, i int) (int, bool) {
	for i++; i < len(text); i++ {
		switch c := text[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i++; i >= len(text) {
				return i, false
			}
			switch text[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(text) {
					return i, false
				}
				for _, h := range text[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// compactNumber checks the number starting at text[i] against JSON's
// grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func compactNumber(text []byte, i int) (int, bool) {
	digits := func() int {
		n := 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if text[i] == '-' {
		i++
	}
	if i < len(text) && text[i] == '0' {
		i++
	} else if digits() == 0 {
		return i, false
	}
	if i < len(text) && text[i] == '.' {
		i++
		if digits() == 0 {
			return i, false
		}
	}
	if i < len(text) && (text[i] == 'e' || text[i] == 'E') {
		i++
		if i < len(text) && (text[i] == '+' || text[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, false
		}
	}
	return i, true
}

// compactLiteral checks that word is at text[i].
func compactLiteral(text []byte, i int, word string) (int, bool) {
	if len(text)-i < len(word) || string(text[i:i+len(word)]) != word {
		return i, false
	}
	return i + len(word), true
}
