package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfigPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.yaml")
	os.WriteFile(path, []byte("data: /from/file\nhttp: 127.0.0.1:1\nsyslog-tcp: 127.0.0.1:2\ndataCollectionRules:\n  - id: r1\n    workspace: default\n    streams:\n      - name: Custom-X\n        outputTable: X_CL\n"), 0o644)
	t.Setenv("VIGIL_HTTP", "127.0.0.1:3")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	data := fs.String("data", "./vigil-data", "")
	httpAddr := fs.String("http", envOr("VIGIL_HTTP", "127.0.0.1:8080"), "")
	syslogTCP := fs.String("syslog-tcp", "", "")
	fs.Parse([]string{"--syslog-tcp", "127.0.0.1:4"})
	rules, err := loadConfig(fs, path)
	if err != nil {
		t.Fatal(err)
	}
	if *data != "/from/file" || *httpAddr != "127.0.0.1:3" || *syslogTCP != "127.0.0.1:4" {
		t.Fatalf("file %q, env over file %q, flag over file %q", *data, *httpAddr, *syslogTCP)
	}
	if len(rules) != 1 || rules[0].Streams[0].OutputTable != "X_CL" {
		t.Fatalf("rules: %+v", rules)
	}
	os.WriteFile(path, []byte("htp: 127.0.0.1:1\n"), 0o644)
	if _, err := loadConfig(fs, path); err == nil || !strings.Contains(err.Error(), `unknown setting "htp"`) {
		t.Fatalf("a typo in the file: %v", err)
	}
}
