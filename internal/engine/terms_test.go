package engine

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"vigil/internal/plan"
	"vigil/internal/source"
	"vigil/internal/sqlgen"
)

// matches evaluates a string operator as the SQL the compiler emits for it
// does: the has family as a regular expression over term boundaries
// behind a substring test, the others through lower() or byte for byte.
func matches(op, text, lit string) bool {
	cs := strings.HasSuffix(op, "_cs") || op == "=="
	lower := func(s string) string {
		if cs {
			return s
		}
		return strings.ToLower(s)
	}
	t, l := lower(text), lower(lit)
	switch strings.TrimSuffix(op, "_cs") {
	case "==", "=~":
		return t == l
	case "startswith":
		return strings.HasPrefix(t, l)
	case "endswith":
		return strings.HasSuffix(t, l)
	case "contains":
		return strings.Contains(t, l)
	}
	pre, post := "(^|"+sqlgen.TermBoundary+")", "($|"+sqlgen.TermBoundary+")"
	switch strings.TrimSuffix(op, "_cs") {
	case "hasprefix":
		post = ""
	case "hassuffix":
		pre = ""
	}
	flags := "(?i)"
	if cs {
		flags = ""
	}
	return strings.Contains(t, l) && regexp.MustCompile(flags+pre+regexp.QuoteMeta(lit)+post).MatchString(text)
}

// FuzzTermsAreIndexed checks the reasoning behind the terms the compiler
// passes: whenever an operator matches a text, the term derived from its
// literal is among those an index holds for the text.
func FuzzTermsAreIndexed(f *testing.F) {
	ops := plan.TermOperators()
	seeds := [][2]string{
		{"Failed password for root from 10.0.0.1", "failed"},
		{"GET /api/v1/items HTTP/1.1", "GET /api"},
		{"\u212aelvin scale", "kelvin"},
		{"\u017fystem error", "SYSTEM"},
		{"\u0130stanbul office", "istanbul"},
		{"café-bar", "CAFÉ-BAR"},
		{"x failed y", "x failed y"},
		{"user=jdoe;ok", "jdoe;o"},
		{"a.b.c", ".b."},
	}
	for i, s := range seeds {
		f.Add(s[0], s[1], uint8(i))
	}
	f.Fuzz(func(t *testing.T, text, lit string, pick uint8) {
		if !utf8.ValidString(text) || !utf8.ValidString(lit) {
			return // stored strings and KQL literals are UTF-8
		}
		op := ops[int(pick)%len(ops)]
		terms := plan.OperatorTerms(op, lit)
		if terms == nil || !matches(op, text, lit) {
			return
		}
		var held []string
		source.ForIndexTerms([]byte(text), func(term []byte) { held = append(held, string(term)) })
		for _, term := range terms {
			if !slices.Contains(held, term) {
				t.Fatalf("%q %s %q matches, but its term %q is not among the text's %q", text, op, lit, term, held)
			}
		}
	})
}
