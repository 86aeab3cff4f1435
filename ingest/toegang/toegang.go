// Package toegang holds the delivery contract of the municipal access
// teams: one row per event in the access route, keyed by (pseudonym, datum,
// gebeurtenis).
package toegang

import (
	"github.com/zothuis/zothuis/ingest/contract"
)

// Productcategorieën are the iJw JZ020 codes a beschikking may carry.
var productcategorieen = []string{
	"31", "32", "33", "34", "35", "36", "37", "38",
	"43", "44", "45", "46", "47", "48", "54", "55",
}

// Contract returns the toegang delivery contract.
func Contract() *contract.Contract {
	return &contract.Contract{
		Source: "toegang",
		Columns: []contract.Column{
			{Name: "pseudonym", Kind: contract.Pseudonym, Required: true, Key: true},
			{Name: "gemeente", Kind: contract.Gemeente},
			{Name: "datum", Kind: contract.Date, Required: true, Key: true},
			{Name: "gebeurtenis", Kind: contract.Code, Required: true, Key: true, Codes: []string{
				"aanmelding", "verklarende_analyse", "ambulant_ingezet", "ambulant_overwogen",
				"servicepunt_consult", "spoedberaad", "zorgoverleg", "beschikking"}},
			{Name: "jongere_aanwezig", Kind: contract.Code, Codes: []string{"ja", "nee"}},
			{Name: "gedeeld", Kind: contract.Code, Codes: []string{"ja", "nee"}},
			{Name: "productcategorie", Kind: contract.Code, Codes: productcategorieen},
		},
		Rules: []contract.Rule{categoryOnlyOnBeschikking},
	}
}

// categoryOnlyOnBeschikking enforces "productcategorie: a code for a
// beschikking, else empty": a category on another event is a mix-up of
// columns in the export, and would count toward ambulant_before wrongly.
func categoryOnlyOnBeschikking(r contract.Row) (string, string) {
	if r.Get("productcategorie") != nil && r.Get("gebeurtenis") != "beschikking" {
		return "productcategorie", "productcategorie on an event other than beschikking"
	}
	return "", ""
}
