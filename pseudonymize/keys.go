package pseudonymize

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
)

// MinKeyBytes is the shortest key accepted: HMAC-SHA256 keys shorter than
// the hash output weaken it.
const MinKeyBytes = 32

// ErrKeyTooShort is returned by LoadKey for a key of fewer than MinKeyBytes.
var ErrKeyTooShort = fmt.Errorf("key shorter than %d bytes", MinKeyBytes)

// LoadKey reads a key file. The file's bytes are the key as they are, with
// one trailing newline ("\n" or "\r\n") removed, so both raw random bytes
// and a base64 line work. Errors name the path, never the content.
func LoadKey(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("no key file given")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if bytes.HasSuffix(b, []byte("\r\n")) {
		b = b[:len(b)-2]
	} else if bytes.HasSuffix(b, []byte("\n")) {
		b = b[:len(b)-1]
	}
	if len(b) < MinKeyBytes {
		return nil, fmt.Errorf("key file %s: %w (has %d)", path, ErrKeyTooShort, len(b))
	}
	return b, nil
}

// GenerateKey writes a new random key to path as a base64 line with mode
// 0600. It refuses to overwrite an existing file: replacing a key silently
// would unlink every earlier record.
func GenerateKey(path string) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	line := base64.StdEncoding.EncodeToString(raw) + "\n"
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("generate key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("generate key %s: %w", path, err)
	}
	return nil
}

// Hasher computes the keyed identifiers of the privacy model: the
// lowercase hex of the first 16 bytes of HMAC-SHA256(key, value). With the
// sources' key over a BSN it gives the source pseudonym; with the research
// key over a source pseudonym it gives the research id. A Hasher reuses its
// state and is not safe for concurrent use; make one per goroutine.
type Hasher struct {
	mac hash.Hash
	in  []byte // v's bytes: converting a string for the hash.Hash interface would allocate
	sum []byte
	out [32]byte
}

// NewHasher returns a Hasher for key. The key is copied by the HMAC.
func NewHasher(key []byte) *Hasher {
	return &Hasher{mac: hmac.New(sha256.New, key), in: make([]byte, 0, 64), sum: make([]byte, 0, sha256.Size)}
}

// Sum returns the 32-character identifier of v.
func (h *Hasher) Sum(v string) string {
	return string(h.appendSum(h.out[:0], v))
}

// appendSum appends the 32-character identifier of v to dst.
func (h *Hasher) appendSum(dst []byte, v string) []byte {
	h.mac.Reset()
	h.in = append(h.in[:0], v...)
	h.mac.Write(h.in)
	h.sum = h.mac.Sum(h.sum[:0])
	return hex.AppendEncode(dst, h.sum[:16])
}
