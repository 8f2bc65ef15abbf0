package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Backup copies the data directory dataDir to dest while another process
// may be writing to it, giving a directory that opens to a consistent
// state: every batch acknowledged before Backup started, and possibly
// some acknowledged during it, each whole.
//
// The catalog is copied first; then the files it lists (segments are
// immutable), the ledgers, the small state files, and last the WAL, which
// holds every batch the catalog does not cover. A file a concurrent seal,
// compaction or retention removed, or WAL segments truncated past the
// copied catalog's replay point, make Backup start again (a few times).
func Backup(ctx context.Context, dataDir, dest string) error {
	if entries, err := os.ReadDir(dest); err == nil && len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty", dest)
	}
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		os.RemoveAll(dest)
		err := backupOnce(dataDir, dest)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errMoved) {
			return err
		}
		last = err
	}
	return fmt.Errorf("backup: the data directory kept changing under the copy: %w", last)
}

var errMoved = errors.New("files moved during the copy")

func backupOnce(dataDir, dest string) error {
	catData, err := os.ReadFile(filepath.Join(dataDir, catalogFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	cat, err := loadCatalog(dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if catData != nil {
		// Check the bytes read are the catalog loaded (a rename in between).
		if err := writeFileSync(filepath.Join(dest, catalogFile), catData); err != nil {
			return err
		}
		if again, err := loadCatalog(dest); err != nil || again.ReplayFrom != cat.ReplayFrom || len(again.Segments) != len(cat.Segments) {
			return errMoved
		}
	}
	var files []string
	for _, s := range cat.Segments {
		files = append(files, s.Path)
		if s.TermsSHA256 != "" {
			files = append(files, s.Path+termSuffix)
		}
	}
	for _, r := range cat.Raws {
		files = append(files, r.Path)
	}
	for _, rel := range files {
		if err := copyFile(filepath.Join(dataDir, rel), filepath.Join(dest, rel)); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return errMoved
			}
			return err
		}
	}
	for _, top := range []string{"ledger", "keys.json", "workspaces.json", "ledger-key", "ledger-key.pub"} {
		if err := copyTree(filepath.Join(dataDir, top), filepath.Join(dest, top)); err != nil {
			return err
		}
	}
	if err := copyTree(filepath.Join(dataDir, "wal"), filepath.Join(dest, "wal")); err != nil {
		return err
	}
	// The copied WAL must reach back to the copied catalog's replay point.
	names, _ := filepath.Glob(filepath.Join(dest, "wal", "*.wal"))
	sort.Strings(names)
	if len(names) > 0 {
		base, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(names[0]), ".wal"), 16, 64)
		if err != nil || base > cat.ReplayFrom {
			return errMoved
		}
	}
	return syncDir(dest)
}

// Restore copies a backup made by Backup to dataDir, which must not exist
// or be empty; opening dataDir then recovers exactly as after a crash.
func Restore(src, dataDir string) error {
	if _, err := os.Stat(filepath.Join(src, "wal")); err != nil {
		if _, err2 := os.Stat(filepath.Join(src, catalogFile)); err2 != nil {
			return fmt.Errorf("restore: %s is not a Vigil backup (no catalog and no WAL)", src)
		}
	}
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("restore: %s is not empty; restore into a new directory", dataDir)
	}
	if err := copyTree(src, dataDir); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(dataDir)
}

// copyTree copies a file or a directory tree; a missing source is fine.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(path, ".tmp") {
			return nil
		}
		err = copyFile(path, target)
		if errors.Is(err, os.ErrNotExist) {
			return nil // removed meanwhile (a truncated WAL segment)
		}
		return err
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
