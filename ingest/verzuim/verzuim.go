// Package verzuim holds the delivery contract of school absence reports
// (leerplicht/RMC): one row per report, keyed by (pseudonym, meldingsdatum,
// verzuimsoort).
package verzuim

import "github.com/zothuis/zothuis/ingest/contract"

// Contract returns the verzuim delivery contract.
func Contract() *contract.Contract {
	return &contract.Contract{
		Source: "verzuim",
		Columns: []contract.Column{
			{Name: "pseudonym", Kind: contract.Pseudonym, Required: true, Key: true},
			{Name: "geboortemaand", Kind: contract.Month},
			{Name: "gemeente", Kind: contract.Gemeente},
			{Name: "meldingsdatum", Kind: contract.Date, Required: true, Key: true},
			{Name: "verzuimsoort", Kind: contract.Code, Required: true, Key: true,
				Codes: []string{"relatief", "langdurig_relatief", "absoluut", "luxe", "thuiszitter"}},
			{Name: "startdatum", Kind: contract.Date},
			{Name: "einddatum", Kind: contract.Date},
		},
		Rules: []contract.Rule{contract.EndNotBeforeStart("startdatum", "einddatum")},
	}
}
