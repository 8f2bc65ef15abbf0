package ledger

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A checkpoint is a signed note (golang.org/x/mod/sumdb/note) whose text is
// the tree in tlog.FormatTree's form followed by one line naming the
// workspace, so a checkpoint of one workspace cannot pass for another's:
//
//	go.sum database tree
//	137
//	nND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=
//	workspace 4b0a6c2e-7f43-4d6b-9a53-0d2f1e8c9b11
//
//	— vigil-host1 AbCd...
//
// tlog.ParseTree ignores the extra line, so standard tooling reads the tree.

// The files a log directory keeps its checkpoints in.
const (
	// latestFile holds the most recent checkpoint note, replaced atomically.
	latestFile = "checkpoint"
	// historyFile holds every checkpoint as a JSON line (CheckpointRecord).
	historyFile = "checkpoints.jsonl"
)

const workspaceLine = "workspace "

// Checkpoint is a verified checkpoint.
type Checkpoint struct {
	Workspace string
	Tree      tlog.Tree
	// Note is the signed note as it was read.
	Note []byte
}

// CheckpointRecord is one checkpoint as it is kept in history and copied
// out: one JSON object per line in files, the body of an HTTP POST.
type CheckpointRecord struct {
	Workspace string    `json:"workspace"`
	Time      time.Time `json:"time"`
	Size      int64     `json:"size"`
	// Hash is the tree's root hash, standard base64.
	Hash string `json:"hash"`
	// Note is the signed note; it alone is what a verifier trusts.
	Note string `json:"note"`
}

// LoadOrCreateKey returns the checkpoint signer whose private key is in the
// file at path, and its public verifier key (note.NewVerifier's form). If
// the file does not exist, it generates an Ed25519 key named name, writes
// the private key to path with mode 0600 and the public key to path+".pub".
// A private key file others can read is refused: anyone who can read it
// can forge checkpoints.
func LoadOrCreateKey(path, name string) (note.Signer, string, error) {
	skey, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createKey(path, name)
	}
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("ledger: checkpoint key %s has mode %o; it must be readable by its owner only (chmod 600)", path, st.Mode().Perm())
	}
	s, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key %s: %w", path, err)
	}
	vkey, err := ReadVerifierKey(path + ".pub")
	if err != nil {
		return nil, "", err
	}
	return s, vkey, nil
}

// ReadVerifierKey reads a public checkpoint key (note.NewVerifier's form,
// as LoadOrCreateKey writes to path+".pub"), for verifying checkpoints.
func ReadVerifierKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("ledger: checkpoint public key: %w", err)
	}
	vkey := strings.TrimSpace(string(b))
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", fmt.Errorf("ledger: checkpoint public key %s: %w", path, err)
	}
	return vkey, nil
}

func createKey(path, name string) (note.Signer, string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key name %q: %w", name, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	if err := writeFileAtomic(path+".pub", []byte(vkey+"\n"), 0o644); err != nil {
		return nil, "", err
	}
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	return s, vkey, nil
}

// KeyName returns the default name of a host's checkpoint key, "vigil-"
// and the host name.
func KeyName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	host = strings.Map(func(r rune) rune {
		if r <= ' ' || r == '+' || r > '~' {
			return '-'
		}
		return r
	}, host)
	return "vigil-" + host
}

// SignTree returns a checkpoint of workspace's tree signed by s.
func SignTree(s note.Signer, workspace string, tree tlog.Tree) ([]byte, error) {
	if workspace == "" || strings.ContainsAny(workspace, "\n\r") {
		return nil, fmt.Errorf("ledger: sign checkpoint: bad workspace id %q", workspace)
	}
	text := string(tlog.FormatTree(tree)) + workspaceLine + workspace + "\n"
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return nil, fmt.Errorf("ledger: sign checkpoint: %w", err)
	}
	return msg, nil
}

// OpenCheckpoint verifies a checkpoint's signature with the verifier keys
// (note.NewVerifier's form) and parses it. A note signed by none of the
// keys, or with a signature that does not check, is an error.
func OpenCheckpoint(msg []byte, vkeys ...string) (Checkpoint, error) {
	var vs []note.Verifier
	for _, k := range vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return Checkpoint{}, fmt.Errorf("ledger: checkpoint verifier key: %w", err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint signature: %w", err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint text: %w", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[3], workspaceLine) {
		return Checkpoint{}, errors.New("ledger: checkpoint text has no workspace line")
	}
	return Checkpoint{Workspace: strings.TrimPrefix(lines[3], workspaceLine), Tree: tree, Note: msg}, nil
}

// record returns the checkpoint as kept in history.
func record(workspace string, at time.Time, tree tlog.Tree, msg []byte) CheckpointRecord {
	return CheckpointRecord{
		Workspace: workspace,
		Time:      at.UTC(),
		Size:      tree.N,
		Hash:      base64.StdEncoding.EncodeToString(tree.Hash[:]),
		Note:      string(msg),
	}
}

// saveCheckpoint keeps a checkpoint of the log in its directory: it
// replaces the latest checkpoint file atomically and appends to history.
func saveCheckpoint(dir string, rec CheckpointRecord) error {
	if err := appendRecord(filepath.Join(dir, historyFile), rec); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, latestFile), []byte(rec.Note), 0o644)
}

// LatestCheckpoint returns the note of the latest checkpoint kept in a log
// directory, or nil if none was made yet.
func LatestCheckpoint(dir string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, latestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return b, nil
}

// ReadCheckpointRecords calls fn with each line of a history file (or a
// copy file) in order: its number from 1, and its record or why it is not
// one. A last line without its newline, torn by a crash while appending,
// is left out. fn's error stops the reading and is returned.
func ReadCheckpointRecords(r io.Reader, fn func(line int, rec CheckpointRecord, err error) error) error {
	br := bufio.NewReaderSize(r, maxRecordLine)
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if err == io.EOF {
			return nil
		}
		if err == bufio.ErrBufferFull {
			return fmt.Errorf("ledger: checkpoint record %d is longer than %d bytes", line, maxRecordLine)
		}
		if err != nil {
			return fmt.Errorf("ledger: checkpoint record %d: %w", line, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var rec CheckpointRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			err = fmt.Errorf("ledger: checkpoint record %d: %w", line, err)
			if ferr := fn(line, CheckpointRecord{}, err); ferr != nil {
				return ferr
			}
			continue
		}
		if err := fn(line, rec, nil); err != nil {
			return err
		}
	}
}

// maxRecordLine bounds a checkpoint record line; real ones are under 1 KiB.
const maxRecordLine = 1 << 20

// appendRecord appends rec as one JSON line to the file at path, in a
// single write so that concurrent appenders do not interleave. If a crash
// tore the previous line, the new one still starts on a line of its own.
func appendRecord(path string, rec CheckpointRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	var last [1]byte
	st, err := f.Stat()
	if err == nil && st.Size() > 0 {
		if _, err = f.ReadAt(last[:], st.Size()-1); err == nil && last[0] != '\n' {
			b = append([]byte{'\n'}, b...)
		}
	}
	if err == nil {
		_, err = f.Write(append(b, '\n'))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ledger: append checkpoint to %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic replaces the file at path with b: readers see the old
// content or the new, never a mix.
func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, err = io.Copy(tmp, bytes.NewReader(b))
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ledger: write %s: %w", path, err)
	}
	return nil
}
