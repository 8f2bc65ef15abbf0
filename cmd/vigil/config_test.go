package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigil/internal/api"
)

func TestLoadConfigPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.yaml")
	os.WriteFile(path, []byte("data: /from/file\nhttp: 127.0.0.1:1\nsyslog-tcp: 127.0.0.1:2\ndataCollectionRules:\n  - id: r1\n    workspace: default\n    streams:\n      - name: Custom-X\n        outputTable: X_CL\nworkspaceLimits:\n  default:\n    ingestBytesPerSecond: 1000\n"), 0o644)
	t.Setenv("VIGIL_HTTP", "127.0.0.1:3")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	data := fs.String("data", "./vigil-data", "")
	httpAddr := fs.String("http", envOr("VIGIL_HTTP", "127.0.0.1:8080"), "")
	syslogTCP := fs.String("syslog-tcp", "", "")
	fs.Parse([]string{"--syslog-tcp", "127.0.0.1:4"})
	var cfg api.Config
	if err := loadConfig(fs, path, &cfg); err != nil {
		t.Fatal(err)
	}
	if *data != "/from/file" || *httpAddr != "127.0.0.1:3" || *syslogTCP != "127.0.0.1:4" {
		t.Fatalf("file %q, env over file %q, flag over file %q", *data, *httpAddr, *syslogTCP)
	}
	if rules := cfg.DataCollectionRules; len(rules) != 1 || rules[0].Streams[0].OutputTable != "X_CL" {
		t.Fatalf("rules: %+v", rules)
	}
	if cfg.WorkspaceLimits["default"].IngestBytesPerSecond != 1000 {
		t.Fatalf("workspace limits: %+v", cfg.WorkspaceLimits)
	}
	for body, want := range map[string]string{
		"htp: 127.0.0.1:1\n": `unknown setting "htp"`,
		"workspaceLimits:\n  default:\n    ingestBytesPerSecnd: 1\n": "ingestBytesPerSecnd",
	} {
		os.WriteFile(path, []byte(body), 0o644)
		if err := loadConfig(fs, path, &api.Config{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a typo in the file: %v", err)
		}
	}
}
