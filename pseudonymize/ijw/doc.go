// Package ijw reads iJw 3.2 messages (JW301 toewijzing, JW305 start zorg,
// JW307 stop zorg, JW315 verzoek om toewijzing) as municipal systems export
// them, and turns each assigned product of a JW301 into a Beschikking: the
// few fields a toegang row needs (BSN, gemeente, ingangsdatum,
// productcategorie).
//
// The messages carry far more personal data than the pipeline may keep:
// names, birth dates, addresses, relations, free-text comments. The decoder
// only maps the elements listed in this package's struct types and reads past
// everything else, so that data never leaves the parser. Errors name the
// message and give a short fixed reason; they never quote a value from the
// message (a BSN in a log line would be a data leak), which also keeps the
// reasons countable in a summary.
//
// Validation follows the iJw 3.2 XSDs (element presence and cardinality of
// the elements read, namespaces, simple types and code lists JZ020, JZ002 and
// JZ588) plus the elfproef on the BSN. Namespaces, never prefixes, decide what
// an element is: message elements are in the message namespace (for example
// http://www.istandaarden.nl/ijw/3_2/jw301/schema), and the children of
// basisschema types (Product/Categorie, Geboortedatum/Datum,
// BerichtIdentificatie/Identificatie, ...) are in the basisschema namespace
// http://www.istandaarden.nl/ijw/3_2/basisschema/schema.
//
// ParseMessage reads one message; Walk reads an export: one file, a folder or
// a zip archive.
package ijw
