package dashboards

// gemeenteName is the CBS name of a municipality of the northern
// youth-care regions (Groningen, Drenthe, and Friesland, which wants to
// join), so the steering groups read names, not codes. A code not listed
// here is shown as the code.
func gemeenteName(code string) string {
	switch code {
	// Groningen
	case "GM0014":
		return "Groningen"
	case "GM1966":
		return "Het Hogeland"
	case "GM1969":
		return "Westerkwartier"
	case "GM1952":
		return "Midden-Groningen"
	case "GM1979":
		return "Eemsdelta"
	case "GM1895":
		return "Oldambt"
	case "GM0765":
		return "Pekela"
	case "GM0037":
		return "Stadskanaal"
	case "GM0047":
		return "Veendam"
	case "GM1950":
		return "Westerwolde"
	// Drenthe
	case "GM1680":
		return "Aa en Hunze"
	case "GM0106":
		return "Assen"
	case "GM1681":
		return "Borger-Odoorn"
	case "GM0109":
		return "Coevorden"
	case "GM1690":
		return "De Wolden"
	case "GM0114":
		return "Emmen"
	case "GM0118":
		return "Hoogeveen"
	case "GM0119":
		return "Meppel"
	case "GM1731":
		return "Midden-Drenthe"
	case "GM1699":
		return "Noordenveld"
	case "GM1730":
		return "Tynaarlo"
	case "GM1701":
		return "Westerveld"
	// Friesland
	case "GM0080":
		return "Leeuwarden"
	case "GM0059":
		return "Achtkarspelen"
	case "GM0060":
		return "Ameland"
	case "GM0072":
		return "Harlingen"
	case "GM0074":
		return "Heerenveen"
	case "GM0085":
		return "Ooststellingwerf"
	case "GM0086":
		return "Opsterland"
	case "GM0088":
		return "Schiermonnikoog"
	case "GM0090":
		return "Smallingerland"
	case "GM0093":
		return "Terschelling"
	case "GM0096":
		return "Vlieland"
	case "GM0098":
		return "Weststellingwerf"
	case "GM1900":
		return "Súdwest-Fryslân"
	case "GM1891":
		return "Dantumadiel"
	case "GM1940":
		return "De Fryske Marren"
	case "GM1949":
		return "Waadhoeke"
	case "GM1970":
		return "Noardeast-Fryslân"
	case "GM0737":
		return "Tytsjerksteradiel"
	}
	return code
}
