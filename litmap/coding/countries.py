"""ISO 3166-1 countries and areas with English names and UN M49 regions.

Provenance: the codes and the region / sub-region / intermediate-region grouping follow the UN
Statistics Division's "Standard country or area codes for statistical use (M49)", as republished in
the `datasets/country-codes` data package (`tmp/UNSD-en.csv`, Open Data Commons Public Domain
Dedication and Licence). ISO 3166-1 alpha-2/alpha-3 codes are facts of the standard. The display
names are the common short English names (e.g. "United Kingdom" rather than the M49 "United Kingdom
of Great Britain and Northern Ireland"); the M49/ISO long forms and usual alternatives are kept as
aliases so that typing any of them finds the country. Antarctica has no M49 region.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# "@ Region / Sub-region / Intermediate region" headers, then "A2 A3 M49 Name [= alias; alias]".
_TABLE = """
@ Africa / Northern Africa /
DZ DZA 012 Algeria
EG EGY 818 Egypt
LY LBY 434 Libya
MA MAR 504 Morocco
SD SDN 729 Sudan
TN TUN 788 Tunisia
EH ESH 732 Western Sahara
@ Africa / Sub-Saharan Africa / Eastern Africa
IO IOT 086 British Indian Ocean Territory
BI BDI 108 Burundi
KM COM 174 Comoros
DJ DJI 262 Djibouti
ER ERI 232 Eritrea
ET ETH 231 Ethiopia
TF ATF 260 French Southern Territories
KE KEN 404 Kenya
MG MDG 450 Madagascar
MW MWI 454 Malawi
MU MUS 480 Mauritius
YT MYT 175 Mayotte
MZ MOZ 508 Mozambique
RE REU 638 Réunion = Reunion
RW RWA 646 Rwanda
SC SYC 690 Seychelles
SO SOM 706 Somalia
SS SSD 728 South Sudan
UG UGA 800 Uganda
TZ TZA 834 Tanzania = United Republic of Tanzania
ZM ZMB 894 Zambia
ZW ZWE 716 Zimbabwe
@ Africa / Sub-Saharan Africa / Middle Africa
AO AGO 024 Angola
CM CMR 120 Cameroon
CF CAF 140 Central African Republic
TD TCD 148 Chad
CG COG 178 Congo = Republic of the Congo; Congo-Brazzaville
CD COD 180 DR Congo = Democratic Republic of the Congo; Congo-Kinshasa
GQ GNQ 226 Equatorial Guinea
GA GAB 266 Gabon
ST STP 678 Sao Tome and Principe = São Tomé and Príncipe
@ Africa / Sub-Saharan Africa / Southern Africa
BW BWA 072 Botswana
SZ SWZ 748 Eswatini = Swaziland
LS LSO 426 Lesotho
NA NAM 516 Namibia
ZA ZAF 710 South Africa
@ Africa / Sub-Saharan Africa / Western Africa
BJ BEN 204 Benin
BF BFA 854 Burkina Faso
CV CPV 132 Cabo Verde = Cape Verde
CI CIV 384 Côte d'Ivoire = Cote d'Ivoire; Ivory Coast
GM GMB 270 Gambia
GH GHA 288 Ghana
GN GIN 324 Guinea
GW GNB 624 Guinea-Bissau
LR LBR 430 Liberia
ML MLI 466 Mali
MR MRT 478 Mauritania
NE NER 562 Niger
NG NGA 566 Nigeria
SH SHN 654 Saint Helena = Saint Helena, Ascension and Tristan da Cunha
SN SEN 686 Senegal
SL SLE 694 Sierra Leone
TG TGO 768 Togo
@ Americas / Latin America and the Caribbean / Caribbean
AI AIA 660 Anguilla
AG ATG 028 Antigua and Barbuda
AW ABW 533 Aruba
BS BHS 044 Bahamas
BB BRB 052 Barbados
BQ BES 535 Bonaire, Sint Eustatius and Saba
VG VGB 092 British Virgin Islands = Virgin Islands, British
KY CYM 136 Cayman Islands
CU CUB 192 Cuba
CW CUW 531 Curaçao = Curacao
DM DMA 212 Dominica
DO DOM 214 Dominican Republic
GD GRD 308 Grenada
GP GLP 312 Guadeloupe
HT HTI 332 Haiti
JM JAM 388 Jamaica
MQ MTQ 474 Martinique
MS MSR 500 Montserrat
PR PRI 630 Puerto Rico
BL BLM 652 Saint Barthélemy = Saint Barthelemy
KN KNA 659 Saint Kitts and Nevis
LC LCA 662 Saint Lucia
MF MAF 663 Saint Martin (French part)
VC VCT 670 Saint Vincent and the Grenadines
SX SXM 534 Sint Maarten (Dutch part)
TT TTO 780 Trinidad and Tobago
TC TCA 796 Turks and Caicos Islands
VI VIR 850 US Virgin Islands = United States Virgin Islands; Virgin Islands, U.S.
@ Americas / Latin America and the Caribbean / Central America
BZ BLZ 084 Belize
CR CRI 188 Costa Rica
SV SLV 222 El Salvador
GT GTM 320 Guatemala
HN HND 340 Honduras
MX MEX 484 Mexico
NI NIC 558 Nicaragua
PA PAN 591 Panama
@ Americas / Latin America and the Caribbean / South America
AR ARG 032 Argentina
BO BOL 068 Bolivia = Bolivia (Plurinational State of)
BV BVT 074 Bouvet Island
BR BRA 076 Brazil
CL CHL 152 Chile
CO COL 170 Colombia
EC ECU 218 Ecuador
FK FLK 238 Falkland Islands = Falkland Islands (Malvinas)
GF GUF 254 French Guiana
GY GUY 328 Guyana
PY PRY 600 Paraguay
PE PER 604 Peru
GS SGS 239 South Georgia and the South Sandwich Islands
SR SUR 740 Suriname
UY URY 858 Uruguay
VE VEN 862 Venezuela = Venezuela (Bolivarian Republic of)
@ Americas / Northern America /
BM BMU 060 Bermuda
CA CAN 124 Canada
GL GRL 304 Greenland
PM SPM 666 Saint Pierre and Miquelon
US USA 840 United States = United States of America; USA
@ / /
AQ ATA 010 Antarctica
@ Asia / Central Asia /
KZ KAZ 398 Kazakhstan
KG KGZ 417 Kyrgyzstan
TJ TJK 762 Tajikistan
TM TKM 795 Turkmenistan
UZ UZB 860 Uzbekistan
@ Asia / Eastern Asia /
CN CHN 156 China
HK HKG 344 Hong Kong = China, Hong Kong Special Administrative Region
MO MAC 446 Macao = China, Macao Special Administrative Region; Macau
KP PRK 408 North Korea = Democratic People's Republic of Korea; Korea, Democratic People's Republic of
JP JPN 392 Japan
MN MNG 496 Mongolia
KR KOR 410 South Korea = Republic of Korea; Korea, Republic of
TW TWN 158 Taiwan = Taiwan, Province of China
@ Asia / South-eastern Asia /
BN BRN 096 Brunei = Brunei Darussalam
KH KHM 116 Cambodia
ID IDN 360 Indonesia
LA LAO 418 Laos = Lao People's Democratic Republic
MY MYS 458 Malaysia
MM MMR 104 Myanmar = Burma
PH PHL 608 Philippines
SG SGP 702 Singapore
TH THA 764 Thailand
TL TLS 626 Timor-Leste = East Timor
VN VNM 704 Viet Nam = Vietnam
@ Asia / Southern Asia /
AF AFG 004 Afghanistan
BD BGD 050 Bangladesh
BT BTN 064 Bhutan
IN IND 356 India
IR IRN 364 Iran = Iran (Islamic Republic of)
MV MDV 462 Maldives
NP NPL 524 Nepal
PK PAK 586 Pakistan
LK LKA 144 Sri Lanka
@ Asia / Western Asia /
AM ARM 051 Armenia
AZ AZE 031 Azerbaijan
BH BHR 048 Bahrain
CY CYP 196 Cyprus
GE GEO 268 Georgia
IQ IRQ 368 Iraq
IL ISR 376 Israel
JO JOR 400 Jordan
KW KWT 414 Kuwait
LB LBN 422 Lebanon
OM OMN 512 Oman
QA QAT 634 Qatar
SA SAU 682 Saudi Arabia
PS PSE 275 Palestine = State of Palestine
SY SYR 760 Syria = Syrian Arab Republic
TR TUR 792 Türkiye = Turkey; Turkiye
AE ARE 784 United Arab Emirates = UAE
YE YEM 887 Yemen
@ Europe / Eastern Europe /
BY BLR 112 Belarus
BG BGR 100 Bulgaria
CZ CZE 203 Czechia = Czech Republic
HU HUN 348 Hungary
PL POL 616 Poland
MD MDA 498 Moldova = Republic of Moldova
RO ROU 642 Romania
RU RUS 643 Russia = Russian Federation
SK SVK 703 Slovakia
UA UKR 804 Ukraine
@ Europe / Northern Europe /
AX ALA 248 Åland Islands = Aland Islands
DK DNK 208 Denmark
EE EST 233 Estonia
FO FRO 234 Faroe Islands
FI FIN 246 Finland
GG GGY 831 Guernsey
IS ISL 352 Iceland
IE IRL 372 Ireland
IM IMN 833 Isle of Man
JE JEY 832 Jersey
LV LVA 428 Latvia
LT LTU 440 Lithuania
NO NOR 578 Norway
SJ SJM 744 Svalbard and Jan Mayen
SE SWE 752 Sweden
GB GBR 826 United Kingdom = United Kingdom of Great Britain and Northern Ireland; UK; Great Britain; England; Scotland; Wales; Northern Ireland
@ Europe / Southern Europe /
AL ALB 008 Albania
AD AND 020 Andorra
BA BIH 070 Bosnia and Herzegovina
HR HRV 191 Croatia
GI GIB 292 Gibraltar
GR GRC 300 Greece
VA VAT 336 Holy See = Vatican City
IT ITA 380 Italy
MT MLT 470 Malta
ME MNE 499 Montenegro
MK MKD 807 North Macedonia = Macedonia
PT PRT 620 Portugal
SM SMR 674 San Marino
RS SRB 688 Serbia
SI SVN 705 Slovenia
ES ESP 724 Spain
@ Europe / Western Europe /
AT AUT 040 Austria
BE BEL 056 Belgium
FR FRA 250 France
DE DEU 276 Germany
LI LIE 438 Liechtenstein
LU LUX 442 Luxembourg
MC MCO 492 Monaco
NL NLD 528 Netherlands = Holland
CH CHE 756 Switzerland
@ Oceania / Australia and New Zealand /
AU AUS 036 Australia
CX CXR 162 Christmas Island
CC CCK 166 Cocos (Keeling) Islands
HM HMD 334 Heard Island and McDonald Islands
NZ NZL 554 New Zealand
NF NFK 574 Norfolk Island
@ Oceania / Melanesia /
FJ FJI 242 Fiji
NC NCL 540 New Caledonia
PG PNG 598 Papua New Guinea
SB SLB 090 Solomon Islands
VU VUT 548 Vanuatu
@ Oceania / Micronesia /
GU GUM 316 Guam
KI KIR 296 Kiribati
MH MHL 584 Marshall Islands
FM FSM 583 Micronesia = Micronesia (Federated States of)
NR NRU 520 Nauru
MP MNP 580 Northern Mariana Islands
PW PLW 585 Palau
UM UMI 581 United States Minor Outlying Islands
@ Oceania / Polynesia /
AS ASM 016 American Samoa
CK COK 184 Cook Islands
PF PYF 258 French Polynesia
NU NIU 570 Niue
PN PCN 612 Pitcairn
WS WSM 882 Samoa
TK TKL 772 Tokelau
TO TON 776 Tonga
TV TUV 798 Tuvalu
WF WLF 876 Wallis and Futuna = Wallis and Futuna Islands
"""


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    alpha3: str
    m49: str
    name: str
    region: str | None  # M49 region (Africa, Americas, Asia, Europe, Oceania)
    subregion: str | None  # M49 sub-region (e.g. Sub-Saharan Africa, Western Europe)
    intermediate: str | None  # M49 intermediate region where defined (e.g. Eastern Africa)
    aliases: tuple[str, ...] = ()

    @property
    def area(self) -> str | None:
        """The finest M49 grouping: the intermediate region where there is one, else the sub-region."""
        return self.intermediate or self.subregion

    def label(self) -> str:
        return f"{self.name} ({self.alpha2})"


def _parse() -> tuple[Country, ...]:
    out: list[Country] = []
    region = subregion = intermediate = None
    for line in _TABLE.strip().splitlines():
        if line.startswith("@"):
            parts = [p.strip() or None for p in line[1:].split("/")]
            region, subregion, intermediate = (parts + [None, None, None])[:3]
            continue
        a2, a3, m49, rest = line.split(" ", 3)
        name, _, aliases = rest.partition(" = ")
        out.append(Country(a2, a3, m49, name.strip(), region, subregion, intermediate,
                           tuple(a.strip() for a in aliases.split(";") if a.strip())))
    return tuple(sorted(out, key=lambda c: c.alpha2))


COUNTRIES: tuple[Country, ...] = _parse()
BY_ALPHA2: dict[str, Country] = {c.alpha2: c for c in COUNTRIES}
BY_ALPHA3: dict[str, Country] = {c.alpha3: c for c in COUNTRIES}
REGIONS: tuple[str, ...] = ("Africa", "Americas", "Asia", "Europe", "Oceania")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


_NAMES: list[tuple[str, Country]] = sorted(
    {(fold(n), c) for c in COUNTRIES for n in (c.name, *c.aliases)}, key=lambda p: (p[0], p[1].alpha2)
)


def lookup(value: str) -> Country | None:
    """The country a code (alpha-2, alpha-3, M49) or full name/alias denotes exactly; None otherwise."""
    v = value.strip()
    if not v:
        return None
    up = v.upper()
    if len(up) == 2 and up in BY_ALPHA2:
        return BY_ALPHA2[up]
    if len(up) == 3 and up in BY_ALPHA3:
        return BY_ALPHA3[up]
    if v.isdigit():
        return next((c for c in COUNTRIES if c.m49 == v.zfill(3)), None)
    f = fold(v)
    return next((c for n, c in _NAMES if n == f), None)


def complete(prefix: str) -> list[Country]:
    """Countries matching a typed prefix: exact code or name first, then names/aliases starting with
    it, then names containing a word starting with it. Each country once, best first."""
    exact = lookup(prefix)
    f = fold(prefix)
    if not f:
        return []
    seen: dict[str, Country] = {}
    if exact:
        seen[exact.alpha2] = exact
    for n, c in _NAMES:
        if n.startswith(f):
            seen.setdefault(c.alpha2, c)
    for n, c in _NAMES:
        if any(w.startswith(f) for w in n.replace("(", " ").replace(",", " ").split()):
            seen.setdefault(c.alpha2, c)
    return list(seen.values())
