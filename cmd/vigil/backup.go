package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"vigil/internal/store"
)

// runBackup copies a data directory consistently while a server may be
// writing to it.
func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", "./vigil-data", "data directory to back up")
	to := fs.String("to", "", "destination directory (new or empty)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("usage: vigil backup --data DIR --to DEST")
	}
	if err := store.Backup(context.Background(), *data, *to); err != nil {
		return err
	}
	fmt.Printf("backed up %s to %s\n", *data, *to)
	return nil
}

// runRestore copies a backup into a new data directory.
func runRestore(args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	from := fs.String("from", "", "backup directory made by vigil backup")
	data := fs.String("data", "", "data directory to create (new or empty)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *data == "" {
		return errors.New("usage: vigil restore --from BACKUP --data DIR")
	}
	if err := store.Restore(*from, *data); err != nil {
		return err
	}
	fmt.Printf("restored %s into %s; start it with: vigil serve --data %s\n", *from, *data, *data)
	return nil
}
