// Package jzplus holds the delivery contract of JeugdzorgPlus placements:
// one row per placement, keyed by (aanbieder, plaatsing_id); a later
// delivery of the same placement updates it.
package jzplus

import "github.com/zothuis/zothuis/ingest/contract"

var perspective = []string{"ja", "nee", "onbekend"}

// Contract returns the JZ+ delivery contract.
func Contract() *contract.Contract {
	return &contract.Contract{
		Source: "jzplus",
		Columns: []contract.Column{
			{Name: "plaatsing_id", Kind: contract.Text, Required: true, Key: true},
			{Name: "aanbieder", Kind: contract.Text, Required: true, Key: true},
			{Name: "pseudonym", Kind: contract.Pseudonym, Required: true},
			{Name: "gemeente", Kind: contract.Gemeente},
			{Name: "machtiging", Kind: contract.Code, Codes: []string{"spoed", "regulier", "voorwaardelijk"}},
			{Name: "machtigingsdatum", Kind: contract.Date},
			{Name: "startdatum", Kind: contract.Date},
			{Name: "einddatum", Kind: contract.Date},
			{Name: "reden_einde", Kind: contract.Code, Codes: []string{"01", "02", "03", "04", "05"}},
			{Name: "perspectief_onderwijs", Kind: contract.Code, Codes: perspective},
			{Name: "perspectief_wonen", Kind: contract.Code, Codes: perspective},
		},
		Rules: []contract.Rule{contract.EndNotBeforeStart("startdatum", "einddatum")},
	}
}
