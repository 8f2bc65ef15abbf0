package api

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"vigil/internal/auth"
	"vigil/internal/ledger"
	"vigil/internal/workspace"
)

// The ledger endpoints: what a third party needs to check that a batch
// was accepted as it is and never changed (docs/ledger.md). All read,
// none changes what is recorded.

// ledgerRoutes registers the ledger and original-bytes endpoints.
func (s *Server) ledgerRoutes() {
	const ws = "/v1/workspaces/{workspace}"
	s.route("GET "+ws+"/ledger", auth.PermQuery, s.ledgerTree)
	s.route("GET "+ws+"/ledger/checkpoint", auth.PermQuery, s.ledgerCheckpoint)
	s.route("GET "+ws+"/ledger/key", auth.PermQuery, s.ledgerKey)
	s.route("GET "+ws+"/ledger/proof/inclusion", auth.PermQuery, s.inclusionProof)
	s.route("GET "+ws+"/ledger/proof/consistency", auth.PermQuery, s.consistencyProof)
	s.route("GET "+ws+"/batches/{seq}/raw", auth.PermQuery, s.batchRaw)
	s.route("GET "+ws+"/batches/{seq}/rows/{row}/raw", auth.PermQuery, s.rowRaw)
}

func (s *Server) workspaceLog(w http.ResponseWriter, ws *workspace.Workspace) (*ledger.Log, bool) {
	l, err := s.store.Ledger(ws.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return nil, false
	}
	return l, true
}

// ledgerTree answers the ledger's current size and root hash, unsigned.
func (s *Server) ledgerTree(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	l, ok := s.workspaceLog(w, ws)
	if !ok {
		return
	}
	tree, err := l.Tree()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspace": ws.ID, "treeSize": tree.N, "rootHash": tree.Hash.String()})
}

// checkpointNote returns the signed checkpoint of size leaves (the latest
// when size is negative). When the log has no checkpoint yet, one is made
// now, so a new workspace can be checked before the first interval ends.
func (s *Server) checkpointNote(w http.ResponseWriter, ws *workspace.Workspace, l *ledger.Log, size int64) ([]byte, bool) {
	msg, err := ledger.FindCheckpoint(l.Dir(), size)
	if errors.Is(err, ledger.ErrNoCheckpoint) && size < 0 && s.cfg.Checkpoints != nil && l.Size() > 0 {
		s.cfg.Checkpoints.Add(ws.ID, l)
		var rec ledger.CheckpointRecord
		if rec, err = s.cfg.Checkpoints.Checkpoint(ws.ID); err == nil {
			msg = []byte(rec.Note)
		}
	}
	switch {
	case errors.Is(err, ledger.ErrNoCheckpoint):
		writeError(w, http.StatusNotFound, "CheckpointNotFound", err.Error())
		return nil, false
	case err != nil:
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return nil, false
	}
	return msg, true
}

// ledgerCheckpoint answers the latest signed checkpoint as the note's
// text, exactly the bytes the signature covers.
func (s *Server) ledgerCheckpoint(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	l, ok := s.workspaceLog(w, ws)
	if !ok {
		return
	}
	msg, ok := s.checkpointNote(w, ws, l, -1)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(msg)
}

// ledgerKey answers the public key checkpoints are signed with. An
// auditor should keep a copy obtained when the server was trusted.
func (s *Server) ledgerKey(w http.ResponseWriter, r *http.Request, _ *workspace.Workspace) {
	if s.cfg.VerifierKey == "" {
		writeError(w, http.StatusNotFound, "KeyNotFound", "this server signs no checkpoints")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, s.cfg.VerifierKey)
}

// uintParam reads a non-negative integer query parameter; def when absent.
func uintParam(w http.ResponseWriter, r *http.Request, name string, def int64) (int64, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		writeError(w, http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("%s=%q is not a non-negative integer", name, v))
		return 0, false
	}
	return n, true
}

// inclusionProof answers ?seq=N[&size=M]: the proof that batch N's leaf
// is in the tree of the signed checkpoint of M leaves (default: the
// latest checkpoint).
func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	if r.URL.Query().Get("seq") == "" {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "seq, the batch's sequence number, is required")
		return
	}
	seq, ok := uintParam(w, r, "seq", 0)
	if !ok {
		return
	}
	size, ok := uintParam(w, r, "size", -1)
	if !ok {
		return
	}
	l, ok := s.workspaceLog(w, ws)
	if !ok {
		return
	}
	msg, ok := s.checkpointNote(w, ws, l, size)
	if !ok {
		return
	}
	p, err := l.ProveLeaf(uint64(seq), msg)
	if err != nil {
		writeError(w, http.StatusNotFound, "LeafNotInCheckpoint", fmt.Sprintf("no proof of batch %d in the checkpoint: %v (a new batch is covered by the next checkpoint)", seq, err))
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// consistencyProof answers ?from=M[&to=N]: the proof that the signed
// checkpoint of N leaves (default: the latest) extends the one of M.
func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	if r.URL.Query().Get("from") == "" {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "from, the older checkpoint's tree size, is required")
		return
	}
	from, ok := uintParam(w, r, "from", 0)
	if !ok {
		return
	}
	to, ok := uintParam(w, r, "to", -1)
	if !ok {
		return
	}
	l, ok := s.workspaceLog(w, ws)
	if !ok {
		return
	}
	older, ok := s.checkpointNote(w, ws, l, from)
	if !ok {
		return
	}
	newer, ok := s.checkpointNote(w, ws, l, to)
	if !ok {
		return
	}
	p, err := l.ProveConsistency(older, newer)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// seqParam reads the {seq} path segment.
func seqParam(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("batch %q is not a sequence number", r.PathValue("seq")))
		return 0, false
	}
	return seq, true
}

// writeOriginal answers original bytes byte for byte with their content
// type, and their SHA-256 as Repr-Digest (RFC 9530).
func writeOriginal(w http.ResponseWriter, contentType string, b []byte) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	sum := sha256.Sum256(b)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// batchRaw answers a batch's original bytes.
func (s *Server) batchRaw(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	seq, ok := seqParam(w, r)
	if !ok {
		return
	}
	raw, ct, err := s.store.Raw(ws.ID, seq)
	if err != nil {
		writeError(w, http.StatusNotFound, "BatchNotFound", err.Error())
		return
	}
	writeOriginal(w, ct, raw)
}

// rowRaw answers the part of a batch's original bytes one row came from.
func (s *Server) rowRaw(w http.ResponseWriter, r *http.Request, ws *workspace.Workspace) {
	seq, ok := seqParam(w, r)
	if !ok {
		return
	}
	row, err := strconv.ParseInt(r.PathValue("row"), 10, 64)
	if err != nil || row < 0 {
		writeError(w, http.StatusBadRequest, "BadArgumentError", fmt.Sprintf("row %q is not a position in the batch", r.PathValue("row")))
		return
	}
	l, ok := s.workspaceLog(w, ws)
	if !ok {
		return
	}
	lf, err := l.Leaf(seq)
	if err != nil || lf.Kind != ledger.BatchLeaf {
		writeError(w, http.StatusNotFound, "BatchNotFound", fmt.Sprintf("no batch %d in workspace %s", seq, ws.Name))
		return
	}
	if row >= lf.Rows {
		writeError(w, http.StatusNotFound, "RowNotFound", fmt.Sprintf("batch %d has %d rows; there is no row %d", seq, lf.Rows, row))
		return
	}
	raw, ct, err := s.store.Raw(ws.ID, seq)
	if err != nil {
		writeError(w, http.StatusNotFound, "BatchNotFound", err.Error())
		return
	}
	b, err := ledger.RowBytes(ct, raw, lf.Rows, row)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "RowNotSeparable", err.Error())
		return
	}
	writeOriginal(w, ct, b)
}
