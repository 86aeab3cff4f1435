// Package pseudonymize is the source side of the privacy model (SPEC §2) and
// the pipeline's re-keying step.
//
// Sources run Transform on their raw exports before a file leaves their
// organisation: every BSN becomes a source pseudonym (HMAC-SHA256 with a key
// shared by the sources), birth dates are generalised to the month and
// postcodes to the municipality. The pipeline never sees a BSN; at ingest it
// re-keys each source pseudonym with its own research key (Rekeyer), so its
// database holds neither the source pseudonyms nor any key.
package pseudonymize
