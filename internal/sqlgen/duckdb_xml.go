package sqlgen

func init() {
	spell(map[string]spelling{
		// kql_parse_xml is a Go function (internal/engine's xmlfuncs.go)
		// that gives the document as JSON text, or null.
		"parse_xml": tmpl("CAST(kql_parse_xml($1) AS JSON)"),
	})
}
