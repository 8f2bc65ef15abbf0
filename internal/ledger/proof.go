package ledger

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafProof shows a third party that a leaf is in a signed tree. In JSON
// the byte fields are standard base64; docs/ledger.md shows how to check
// it with golang.org/x/mod/sumdb/tlog and note alone.
type LeafProof struct {
	// Leaf is the leaf's encoding (Leaf.Encode), whose record hash is
	// SHA-256(0x00 || Leaf).
	Leaf []byte `json:"leaf"`
	// Index is the leaf's position in the tree, its Seq.
	Index int64 `json:"index"`
	// Proof is the RFC 6962 inclusion proof (tlog.RecordProof) of Leaf at
	// Index in the checkpoint's tree.
	Proof [][]byte `json:"proof"`
	// Checkpoint is the signed checkpoint note the proof leads to.
	Checkpoint string `json:"checkpoint"`
}

// TreeProof shows a third party that a newer checkpoint's tree extends an
// older one's: nothing the older one covers was altered or removed.
type TreeProof struct {
	Old string `json:"old"`
	New string `json:"new"`
	// Proof is the RFC 6962 consistency proof (tlog.TreeProof).
	Proof [][]byte `json:"proof"`
}

// ProveLeaf returns the proof that leaf index is in the tree of checkpoint,
// a checkpoint of this log (its signature is the reader's to check).
func (l *Log) ProveLeaf(index uint64, checkpoint []byte) (*LeafProof, error) {
	tree, err := l.checkpointTree(checkpoint)
	if err != nil {
		return nil, err
	}
	p, err := l.InclusionProof(index, uint64(tree.N))
	if err != nil {
		return nil, err
	}
	lf, err := l.Leaf(index)
	if err != nil {
		return nil, err
	}
	return &LeafProof{Leaf: lf.Encode(), Index: int64(index), Proof: hashBytes(p), Checkpoint: string(checkpoint)}, nil
}

// ProveConsistency returns the proof that newer's tree extends older's,
// both checkpoints of this log.
func (l *Log) ProveConsistency(older, newer []byte) (*TreeProof, error) {
	ot, err := l.checkpointTree(older)
	if err != nil {
		return nil, err
	}
	nt, err := l.checkpointTree(newer)
	if err != nil {
		return nil, err
	}
	p, err := l.ConsistencyProof(uint64(ot.N), uint64(nt.N))
	if err != nil {
		return nil, err
	}
	return &TreeProof{Old: string(older), New: string(newer), Proof: hashBytes(p)}, nil
}

// checkpointTree reads the tree of a checkpoint and checks that it is a
// tree of this log, so no proof is made against a foreign checkpoint.
func (l *Log) checkpointTree(checkpoint []byte) (tlog.Tree, error) {
	// ParseTree ignores what follows the tree, signatures included.
	tree, err := tlog.ParseTree(checkpoint)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("ledger: checkpoint: %w", err)
	}
	h, err := l.TreeHash(uint64(tree.N))
	if err != nil {
		return tlog.Tree{}, err
	}
	if h != tree.Hash {
		return tlog.Tree{}, fmt.Errorf("ledger: checkpoint of size %d is not a tree of this log", tree.N)
	}
	return tree, nil
}

func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}
