package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"vigil/internal/api"
	"vigil/internal/auth"
	"vigil/internal/ingest"
	"vigil/internal/ingest/otlp"
	"vigil/internal/ingest/syslog"
	"vigil/internal/ledger"
	"vigil/internal/store"
	"vigil/internal/workspace"
)

// envOr returns the environment variable name's value, or def.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dataDir := fs.String("data", envOr("VIGIL_DATA", "./vigil-data"), "data directory (env VIGIL_DATA)")
	httpAddr := fs.String("http", envOr("VIGIL_HTTP", "127.0.0.1:8080"), "HTTP listen address (env VIGIL_HTTP)")
	syslogUDP := fs.String("syslog-udp", os.Getenv("VIGIL_SYSLOG_UDP"), "syslog UDP listen address, off when empty (env VIGIL_SYSLOG_UDP)")
	syslogTCP := fs.String("syslog-tcp", os.Getenv("VIGIL_SYSLOG_TCP"), "syslog TCP listen address, off when empty (env VIGIL_SYSLOG_TCP)")
	syslogTLS := fs.String("syslog-tls", os.Getenv("VIGIL_SYSLOG_TLS"), "syslog over TLS listen address, off when empty (env VIGIL_SYSLOG_TLS)")
	syslogRELP := fs.String("syslog-relp", os.Getenv("VIGIL_SYSLOG_RELP"), "RELP listen address (syslog acknowledged once durable), off when empty (env VIGIL_SYSLOG_RELP)")
	syslogTLSCert := fs.String("syslog-tls-cert", os.Getenv("VIGIL_SYSLOG_TLS_CERT"), "certificate (PEM) for syslog over TLS; default the HTTPS one (env VIGIL_SYSLOG_TLS_CERT)")
	syslogTLSKey := fs.String("syslog-tls-key", os.Getenv("VIGIL_SYSLOG_TLS_KEY"), "the syslog certificate's private key (PEM) (env VIGIL_SYSLOG_TLS_KEY)")
	syslogWS := fs.String("syslog-workspace", envOr("VIGIL_SYSLOG_WORKSPACE", "default"), "workspace syslog is stored in (env VIGIL_SYSLOG_WORKSPACE)")
	otlpGRPC := fs.String("otlp-grpc", os.Getenv("VIGIL_OTLP_GRPC"), "OTLP/gRPC listen address (usually :4317), off when empty (env VIGIL_OTLP_GRPC)")
	otlpHTTP := fs.String("otlp-http", os.Getenv("VIGIL_OTLP_HTTP"), "OTLP/HTTP listen address (usually :4318), off when empty (env VIGIL_OTLP_HTTP)")
	otlpTLS := fs.Bool("otlp-tls", os.Getenv("VIGIL_OTLP_TLS") == "true", "serve the OTLP listeners over TLS only, with --otlp-tls-cert or else the HTTPS certificate (env VIGIL_OTLP_TLS=true)")
	otlpTLSCert := fs.String("otlp-tls-cert", os.Getenv("VIGIL_OTLP_TLS_CERT"), "certificate (PEM) for the OTLP listeners; implies --otlp-tls (env VIGIL_OTLP_TLS_CERT)")
	otlpTLSKey := fs.String("otlp-tls-key", os.Getenv("VIGIL_OTLP_TLS_KEY"), "the OTLP certificate's private key (PEM) (env VIGIL_OTLP_TLS_KEY)")
	otlpWS := fs.String("otlp-workspace", envOr("VIGIL_OTLP_WORKSPACE", "default"), "workspace the OTLP listeners store into (env VIGIL_OTLP_WORKSPACE)")
	checkpointEvery := fs.Duration("checkpoint-interval", envDuration("VIGIL_CHECKPOINT_INTERVAL", time.Minute), "how often the ledgers are checkpointed while data arrives (env VIGIL_CHECKPOINT_INTERVAL)")
	checkpointFile := fs.String("checkpoint-copy-file", os.Getenv("VIGIL_CHECKPOINT_COPY_FILE"), "append each signed checkpoint to this file, kept outside the data directory (env VIGIL_CHECKPOINT_COPY_FILE)")
	checkpointURL := fs.String("checkpoint-copy-url", os.Getenv("VIGIL_CHECKPOINT_COPY_URL"), "POST each signed checkpoint to this URL (env VIGIL_CHECKPOINT_COPY_URL)")
	tlsCert := fs.String("tls-cert", os.Getenv("VIGIL_TLS_CERT"), "serve HTTPS with this certificate (PEM) (env VIGIL_TLS_CERT)")
	tlsKey := fs.String("tls-key", os.Getenv("VIGIL_TLS_KEY"), "the certificate's private key (PEM) (env VIGIL_TLS_KEY)")
	httpsAddr := fs.String("https", os.Getenv("VIGIL_HTTPS"), "serve HTTPS on this second address, keeping --http plain; without it, TLS (when configured) is on --http (env VIGIL_HTTPS)")
	tlsSelfSigned := fs.Bool("tls-self-signed", os.Getenv("VIGIL_TLS_SELF_SIGNED") == "true", "serve HTTPS with a self-signed certificate kept in the data directory (env VIGIL_TLS_SELF_SIGNED=true)")
	maxBody := fs.Int64("max-body-bytes", envInt("VIGIL_MAX_BODY_BYTES", 64<<20), "largest request body accepted, after decompression (env VIGIL_MAX_BODY_BYTES)")
	maxFields := fs.Int("max-fields", int(envInt("VIGIL_MAX_FIELDS", 500)), "most fields in one ingested record (env VIGIL_MAX_FIELDS)")
	maxFieldBytes := fs.Int("max-field-bytes", int(envInt("VIGIL_MAX_FIELD_BYTES", 64<<10)), "largest value of one ingested field (env VIGIL_MAX_FIELD_BYTES)")
	rateBytes := fs.Int64("ingest-rate-bytes", envInt("VIGIL_INGEST_RATE_BYTES", 0), "ingestion bytes per second each workspace may send, 0 for no limit; over it gets 429 (env VIGIL_INGEST_RATE_BYTES)")
	rateRequests := fs.Float64("ingest-rate-requests", float64(envInt("VIGIL_INGEST_RATE_REQUESTS", 0)), "ingestion requests per second each workspace may send, 0 for no limit (env VIGIL_INGEST_RATE_REQUESTS)")
	queryTimeout := fs.Duration("query-timeout", envDuration("VIGIL_QUERY_TIMEOUT", 3*time.Minute), "longest a query may run (env VIGIL_QUERY_TIMEOUT)")
	maxRows := fs.Int("max-result-rows", int(envInt("VIGIL_MAX_RESULT_ROWS", 500_000)), "most rows a query returns; beyond it the result is partial (env VIGIL_MAX_RESULT_ROWS)")
	maxResultBytes := fs.Int64("max-result-bytes", envInt("VIGIL_MAX_RESULT_BYTES", 64<<20), "largest query result; beyond it the result is partial (env VIGIL_MAX_RESULT_BYTES)")
	configPath := fs.String("config", os.Getenv("VIGIL_CONFIG"), "YAML configuration file: the flags' names as keys, plus dataCollectionRules (env VIGIL_CONFIG)")
	if pos, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", pos)
	}
	var cfg api.Config
	if *configPath != "" {
		if err := loadConfig(fs, *configPath, &cfg); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	st, err := store.Open(*dataDir, store.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := auth.OpenKeys(filepath.Join(*dataDir, "keys.json"))
	if err != nil {
		return err
	}
	workspaces, err := workspace.Open(filepath.Join(*dataDir, "workspaces.json"))
	if err != nil {
		return err
	}
	if keys.Empty() {
		secret, key, err := keys.Create(auth.Owner, "", "bootstrap", time.Time{}, os.Getenv("VIGIL_BOOTSTRAP_KEY"))
		if err != nil {
			return fmt.Errorf("creating the bootstrap key: %w", err)
		}
		fmt.Printf("Bootstrap Owner key (id %s), shown once; send it as 'Authorization: Bearer <key>':\n%s\n", key.ID, secret)
	}
	if *tlsSelfSigned && *tlsCert == "" {
		*tlsCert, *tlsKey = filepath.Join(*dataDir, "tls-cert.pem"), filepath.Join(*dataDir, "tls-key.pem")
		fp, err := selfSignedCert(*tlsCert, *tlsKey)
		if err != nil {
			return err
		}
		fmt.Printf("Self-signed TLS certificate %s, SHA-256 fingerprint %s\n", *tlsCert, fp)
	}
	httpsConfig, err := loadTLS("--tls-cert", *tlsCert, *tlsKey)
	if err != nil {
		return err
	}
	// One recorder for every receiver, so /metrics counts all their rejects.
	cfg.Rejects = ingest.NewRejectRecorder(st, 0)
	if *syslogUDP != "" || *syslogTCP != "" || *syslogTLS != "" || *syslogRELP != "" {
		ws, err := workspaces.Resolve(*syslogWS)
		if err != nil {
			return fmt.Errorf("--syslog-workspace: %w", err)
		}
		syslogTLSConfig, err := listenerTLS("--syslog-tls", *syslogTLS != "", *syslogTLSCert, *syslogTLSKey, httpsConfig)
		if err != nil {
			return err
		}
		rcv := syslog.NewServer(syslog.Config{UDP: *syslogUDP, TCP: *syslogTCP, TLS: *syslogTLS, TLSConfig: syslogTLSConfig, RELP: *syslogRELP, Workspace: ws.ID, Rejects: cfg.Rejects}, st, log)
		if err := rcv.Start(); err != nil {
			return err
		}
		// Deferred after the store's Close, so it runs first: what the
		// receiver read is stored before the store closes.
		defer rcv.Close()
		cfg.Collectors = append(cfg.Collectors, rcv)
		udp, tcp, tlsAddr := rcv.Addrs()
		fmt.Printf("Syslog on udp %v, tcp %v, tls %v, relp %v into workspace %s\n", udp, tcp, tlsAddr, rcv.RELPAddr(), ws.Name)
	}
	if *otlpGRPC != "" || *otlpHTTP != "" {
		ws, err := workspaces.Resolve(*otlpWS)
		if err != nil {
			return fmt.Errorf("--otlp-workspace: %w", err)
		}
		var otlpTLSConfig *tls.Config
		if *otlpTLS || *otlpTLSCert != "" {
			if otlpTLSConfig, err = listenerTLS("--otlp-tls", true, *otlpTLSCert, *otlpTLSKey, httpsConfig); err != nil {
				return err
			}
		}
		rcv := otlp.NewServer(otlp.Config{GRPC: *otlpGRPC, HTTP: *otlpHTTP, TLSConfig: otlpTLSConfig, Workspace: ws.ID, Rejects: cfg.Rejects}, st, log)
		if err := rcv.Start(); err != nil {
			return err
		}
		// Deferred after the store's Close, so it runs first: requests in
		// flight are answered (durably) before the store closes.
		defer rcv.Close()
		g, h := rcv.Addrs()
		security := "plain text"
		if otlpTLSConfig != nil {
			security = "TLS"
		}
		fmt.Printf("OTLP on grpc %v, http %v (%s) into workspace %s\n", g, h, security, ws.Name)
	}
	stopCheckpoints, checkpoints, vkey, err := startCheckpointer(st, workspaces, *dataDir, *checkpointEvery, *checkpointFile, *checkpointURL, log)
	if err != nil {
		return err
	}
	// Deferred after the store's Close, so it runs first: a last
	// checkpoint covers everything acknowledged.
	defer stopCheckpoints()
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return err
	}
	cfg.Logger = log
	cfg.MaxBodyBytes, cfg.MaxFieldsPerRecord, cfg.MaxFieldBytes = *maxBody, *maxFields, *maxFieldBytes
	cfg.Limits = api.Limits{IngestBytesPerSecond: *rateBytes, IngestRequestsPerSecond: *rateRequests}
	cfg.QueryTimeout, cfg.MaxResultRows, cfg.MaxResultBytes = *queryTimeout, *maxRows, *maxResultBytes
	cfg.Checkpoints, cfg.VerifierKey = checkpoints, vkey
	handler, err := api.New(cfg, st, keys, workspaces)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
	}
	scheme := "http"
	listeners := []net.Listener{ln}
	switch {
	case httpsConfig != nil:
		if *httpsAddr == "" {
			listeners[0] = tls.NewListener(ln, httpsConfig)
			scheme = "https"
			break
		}
		tln, err := net.Listen("tcp", *httpsAddr)
		if err != nil {
			return err
		}
		listeners = append(listeners, tls.NewListener(tln, httpsConfig))
		fmt.Printf("Vigil listening on https://%s\n", tln.Addr())
	case *httpsAddr != "":
		return errors.New("--https needs a certificate: give --tls-cert and --tls-key, or --tls-self-signed")
	}
	fmt.Printf("Vigil listening on %s://%s (data in %s)\n", scheme, ln.Addr(), *dataDir)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { errc <- srv.Serve(l) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: requests in flight finish (their batches are durable when
	// they are answered); then the store closes.
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadTLS returns a server TLS configuration with the certificate at
// certPath, or nil when certPath is empty; flag names the option in errors.
func loadTLS(flag, certPath, keyPath string) (*tls.Config, error) {
	if certPath == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listenerTLS returns the TLS configuration of a receiver's listener
// that serves TLS when on: its own certificate when one is given (for a
// name other than the web one's), else the server's HTTPS configuration.
// flag names the option in errors; on without any certificate is one.
func listenerTLS(flag string, on bool, certPath, keyPath string, https *tls.Config) (*tls.Config, error) {
	if certPath != "" {
		return loadTLS(flag+"-cert", certPath, keyPath)
	}
	if on && https == nil {
		return nil, fmt.Errorf("%s needs a certificate: %s-cert and %s-key, --tls-cert and --tls-key, or --tls-self-signed", flag, flag, flag)
	}
	return https, nil
}

// loadConfig reads the YAML configuration file. Its keys are the flags'
// names; a value applies where neither the flag nor its environment
// variable was given (flags over environment over file over defaults).
// dataCollectionRules and workspaceLimits are read from the file only,
// into cfg. An unknown key is an error, so a typo does not go unnoticed.
func loadConfig(fs *flag.FlagSet, path string, cfg *api.Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var file map[string]yaml.Node
	if err := yaml.Unmarshal(data, &file); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	structured := map[string]any{"dataCollectionRules": &cfg.DataCollectionRules, "workspaceLimits": &cfg.WorkspaceLimits}
	for key, node := range file {
		if dst, ok := structured[key]; ok {
			// Decoded again from its own text, as only a Decoder can
			// refuse unknown fields.
			text, err := yaml.Marshal(&node)
			if err == nil {
				dec := yaml.NewDecoder(bytes.NewReader(text))
				dec.KnownFields(true)
				err = dec.Decode(dst)
			}
			if err != nil {
				return fmt.Errorf("--config %s: %s: %w", path, key, err)
			}
			continue
		}
		f := fs.Lookup(key)
		if f == nil || key == "config" {
			return fmt.Errorf("--config %s: unknown setting %q", path, key)
		}
		env := "VIGIL_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
		if explicit[key] || os.Getenv(env) != "" {
			continue
		}
		if err := fs.Set(key, node.Value); err != nil {
			return fmt.Errorf("--config %s: %s: %w", path, key, err)
		}
	}
	return nil
}

// ledgerKeyFile is the checkpoint signing key in the data directory; the
// public key is beside it with ".pub" added.
const ledgerKeyFile = "ledger-key"

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// startCheckpointer signs a checkpoint of every workspace's ledger at
// least every interval while data arrives, and copies it out. The
// returned function stops it after a last checkpoint. It also returns
// the checkpointer and the public key, for the API to serve.
func startCheckpointer(st *store.Store, workspaces *workspace.Registry, dataDir string, every time.Duration, file, url string, log *slog.Logger) (func(), *ledger.Checkpointer, string, error) {
	signer, vkey, err := ledger.LoadOrCreateKey(filepath.Join(dataDir, ledgerKeyFile), ledger.KeyName())
	if err != nil {
		return nil, nil, "", err
	}
	cp, err := ledger.NewCheckpointer(ledger.CheckpointerConfig{Signer: signer, Interval: every, CopyFile: file, CopyURL: url,
		OnError: func(err error) { log.Error("checkpoint", "err", err) }})
	if err != nil {
		return nil, nil, "", err
	}
	addAll := func() {
		for _, ws := range workspaces.List() {
			if l, err := st.Ledger(ws.ID); err == nil {
				cp.Add(ws.ID, l)
			}
		}
	}
	addAll()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); cp.Run(ctx) }()
	// Workspaces created later join at the next scan.
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				addAll()
			}
		}
	}()
	return func() { cancel(); <-done }, cp, vkey, nil
}

// selfSignedCert returns the SHA-256 fingerprint of the self-signed
// certificate at certPath, creating it (ECDSA P-256, for localhost and
// the loopback addresses, valid a year) when absent.
func selfSignedCert(certPath, keyPath string) (string, error) {
	if pemData, err := os.ReadFile(certPath); err == nil {
		if block, _ := pem.Decode(pemData); block != nil {
			sum := sha256.Sum256(block.Bytes)
			return hex.EncodeToString(sum[:]), nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "vigil " + host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", host}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}
