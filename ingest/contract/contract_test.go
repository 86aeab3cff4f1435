package contract_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/toegang"
	"github.com/zothuis/zothuis/ingest/verzuim"
)

const pseud = "453347fd1671589187ffa1ff87a95b52"

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestValidateToegang(t *testing.T) {
	c := toegang.Contract()
	tests := []struct {
		name     string
		fields   []string // pseudonym,gemeente,datum,gebeurtenis,jongere_aanwezig,gedeeld,productcategorie
		want     []any
		problems []contract.Problem
	}{
		{"beschikking", []string{pseud, "GM0014", "2026-01-05", "beschikking", "", "", "31"},
			[]any{pseud, "GM0014", date("2026-01-05"), "beschikking", nil, nil, "31"}, nil},
		{"normalised case and spaces", []string{" " + "453347FD1671589187FFA1FF87A95B52", "gm0014", "5-1-2026", "Verklarende_Analyse ", "", "JA", ""},
			[]any{pseud, "GM0014", date("2026-01-05"), "verklarende_analyse", nil, "ja", nil}, nil},
		{"category on another event", []string{pseud, "GM0014", "2026-01-05", "aanmelding", "", "", "31"}, nil,
			[]contract.Problem{{Column: "productcategorie", Reason: "productcategorie on an event other than beschikking"}}},
		{"unknown category", []string{pseud, "GM0014", "2026-01-05", "beschikking", "", "", "39"}, nil,
			[]contract.Problem{{Column: "productcategorie", Reason: "unknown code (want one of 31, 32, 33, 34, 35, 36, 37, 38, 43, 44, 45, 46, 47, 48, 54, 55)"}}},
		{"missing key and bad gemeente", []string{pseud, "0014", "", "zorgoverleg", "ja", "", ""}, nil,
			[]contract.Problem{{Column: "gemeente", Reason: "not a CBS municipality code (GMnnnn)"}, {Column: "datum", Reason: "missing value"}}},
		{"BSN-shaped pseudonym", []string{"111222333", "GM0014", "2026-01-05", "aanmelding", "", "", ""}, nil,
			[]contract.Problem{{Column: "pseudonym", Reason: "not a source pseudonym (32 hexadecimal characters)"}}},
		{"date out of range", []string{pseud, "GM0014", "2201-01-05", "aanmelding", "", "", ""}, nil,
			[]contract.Problem{{Column: "datum", Reason: "date outside 1990–2100"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row, problems := c.Validate(tt.fields)
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, row.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateVerzuimEndBeforeStart(t *testing.T) {
	c := verzuim.Contract()
	_, problems := c.Validate([]string{pseud, "2012-07", "GM0014", "2026-01-05", "absoluut", "2026-01-10", "2026-01-09"})
	want := []contract.Problem{{Column: "einddatum", Reason: "einddatum before startdatum"}}
	if diff := cmp.Diff(want, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if _, problems := c.Validate([]string{pseud, "2012-07", "GM0014", "2026-01-05", "absoluut", "2026-01-10", "2026-01-10"}); problems != nil {
		t.Errorf("same-day end refused: %v", problems)
	}
}

func TestCheckHeader(t *testing.T) {
	c := verzuim.Contract()
	pos, err := c.CheckHeader([]string{"einddatum", "pseudonym", "geboortemaand", "gemeente", "meldingsdatum", "verzuimsoort", "startdatum"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 0}, pos); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
	_, err = c.CheckHeader([]string{"pseudonym", "pseudonym", "bsn", "gemeente", "meldingsdatum", "verzuimsoort", "startdatum", "einddatum"})
	want := `verzuim contract: columns not in the contract: "bsn"; missing columns: geboortemaand; duplicate columns: pseudonym (want pseudonym,geboortemaand,gemeente,meldingsdatum,verzuimsoort,startdatum,einddatum)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
