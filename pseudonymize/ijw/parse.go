package ijw

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zothuis/zothuis/pseudonymize"
)

// MaxMessageSize is the largest message ParseMessage reads. Real messages
// are far smaller; the limit keeps one broken or hostile file (or zip member)
// from exhausting memory.
const MaxMessageSize = 64 << 20

// Message types returned in Message.Type.
const (
	TypeJW301 = "JW301" // Toewijzing: gemeente to aanbieder
	TypeJW305 = "JW305" // Start zorg: aanbieder to gemeente
	TypeJW307 = "JW307" // Stop zorg: aanbieder to gemeente
	TypeJW315 = "JW315" // Verzoek om toewijzing: aanbieder to gemeente
)

// Beschikking is one assigned product of a JW301, reduced to what a toegang
// row needs.
type Beschikking struct {
	BSN              string // 9 digits, passes the elfproef
	Gemeente         string // "GM" + the 4-digit Afzender of the header
	Ingangsdatum     string // YYYY-MM-DD
	Productcategorie string // JZ020 code, or "" when the message has no Product
	ToewijzingNummer int64
}

// Message is one parsed iJw message. Only JW301 carries Beschikkingen; the
// other types are validated and returned empty, since they hold no toegang
// event.
type Message struct {
	Name          string
	Type          string // TypeJW301, TypeJW305, TypeJW307 or TypeJW315
	Gemeente      string // "GM" + the gemeente code of the header
	Beschikkingen []Beschikking
	Skipped       []Skip
}

// Skip is a JW301 product deliberately not delivered.
type Skip struct {
	ToewijzingNummer int64
	Reason           string
}

// reasonVerwijderd is the Skip reason for RedenWijziging 13: JZ002 says such
// a toewijzing was sent by mistake and must be treated as never sent.
const reasonVerwijderd = "RedenWijziging 13 (Verwijderd): toewijzing counts as not sent"

// Fixed reasons that are also compared in code.
const (
	reasonNotWellFormed = "not well-formed XML"
	reasonTooLarge      = "message larger than 64 MiB"
	reasonNotXMLFile    = "not an XML file"
)

var (
	errTooLarge     = errors.New("message too large")
	errCharset      = errors.New("encoding other than UTF-8")
	errChildElement = errors.New("simple element with child elements")
)

// ParseMessage reads one iJw 3.2 message of at most MaxMessageSize bytes.
// It returns a *NotXMLError when r does not hold XML at all, a *MessageError
// when the message is refused whole, and the Message otherwise.
func ParseMessage(name string, r io.Reader) (*Message, error) {
	br := bufio.NewReaderSize(&limitReader{r: r, n: MaxMessageSize}, 64<<10)
	isXML, err := sniffXML(br)
	if err != nil {
		return nil, &MessageError{Name: name, Reason: readReason(err)}
	}
	if !isXML {
		return nil, &NotXMLError{Name: name}
	}
	d := xml.NewDecoder(br)
	// iJw messages are UTF-8; refusing other encodings beats guessing.
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errCharset }

	m, reason := parse(d)
	if reason != "" {
		return nil, &MessageError{Name: name, Reason: reason}
	}
	m.Name = name
	return m, nil
}

// sniffXML skips an optional UTF-8 byte order mark and whitespace and
// reports whether the next byte is '<'. It leaves that byte unread.
func sniffXML(br *bufio.Reader) (bool, error) {
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		br.UnreadByte()
		return b == '<', nil
	}
}

// parse decodes and validates the message; a non-empty reason refuses it.
func parse(d *xml.Decoder) (*Message, string) {
	start, reason := rootElement(d)
	if reason != "" {
		return nil, reason
	}
	typ, reason := messageType(start.Name)
	if reason != "" {
		return nil, reason
	}

	var m *Message
	switch typ {
	case TypeJW301:
		var b bericht301
		if err := d.DecodeElement(&b, &start); err != nil {
			return nil, decodeReason(err)
		}
		m, reason = b.validate()
	case TypeJW305:
		var b bericht305
		if err := d.DecodeElement(&b, &start); err != nil {
			return nil, decodeReason(err)
		}
		m, reason = b.validate()
	case TypeJW307:
		var b bericht307
		if err := d.DecodeElement(&b, &start); err != nil {
			return nil, decodeReason(err)
		}
		m, reason = b.validate()
	case TypeJW315:
		var b bericht315
		if err := d.DecodeElement(&b, &start); err != nil {
			return nil, decodeReason(err)
		}
		m, reason = b.validate()
	}
	// A refused message is not read further; an accepted one must also be
	// well-formed after its root element.
	if reason != "" {
		return nil, reason
	}
	if reason := trailer(d); reason != "" {
		return nil, reason
	}
	return m, ""
}

// rootElement returns the root start element, allowing only the XML
// declaration, processing instructions, comments and whitespace before it.
// A DOCTYPE is refused: iJw messages have none, and entity declarations are
// a classic way to smuggle in trouble.
func rootElement(d *xml.Decoder) (xml.StartElement, string) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, reasonNotWellFormed
		}
		if err != nil {
			return xml.StartElement{}, decodeReason(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok, ""
		case xml.Directive:
			return xml.StartElement{}, "DOCTYPE not allowed"
		case xml.CharData:
			if !isXMLSpace(string(tok)) {
				return xml.StartElement{}, reasonNotWellFormed
			}
		}
	}
}

// trailer checks that only comments, processing instructions and whitespace
// follow the root element; encoding/xml itself accepts a second root.
func trailer(d *xml.Decoder) string {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return decodeReason(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement, xml.Directive:
			return reasonNotWellFormed
		case xml.CharData:
			if !isXMLSpace(string(tok)) {
				return reasonNotWellFormed
			}
		}
	}
}

// decodeReason maps a decoder error to a fixed reason. The decoder's own
// messages can quote document content, so they are never passed on.
func decodeReason(err error) string {
	var syntax *xml.SyntaxError
	switch {
	case errors.Is(err, errTooLarge):
		return reasonTooLarge
	case errors.Is(err, errCharset):
		return "encoding other than UTF-8"
	case errors.Is(err, errChildElement):
		return "element of a simple type has child elements"
	case errors.As(err, &syntax):
		return reasonNotWellFormed
	}
	return readReason(err)
}

// readReason maps an error from the underlying reader.
func readReason(err error) string {
	if errors.Is(err, errTooLarge) {
		return reasonTooLarge
	}
	return "cannot read message"
}

// limitReader passes on at most n bytes and fails with errTooLarge as soon as
// the input turns out to be longer, so an oversized message is refused
// without being held in memory.
type limitReader struct {
	r    io.Reader
	n    int64 // bytes still allowed
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1] // one byte more than allowed detects the overflow
	}
	n, err := l.r.Read(p)
	if int64(n) > l.n {
		n = int(l.n)
		l.n = 0
		l.over = true
		return n, errTooLarge
	}
	l.n -= int64(n)
	return n, err
}

const nsRoot = "http://www.istandaarden.nl/ijw/"

// messageType maps the root element's name to a message type. The namespace
// decides both the release and the message; reasons quote the namespace only
// after checking it has the iJw shape, so no free text gets through.
func messageType(n xml.Name) (string, string) {
	if n.Space == "" {
		return "", "not an iJw message (no namespace)"
	}
	rest, ok := strings.CutPrefix(n.Space, nsRoot)
	if !ok {
		return "", "not an iJw message"
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[2] != "schema" || !isRelease(parts[0]) {
		return "", "not an iJw message"
	}
	kind := parts[1]
	isMsg := len(kind) == 5 && kind[:2] == "jw" && isDigits(kind[2:])
	if !isMsg && kind != "basisschema" {
		return "", "not an iJw message"
	}
	if parts[0] != "3_2" {
		return "", "not an iJw 3.2 message (namespace " + n.Space + ")"
	}
	if !isMsg {
		return "", "root element in the basisschema namespace"
	}
	typ := "JW" + kind[2:]
	switch typ {
	case TypeJW301, TypeJW305, TypeJW307, TypeJW315:
	default:
		return "", "unsupported message type " + typ
	}
	if n.Local != "Bericht" {
		return "", "root element is not Bericht"
	}
	return typ, ""
}

// isRelease reports whether s looks like a release in a namespace, e.g. "3_2".
func isRelease(s string) bool {
	major, minor, ok := strings.Cut(s, "_")
	return ok && len(major) >= 1 && len(major) <= 2 && isDigits(major) &&
		len(minor) >= 1 && len(minor) <= 2 && isDigits(minor)
}

// berichtCodes is list COD002-VEKT for iJw, so a wrong BerichtCode can be
// named in a reason without quoting arbitrary message text.
var berichtCodes = map[string]string{
	"436": TypeJW301, "437": "JW302", "438": TypeJW305, "439": "JW306",
	"440": TypeJW307, "441": "JW308", "446": TypeJW315, "447": "JW316",
	"486": "JW317", "487": "JW318", "488": "JW319", "489": "JW320",
	"490": "JW323", "491": "JW325",
}

// JZ020 Productcategorie: 31-38 and 40-55 (there is no 39).
var jz020 = codeSet("31", "32", "33", "34", "35", "36", "37", "38",
	"40", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50",
	"51", "52", "53", "54", "55")

// JZ002 Reden wijziging toewijzing: 01-14.
var jz002 = codeSet("01", "02", "03", "04", "05", "06", "07", "08", "09",
	"10", "11", "12", "13", "14")

// JZ588 Reden beeindiging.
var jz588 = codeSet("02", "20", "31", "32", "33", "34", "35", "36", "37",
	"38", "39")

// redenVerwijderd is JZ002 code 13 "Verwijderd".
const redenVerwijderd = "13"

func codeSet(codes ...string) map[string]bool {
	s := make(map[string]bool, len(codes))
	for _, c := range codes {
		s[c] = true
	}
	return s
}

// text is the content of an element of a simple type. Unlike a plain string
// field it refuses child elements, which encoding/xml would silently drop and
// so glue "99990<x/>0006" into a valid-looking BSN.
type text string

func (t *text) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			b.Write(tok)
		case xml.StartElement:
			return errChildElement
		case xml.EndElement:
			*t = text(b.String())
			return nil
		}
	}
}

// The struct types below map only the elements this package reads. Tags
// carry full namespaces: message elements are in the message namespace,
// children of basisschema (CDT_) types in the basisschema namespace. Elements
// are slices so that both a missing and a repeated element can be refused;
// encoding/xml would otherwise keep the last of two Bsn elements.

type berichtIdentificatie struct {
	Identificatie []text `xml:"http://www.istandaarden.nl/ijw/3_2/basisschema/schema Identificatie"`
	Dagtekening   []text `xml:"http://www.istandaarden.nl/ijw/3_2/basisschema/schema Dagtekening"`
}

type geboortedatum struct {
	Datum []text `xml:"http://www.istandaarden.nl/ijw/3_2/basisschema/schema Datum"`
}

type product struct {
	Categorie []text `xml:"http://www.istandaarden.nl/ijw/3_2/basisschema/schema Categorie"`
}

// header has the fields shared by all four headers; the per-message header
// types convert to it because Go ignores tags in struct conversions.
type header struct {
	BerichtCode          []text
	BerichtVersie        []text
	BerichtSubversie     []text
	Afzender             []text
	Ontvanger            []text
	BerichtIdentificatie []berichtIdentificatie
}

type header301 struct {
	BerichtCode          []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema BerichtCode"`
	BerichtVersie        []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema BerichtVersie"`
	BerichtSubversie     []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema BerichtSubversie"`
	Afzender             []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Afzender"`
	Ontvanger            []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Ontvanger"`
	BerichtIdentificatie []berichtIdentificatie `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema BerichtIdentificatie"`
}

type header305 struct {
	BerichtCode          []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema BerichtCode"`
	BerichtVersie        []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema BerichtVersie"`
	BerichtSubversie     []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema BerichtSubversie"`
	Afzender             []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Afzender"`
	Ontvanger            []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Ontvanger"`
	BerichtIdentificatie []berichtIdentificatie `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema BerichtIdentificatie"`
}

type header307 struct {
	BerichtCode          []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema BerichtCode"`
	BerichtVersie        []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema BerichtVersie"`
	BerichtSubversie     []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema BerichtSubversie"`
	Afzender             []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Afzender"`
	Ontvanger            []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Ontvanger"`
	BerichtIdentificatie []berichtIdentificatie `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema BerichtIdentificatie"`
}

type header315 struct {
	BerichtCode          []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema BerichtCode"`
	BerichtVersie        []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema BerichtVersie"`
	BerichtSubversie     []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema BerichtSubversie"`
	Afzender             []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Afzender"`
	Ontvanger            []text                 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Ontvanger"`
	BerichtIdentificatie []berichtIdentificatie `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema BerichtIdentificatie"`
}

type bericht301 struct {
	Header []header301 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Header"`
	Client []client301 `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Client"`
}

type client301 struct {
	Bsn                 []text                `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Bsn"`
	Geboortedatum       []geboortedatum       `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Geboortedatum"`
	ToegewezenProducten []toegewezenProducten `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema ToegewezenProducten"`
}

type toegewezenProducten struct {
	ToegewezenProduct []toegewezenProduct `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema ToegewezenProduct"`
}

type toegewezenProduct struct {
	ToewijzingNummer []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema ToewijzingNummer"`
	Product          []product `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Product"`
	Toewijzingsdatum []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Toewijzingsdatum"`
	Ingangsdatum     []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Ingangsdatum"`
	Einddatum        []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema Einddatum"`
	RedenWijziging   []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw301/schema RedenWijziging"`
}

type bericht305 struct {
	Header []header305 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Header"`
	Client []client305 `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Client"`
}

type client305 struct {
	Bsn            []text           `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Bsn"`
	Geboortedatum  []geboortedatum  `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Geboortedatum"`
	StartProducten []startProducten `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema StartProducten"`
}

type startProducten struct {
	StartProduct []startProduct `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema StartProduct"`
}

type startProduct struct {
	ToewijzingNummer       []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema ToewijzingNummer"`
	Product                []product `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Product"`
	ToewijzingIngangsdatum []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema ToewijzingIngangsdatum"`
	Begindatum             []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw305/schema Begindatum"`
}

type bericht307 struct {
	Header []header307 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Header"`
	Client []client307 `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Client"`
}

type client307 struct {
	Bsn           []text          `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Bsn"`
	Geboortedatum []geboortedatum `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Geboortedatum"`
	StopProducten []stopProducten `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema StopProducten"`
}

type stopProducten struct {
	StopProduct []stopProduct `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema StopProduct"`
}

type stopProduct struct {
	ToewijzingNummer       []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema ToewijzingNummer"`
	Product                []product `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Product"`
	ToewijzingIngangsdatum []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema ToewijzingIngangsdatum"`
	Begindatum             []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Begindatum"`
	RedenBeeindiging       []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema RedenBeeindiging"`
	Einddatum              []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw307/schema Einddatum"`
}

type bericht315 struct {
	Header []header315 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Header"`
	Client []client315 `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Client"`
}

type client315 struct {
	Bsn                   []text                  `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Bsn"`
	Geboortedatum         []geboortedatum         `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Geboortedatum"`
	AangevraagdeProducten []aangevraagdeProducten `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema AangevraagdeProducten"`
}

type aangevraagdeProducten struct {
	AangevraagdProduct []aangevraagdProduct `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema AangevraagdProduct"`
}

type aangevraagdProduct struct {
	BeschikkingNummer       []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema BeschikkingNummer"`
	Product                 []product `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema Product"`
	BeschikkingIngangsdatum []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema BeschikkingIngangsdatum"`
	ToewijzingIngangsdatum  []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema ToewijzingIngangsdatum"`
	ToewijzingEinddatum     []text    `xml:"http://www.istandaarden.nl/ijw/3_2/jw315/schema ToewijzingEinddatum"`
}

// checker collects the first validation failure, so the validate methods
// read as a list of rules instead of a ladder of ifs.
type checker struct {
	reason string
}

func (c *checker) fail(reason string) {
	if c.reason == "" {
		c.reason = reason
	}
}

func (c *checker) ok() bool { return c.reason == "" }

// one returns the single occurrence of a [1..1] element.
func one[T any](c *checker, path string, v []T) (T, bool) {
	var zero T
	switch {
	case !c.ok():
		return zero, false
	case len(v) == 0:
		c.fail("missing mandatory element " + path)
		return zero, false
	case len(v) > 1:
		c.fail("element " + path + " occurs more than once")
		return zero, false
	}
	return v[0], true
}

// opt returns the occurrence of a [0..1] element, if any.
func opt[T any](c *checker, path string, v []T) (T, bool) {
	var zero T
	switch {
	case !c.ok() || len(v) == 0:
		return zero, false
	case len(v) > 1:
		c.fail("element " + path + " occurs more than once")
		return zero, false
	}
	return v[0], true
}

// header checks the header fields common to all messages and returns the
// 4-digit gemeente code. gemeenteIsAfzender is true for JW301 (sent by the
// gemeente) and false for the others (sent to it).
func (c *checker) header(hs []header, typ, code string, gemeenteIsAfzender bool) string {
	h, ok := one(c, "Header", hs)
	if !ok {
		return ""
	}
	bc, _ := one(c, "Header/BerichtCode", h.BerichtCode)
	versie, _ := one(c, "Header/BerichtVersie", h.BerichtVersie)
	sub, _ := one(c, "Header/BerichtSubversie", h.BerichtSubversie)
	afz, _ := one(c, "Header/Afzender", h.Afzender)
	ontv, _ := one(c, "Header/Ontvanger", h.Ontvanger)
	id, _ := one(c, "Header/BerichtIdentificatie", h.BerichtIdentificatie)
	ident, _ := one(c, "Header/BerichtIdentificatie/Identificatie", id.Identificatie)
	dag, _ := one(c, "Header/BerichtIdentificatie/Dagtekening", id.Dagtekening)
	if !c.ok() {
		return ""
	}

	if string(bc) != code {
		if _, known := berichtCodes[string(bc)]; known {
			c.fail(fmt.Sprintf("BerichtCode %s does not match %s", bc, typ))
		} else {
			c.fail("BerichtCode does not match " + typ)
		}
		return ""
	}
	v, s := trimSpace(string(versie)), trimSpace(string(sub))
	if v != "3" || s != "2" {
		if len(v) >= 1 && len(v) <= 2 && isDigits(v) && len(s) >= 1 && len(s) <= 2 && isDigits(s) {
			c.fail(fmt.Sprintf("BerichtVersie/BerichtSubversie %s.%s, want 3.2", v, s))
		} else {
			c.fail("BerichtVersie/BerichtSubversie is not 3.2")
		}
		return ""
	}
	gemeente, agb := string(ontv), string(afz)
	if gemeenteIsAfzender {
		gemeente, agb = agb, gemeente
	}
	if len(gemeente) != 4 || !isDigits(gemeente) {
		c.fail("gemeente code is not 4 digits")
	}
	if len(agb) != 8 || !isDigits(agb) {
		c.fail("AGB code is not 8 digits")
	}
	if !validIdentificatie(string(ident)) {
		c.fail("Identificatie is not 1 to 12 characters")
	}
	c.date("Dagtekening", dag)
	return gemeente
}

// client checks the client fields common to all messages and returns the BSN.
func (c *checker) client(bsns []text, gds []geboortedatum) string {
	bsn, _ := one(c, "Client/Bsn", bsns)
	gd, _ := one(c, "Client/Geboortedatum", gds)
	datum, _ := one(c, "Client/Geboortedatum/Datum", gd.Datum)
	if !c.ok() {
		return ""
	}
	switch s := string(bsn); {
	case len(s) != 9 || !isDigits(s):
		c.fail("Bsn is not 9 digits")
	case !pseudonymize.ValidBSN(s):
		c.fail("Bsn fails the elfproef")
	}
	c.date("Geboortedatum", datum)
	return string(bsn)
}

// date checks an LDT_Datum and returns it as YYYY-MM-DD.
func (c *checker) date(what string, t text) string {
	if !c.ok() {
		return ""
	}
	d, ok := parseDate(string(t))
	if !ok {
		c.fail(what + " is not a date")
		return ""
	}
	return d
}

// optDate checks an optional LDT_Datum.
func (c *checker) optDate(what, path string, ts []text) (string, bool) {
	t, ok := opt(c, path, ts)
	if !ok {
		return "", false
	}
	d := c.date(what, t)
	return d, d != ""
}

// nummer checks an LDT_Nummer (xs:integer 0..999999999).
func (c *checker) nummer(what string, t text) int64 {
	if !c.ok() {
		return 0
	}
	s := trimSpace(string(t))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 999999999 {
		c.fail(what + " is not a valid number")
		return 0
	}
	return n
}

// categorie checks an optional Product and returns its JZ020 code or "".
func (c *checker) categorie(path string, ps []product) string {
	p, ok := opt(c, path, ps)
	if !ok {
		return ""
	}
	cat, ok := one(c, path+"/Categorie", p.Categorie)
	if !ok {
		return ""
	}
	if !jz020[string(cat)] {
		c.fail("productcategorie not in code list JZ020")
		return ""
	}
	return string(cat)
}

func (b *bericht301) validate() (*Message, string) {
	c := &checker{}
	hs := make([]header, len(b.Header))
	for i, h := range b.Header {
		hs[i] = header(h)
	}
	gemeente := c.header(hs, TypeJW301, "436", true)
	cl, _ := one(c, "Client", b.Client)
	bsn := c.client(cl.Bsn, cl.Geboortedatum)
	tps, _ := one(c, "Client/ToegewezenProducten", cl.ToegewezenProducten)
	if c.ok() && len(tps.ToegewezenProduct) == 0 {
		c.fail("no ToegewezenProduct")
	}
	if !c.ok() {
		return nil, c.reason
	}

	m := &Message{Type: TypeJW301, Gemeente: "GM" + gemeente}
	for _, tp := range tps.ToegewezenProduct {
		const p = "ToegewezenProduct/"
		nrText, _ := one(c, p+"ToewijzingNummer", tp.ToewijzingNummer)
		nr := c.nummer("ToewijzingNummer", nrText)
		cat := c.categorie(p+"Product", tp.Product)
		td, _ := one(c, p+"Toewijzingsdatum", tp.Toewijzingsdatum)
		c.date("Toewijzingsdatum", td)
		it, _ := one(c, p+"Ingangsdatum", tp.Ingangsdatum)
		ingang := c.date("Ingangsdatum", it)
		// Einddatum is not returned, but a broken or inverted one says the
		// message cannot be trusted.
		if eind, ok := c.optDate("Einddatum", p+"Einddatum", tp.Einddatum); ok && eind < ingang {
			c.fail("Einddatum before Ingangsdatum")
		}
		reden, hasReden := opt(c, p+"RedenWijziging", tp.RedenWijziging)
		if hasReden && !jz002[string(reden)] {
			c.fail("RedenWijziging not in code list JZ002")
		}
		if !c.ok() {
			return nil, c.reason
		}
		if hasReden && string(reden) == redenVerwijderd {
			m.Skipped = append(m.Skipped, Skip{ToewijzingNummer: nr, Reason: reasonVerwijderd})
			continue
		}
		m.Beschikkingen = append(m.Beschikkingen, Beschikking{
			BSN:              bsn,
			Gemeente:         m.Gemeente,
			Ingangsdatum:     ingang,
			Productcategorie: cat,
			ToewijzingNummer: nr,
		})
	}
	return m, ""
}

func (b *bericht305) validate() (*Message, string) {
	c := &checker{}
	hs := make([]header, len(b.Header))
	for i, h := range b.Header {
		hs[i] = header(h)
	}
	gemeente := c.header(hs, TypeJW305, "438", false)
	cl, _ := one(c, "Client", b.Client)
	c.client(cl.Bsn, cl.Geboortedatum)
	sps, _ := one(c, "Client/StartProducten", cl.StartProducten)
	if c.ok() && len(sps.StartProduct) == 0 {
		c.fail("no StartProduct")
	}
	for _, sp := range sps.StartProduct {
		const p = "StartProduct/"
		if nr, ok := opt(c, p+"ToewijzingNummer", sp.ToewijzingNummer); ok {
			c.nummer("ToewijzingNummer", nr)
		}
		c.categorie(p+"Product", sp.Product)
		c.optDate("ToewijzingIngangsdatum", p+"ToewijzingIngangsdatum", sp.ToewijzingIngangsdatum)
		bd, _ := one(c, p+"Begindatum", sp.Begindatum)
		c.date("Begindatum", bd)
	}
	if !c.ok() {
		return nil, c.reason
	}
	return &Message{Type: TypeJW305, Gemeente: "GM" + gemeente}, ""
}

func (b *bericht307) validate() (*Message, string) {
	c := &checker{}
	hs := make([]header, len(b.Header))
	for i, h := range b.Header {
		hs[i] = header(h)
	}
	gemeente := c.header(hs, TypeJW307, "440", false)
	cl, _ := one(c, "Client", b.Client)
	c.client(cl.Bsn, cl.Geboortedatum)
	sps, _ := one(c, "Client/StopProducten", cl.StopProducten)
	if c.ok() && len(sps.StopProduct) == 0 {
		c.fail("no StopProduct")
	}
	for _, sp := range sps.StopProduct {
		const p = "StopProduct/"
		if nr, ok := opt(c, p+"ToewijzingNummer", sp.ToewijzingNummer); ok {
			c.nummer("ToewijzingNummer", nr)
		}
		c.categorie(p+"Product", sp.Product)
		c.optDate("ToewijzingIngangsdatum", p+"ToewijzingIngangsdatum", sp.ToewijzingIngangsdatum)
		bd, _ := one(c, p+"Begindatum", sp.Begindatum)
		c.date("Begindatum", bd)
		rb, _ := one(c, p+"RedenBeeindiging", sp.RedenBeeindiging)
		if c.ok() && !jz588[string(rb)] {
			c.fail("RedenBeeindiging not in code list JZ588")
		}
		ed, _ := one(c, p+"Einddatum", sp.Einddatum)
		c.date("Einddatum", ed)
	}
	if !c.ok() {
		return nil, c.reason
	}
	return &Message{Type: TypeJW307, Gemeente: "GM" + gemeente}, ""
}

func (b *bericht315) validate() (*Message, string) {
	c := &checker{}
	hs := make([]header, len(b.Header))
	for i, h := range b.Header {
		hs[i] = header(h)
	}
	gemeente := c.header(hs, TypeJW315, "446", false)
	cl, _ := one(c, "Client", b.Client)
	c.client(cl.Bsn, cl.Geboortedatum)
	aps, _ := one(c, "Client/AangevraagdeProducten", cl.AangevraagdeProducten)
	if c.ok() && len(aps.AangevraagdProduct) == 0 {
		c.fail("no AangevraagdProduct")
	}
	for _, ap := range aps.AangevraagdProduct {
		const p = "AangevraagdProduct/"
		if nr, ok := opt(c, p+"BeschikkingNummer", ap.BeschikkingNummer); ok {
			c.nummer("BeschikkingNummer", nr)
		}
		c.categorie(p+"Product", ap.Product)
		c.optDate("BeschikkingIngangsdatum", p+"BeschikkingIngangsdatum", ap.BeschikkingIngangsdatum)
		ti, _ := one(c, p+"ToewijzingIngangsdatum", ap.ToewijzingIngangsdatum)
		c.date("ToewijzingIngangsdatum", ti)
		c.optDate("ToewijzingEinddatum", p+"ToewijzingEinddatum", ap.ToewijzingEinddatum)
	}
	if !c.ok() {
		return nil, c.reason
	}
	return &Message{Type: TypeJW315, Gemeente: "GM" + gemeente}, ""
}

// parseDate checks an LDT_Datum: an xs:date (so a real calendar date, with
// whitespace collapsed) restricted to no timezone. Only the plain
// YYYY-MM-DD form is accepted; the xs:date extensions (years beyond 9999,
// negative years) do not occur in iJw and would not fit a toegang row.
func parseDate(s string) (string, bool) {
	s = trimSpace(s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' ||
		!isDigits(s[:4]) || !isDigits(s[5:7]) || !isDigits(s[8:]) || s[:4] == "0000" {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", false // e.g. 2027-06-31
	}
	return s, true
}

// validIdentificatie checks LDT_IdentificatieBericht: 1 to 12 characters on
// one line, not only whitespace.
func validIdentificatie(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 12 && !strings.ContainsAny(s, "\r\n") &&
		strings.TrimSpace(s) != ""
}

// trimSpace strips XML whitespace, as the whitespace facet "collapse" of
// xs:integer and xs:date does. String-based types (BSN, gemeente, codes) keep
// their whitespace, as in the XSD, so " 0014" is refused.
func trimSpace(s string) string {
	return strings.Trim(s, " \t\r\n")
}

func isXMLSpace(s string) bool { return trimSpace(s) == "" }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
