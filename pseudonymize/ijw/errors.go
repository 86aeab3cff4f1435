package ijw

import "errors"

// ErrMessage matches every *MessageError, so callers can count refused
// messages with errors.Is without caring about the reason.
var ErrMessage = errors.New("ijw: message refused")

// ErrNotXML matches every *NotXMLError.
var ErrNotXML = errors.New("ijw: not XML")

// MessageError reports a message refused whole. Reason is a short fixed
// English phrase; it never contains a value from the message, so it can be
// logged and counted.
type MessageError struct {
	Name   string // the file or zip member name, e.g. "export.zip/2024/msg1.xml"
	Reason string
}

func (e *MessageError) Error() string { return e.Name + ": " + e.Reason }

// Is makes errors.Is(err, ErrMessage) true for any *MessageError.
func (e *MessageError) Is(target error) bool { return target == ErrMessage }

// NotXMLError reports an input that is not XML at all: after an optional
// UTF-8 byte order mark and whitespace its first byte is not '<'. Walk returns
// it when the export itself is such a file, since then nothing in it can be
// read.
type NotXMLError struct {
	Name string
}

func (e *NotXMLError) Error() string { return e.Name + ": not an XML file" }

// Is makes errors.Is(err, ErrNotXML) true for any *NotXMLError.
func (e *NotXMLError) Is(target error) bool { return target == ErrNotXML }
