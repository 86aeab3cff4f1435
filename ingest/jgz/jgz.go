// Package jgz holds the delivery contract of JGZ (youth health care): one
// row per contact, keyed by (pseudonym, contactdatum, signaal).
package jgz

import "github.com/zothuis/zothuis/ingest/contract"

// Signals are the JGZ signal codes; every code but "geen" is a signal.
var signals = []string{"geen", "sdq_verhoogd", "zorg_thuissituatie", "melding_veilig_thuis", "verwijzing_toegang"}

// Contract returns the JGZ delivery contract.
func Contract() *contract.Contract {
	return &contract.Contract{
		Source: "jgz",
		Columns: []contract.Column{
			{Name: "pseudonym", Kind: contract.Pseudonym, Required: true, Key: true},
			{Name: "geboortemaand", Kind: contract.Month},
			{Name: "geslacht", Kind: contract.Code, Codes: []string{"M", "V", "X"}},
			{Name: "gemeente", Kind: contract.Gemeente},
			{Name: "contactdatum", Kind: contract.Date, Required: true, Key: true},
			{Name: "signaal", Kind: contract.Code, Required: true, Key: true, Codes: signals},
		},
	}
}
