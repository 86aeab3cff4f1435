package ingest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// The research key fingerprint's statements; a missing file fails the
// build.
var (
	//go:embed sql/key_fingerprint.sql
	keyFingerprintSQL string
	//go:embed sql/key_adopt.sql
	keyAdoptSQL string
)

// ErrResearchKeyMismatch marks an ingest under a research key other than
// the one the database was filled with. It is no refusal: the delivery is
// fine and lands once the right key is given.
var ErrResearchKeyMismatch = errors.New("research key mismatch")

// KeyMismatchError is the error of an ingest under a research key other
// than the database's. It matches ErrResearchKeyMismatch with errors.Is.
type KeyMismatchError struct {
	Database string // fingerprint stored in the database (KeyFingerprint)
	Given    string // fingerprint of the key given
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("%v: this database was filled with another research key (fingerprint %s; the key given has %s); "+
		"use the key file it was made with, or rotate explicitly (re-key every research id in one transaction, "+
		"which zothuis does not offer yet)", ErrResearchKeyMismatch, short(e.Database), short(e.Given))
}

// Is makes errors.Is(err, ErrResearchKeyMismatch) hold.
func (e *KeyMismatchError) Is(target error) bool { return target == ErrResearchKeyMismatch }

// short is the start of a fingerprint, enough for an operator to tell keys
// apart in a message.
func short(fp string) string {
	if len(fp) > 16 {
		return fp[:16]
	}
	return fp
}

// fingerprintMessage is what KeyFingerprint authenticates. Versioned, so a
// later scheme cannot be confused with this one; with spaces, so it is no
// source pseudonym (32 hex digits) and the fingerprint no research id.
const fingerprintMessage = "zothuis research key fingerprint v1"

// KeyFingerprint returns the fingerprint of a research key that the
// database stores: lowercase hex HMAC-SHA256(key, fingerprintMessage).
//
// It is the research ids' own primitive, so it offers no cheaper test of
// a guessed key than they do: a guess costs one HMAC either way, and
// whoever can read the fingerprint (the working database) can already
// test guesses against research ids with the source pseudonyms of the
// deliveries on the same host. Researchers, who have research ids but no
// pseudonyms, never get it: the snapshot leaves it out. A slow KDF would
// only protect a guessable key, which the research ids already give away;
// keys are random files of at least 32 bytes.
func KeyFingerprint(key []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(fingerprintMessage))
	return hex.EncodeToString(mac.Sum(nil))
}

// CheckResearchKey reports whether key is the research key the database
// was filled with: nil when it is, or when the database records no key yet
// (the next ingest that lands adopts its key); a *KeyMismatchError when it
// is another. It changes nothing, so a command can check at startup.
func CheckResearchKey(ctx context.Context, db *sql.DB, key []byte) error {
	_, err := checkKey(ctx, db, KeyFingerprint(key))
	return err
}

// queryRower is a *sql.DB, *sql.Conn or *sql.Tx.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkKey compares the fingerprint fp with the one the database holds,
// and reports whether it holds one.
func checkKey(ctx context.Context, q queryRower, fp string) (stored bool, err error) {
	var db string
	switch err := q.QueryRowContext(ctx, keyFingerprintSQL).Scan(&db); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("research key fingerprint: %w", err)
	}
	if db != fp {
		return true, &KeyMismatchError{Database: db, Given: fp}
	}
	return true, nil
}

// adoptKey checks fp again inside the file's transaction on conn (another
// ingest may have landed since the first check) and, in a database that
// holds no fingerprint yet, records it: it lands with the file or not at
// all.
func adoptKey(ctx context.Context, conn *sql.Conn, fp string, now time.Time) error {
	stored, err := checkKey(ctx, conn, fp)
	if err != nil || stored {
		return err
	}
	if _, err := conn.ExecContext(ctx, keyAdoptSQL, fp, now); err != nil {
		return fmt.Errorf("research key fingerprint: %w", err)
	}
	return nil
}
