package dashboards

// gemeenteNames are the CBS names of the municipalities of the northern
// youth-care regions (Groningen, Drenthe, and Friesland, which wants to
// join), so the steering groups read names, not codes. A code not listed
// here is shown as the code.
var gemeenteNames = map[string]string{
	// Groningen
	"GM0014": "Groningen", "GM1966": "Het Hogeland", "GM1969": "Westerkwartier",
	"GM1952": "Midden-Groningen", "GM1979": "Eemsdelta", "GM1895": "Oldambt",
	"GM0765": "Pekela", "GM0037": "Stadskanaal", "GM0047": "Veendam",
	"GM1950": "Westerwolde",
	// Drenthe
	"GM1680": "Aa en Hunze", "GM0106": "Assen", "GM1681": "Borger-Odoorn",
	"GM0109": "Coevorden", "GM1690": "De Wolden", "GM0114": "Emmen",
	"GM0118": "Hoogeveen", "GM0119": "Meppel", "GM1731": "Midden-Drenthe",
	"GM1699": "Noordenveld", "GM1730": "Tynaarlo", "GM1701": "Westerveld",
	// Friesland
	"GM0080": "Leeuwarden", "GM0059": "Achtkarspelen", "GM0060": "Ameland",
	"GM0072": "Harlingen", "GM0074": "Heerenveen", "GM0085": "Ooststellingwerf",
	"GM0086": "Opsterland", "GM0088": "Schiermonnikoog", "GM0090": "Smallingerland",
	"GM0093": "Terschelling", "GM0096": "Vlieland", "GM0098": "Weststellingwerf",
	"GM1900": "Súdwest-Fryslân", "GM1891": "Dantumadiel", "GM1940": "De Fryske Marren",
	"GM1949": "Waadhoeke", "GM1970": "Noardeast-Fryslân", "GM0737": "Tytsjerksteradiel",
}
