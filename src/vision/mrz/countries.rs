//! ICAO 9303 three-letter codes (Part 3, section 5): every ISO 3166-1 alpha-3 code plus the codes
//! ICAO adds for Germany, British nationality classes, organisations and special statuses.

type Row = (&'static str, Option<&'static str>, &'static str);

/// ISO 3166-1: (alpha-3, alpha-2, English name), sorted by alpha-3.
const ISO_3166: &[Row] = &[
    ("ABW", Some("AW"), "Aruba"),
    ("AFG", Some("AF"), "Afghanistan"),
    ("AGO", Some("AO"), "Angola"),
    ("AIA", Some("AI"), "Anguilla"),
    ("ALA", Some("AX"), "Åland Islands"),
    ("ALB", Some("AL"), "Albania"),
    ("AND", Some("AD"), "Andorra"),
    ("ARE", Some("AE"), "United Arab Emirates"),
    ("ARG", Some("AR"), "Argentina"),
    ("ARM", Some("AM"), "Armenia"),
    ("ASM", Some("AS"), "American Samoa"),
    ("ATA", Some("AQ"), "Antarctica"),
    ("ATF", Some("TF"), "French Southern Territories"),
    ("ATG", Some("AG"), "Antigua and Barbuda"),
    ("AUS", Some("AU"), "Australia"),
    ("AUT", Some("AT"), "Austria"),
    ("AZE", Some("AZ"), "Azerbaijan"),
    ("BDI", Some("BI"), "Burundi"),
    ("BEL", Some("BE"), "Belgium"),
    ("BEN", Some("BJ"), "Benin"),
    ("BES", Some("BQ"), "Bonaire, Sint Eustatius and Saba"),
    ("BFA", Some("BF"), "Burkina Faso"),
    ("BGD", Some("BD"), "Bangladesh"),
    ("BGR", Some("BG"), "Bulgaria"),
    ("BHR", Some("BH"), "Bahrain"),
    ("BHS", Some("BS"), "Bahamas"),
    ("BIH", Some("BA"), "Bosnia and Herzegovina"),
    ("BLM", Some("BL"), "Saint Barthélemy"),
    ("BLR", Some("BY"), "Belarus"),
    ("BLZ", Some("BZ"), "Belize"),
    ("BMU", Some("BM"), "Bermuda"),
    ("BOL", Some("BO"), "Bolivia"),
    ("BRA", Some("BR"), "Brazil"),
    ("BRB", Some("BB"), "Barbados"),
    ("BRN", Some("BN"), "Brunei"),
    ("BTN", Some("BT"), "Bhutan"),
    ("BVT", Some("BV"), "Bouvet Island"),
    ("BWA", Some("BW"), "Botswana"),
    ("CAF", Some("CF"), "Central African Republic"),
    ("CAN", Some("CA"), "Canada"),
    ("CCK", Some("CC"), "Cocos (Keeling) Islands"),
    ("CHE", Some("CH"), "Switzerland"),
    ("CHL", Some("CL"), "Chile"),
    ("CHN", Some("CN"), "China"),
    ("CIV", Some("CI"), "Côte d'Ivoire"),
    ("CMR", Some("CM"), "Cameroon"),
    ("COD", Some("CD"), "Democratic Republic of the Congo"),
    ("COG", Some("CG"), "Congo"),
    ("COK", Some("CK"), "Cook Islands"),
    ("COL", Some("CO"), "Colombia"),
    ("COM", Some("KM"), "Comoros"),
    ("CPV", Some("CV"), "Cabo Verde"),
    ("CRI", Some("CR"), "Costa Rica"),
    ("CUB", Some("CU"), "Cuba"),
    ("CUW", Some("CW"), "Curaçao"),
    ("CXR", Some("CX"), "Christmas Island"),
    ("CYM", Some("KY"), "Cayman Islands"),
    ("CYP", Some("CY"), "Cyprus"),
    ("CZE", Some("CZ"), "Czechia"),
    ("DEU", Some("DE"), "Germany"),
    ("DJI", Some("DJ"), "Djibouti"),
    ("DMA", Some("DM"), "Dominica"),
    ("DNK", Some("DK"), "Denmark"),
    ("DOM", Some("DO"), "Dominican Republic"),
    ("DZA", Some("DZ"), "Algeria"),
    ("ECU", Some("EC"), "Ecuador"),
    ("EGY", Some("EG"), "Egypt"),
    ("ERI", Some("ER"), "Eritrea"),
    ("ESH", Some("EH"), "Western Sahara"),
    ("ESP", Some("ES"), "Spain"),
    ("EST", Some("EE"), "Estonia"),
    ("ETH", Some("ET"), "Ethiopia"),
    ("FIN", Some("FI"), "Finland"),
    ("FJI", Some("FJ"), "Fiji"),
    ("FLK", Some("FK"), "Falkland Islands"),
    ("FRA", Some("FR"), "France"),
    ("FRO", Some("FO"), "Faroe Islands"),
    ("FSM", Some("FM"), "Micronesia"),
    ("GAB", Some("GA"), "Gabon"),
    ("GBR", Some("GB"), "United Kingdom"),
    ("GEO", Some("GE"), "Georgia"),
    ("GGY", Some("GG"), "Guernsey"),
    ("GHA", Some("GH"), "Ghana"),
    ("GIB", Some("GI"), "Gibraltar"),
    ("GIN", Some("GN"), "Guinea"),
    ("GLP", Some("GP"), "Guadeloupe"),
    ("GMB", Some("GM"), "Gambia"),
    ("GNB", Some("GW"), "Guinea-Bissau"),
    ("GNQ", Some("GQ"), "Equatorial Guinea"),
    ("GRC", Some("GR"), "Greece"),
    ("GRD", Some("GD"), "Grenada"),
    ("GRL", Some("GL"), "Greenland"),
    ("GTM", Some("GT"), "Guatemala"),
    ("GUF", Some("GF"), "French Guiana"),
    ("GUM", Some("GU"), "Guam"),
    ("GUY", Some("GY"), "Guyana"),
    ("HKG", Some("HK"), "Hong Kong"),
    ("HMD", Some("HM"), "Heard Island and McDonald Islands"),
    ("HND", Some("HN"), "Honduras"),
    ("HRV", Some("HR"), "Croatia"),
    ("HTI", Some("HT"), "Haiti"),
    ("HUN", Some("HU"), "Hungary"),
    ("IDN", Some("ID"), "Indonesia"),
    ("IMN", Some("IM"), "Isle of Man"),
    ("IND", Some("IN"), "India"),
    ("IOT", Some("IO"), "British Indian Ocean Territory"),
    ("IRL", Some("IE"), "Ireland"),
    ("IRN", Some("IR"), "Iran"),
    ("IRQ", Some("IQ"), "Iraq"),
    ("ISL", Some("IS"), "Iceland"),
    ("ISR", Some("IL"), "Israel"),
    ("ITA", Some("IT"), "Italy"),
    ("JAM", Some("JM"), "Jamaica"),
    ("JEY", Some("JE"), "Jersey"),
    ("JOR", Some("JO"), "Jordan"),
    ("JPN", Some("JP"), "Japan"),
    ("KAZ", Some("KZ"), "Kazakhstan"),
    ("KEN", Some("KE"), "Kenya"),
    ("KGZ", Some("KG"), "Kyrgyzstan"),
    ("KHM", Some("KH"), "Cambodia"),
    ("KIR", Some("KI"), "Kiribati"),
    ("KNA", Some("KN"), "Saint Kitts and Nevis"),
    ("KOR", Some("KR"), "South Korea"),
    ("KWT", Some("KW"), "Kuwait"),
    ("LAO", Some("LA"), "Laos"),
    ("LBN", Some("LB"), "Lebanon"),
    ("LBR", Some("LR"), "Liberia"),
    ("LBY", Some("LY"), "Libya"),
    ("LCA", Some("LC"), "Saint Lucia"),
    ("LIE", Some("LI"), "Liechtenstein"),
    ("LKA", Some("LK"), "Sri Lanka"),
    ("LSO", Some("LS"), "Lesotho"),
    ("LTU", Some("LT"), "Lithuania"),
    ("LUX", Some("LU"), "Luxembourg"),
    ("LVA", Some("LV"), "Latvia"),
    ("MAC", Some("MO"), "Macao"),
    ("MAF", Some("MF"), "Saint Martin (French part)"),
    ("MAR", Some("MA"), "Morocco"),
    ("MCO", Some("MC"), "Monaco"),
    ("MDA", Some("MD"), "Moldova"),
    ("MDG", Some("MG"), "Madagascar"),
    ("MDV", Some("MV"), "Maldives"),
    ("MEX", Some("MX"), "Mexico"),
    ("MHL", Some("MH"), "Marshall Islands"),
    ("MKD", Some("MK"), "North Macedonia"),
    ("MLI", Some("ML"), "Mali"),
    ("MLT", Some("MT"), "Malta"),
    ("MMR", Some("MM"), "Myanmar"),
    ("MNE", Some("ME"), "Montenegro"),
    ("MNG", Some("MN"), "Mongolia"),
    ("MNP", Some("MP"), "Northern Mariana Islands"),
    ("MOZ", Some("MZ"), "Mozambique"),
    ("MRT", Some("MR"), "Mauritania"),
    ("MSR", Some("MS"), "Montserrat"),
    ("MTQ", Some("MQ"), "Martinique"),
    ("MUS", Some("MU"), "Mauritius"),
    ("MWI", Some("MW"), "Malawi"),
    ("MYS", Some("MY"), "Malaysia"),
    ("MYT", Some("YT"), "Mayotte"),
    ("NAM", Some("NA"), "Namibia"),
    ("NCL", Some("NC"), "New Caledonia"),
    ("NER", Some("NE"), "Niger"),
    ("NFK", Some("NF"), "Norfolk Island"),
    ("NGA", Some("NG"), "Nigeria"),
    ("NIC", Some("NI"), "Nicaragua"),
    ("NIU", Some("NU"), "Niue"),
    ("NLD", Some("NL"), "Netherlands"),
    ("NOR", Some("NO"), "Norway"),
    ("NPL", Some("NP"), "Nepal"),
    ("NRU", Some("NR"), "Nauru"),
    ("NZL", Some("NZ"), "New Zealand"),
    ("OMN", Some("OM"), "Oman"),
    ("PAK", Some("PK"), "Pakistan"),
    ("PAN", Some("PA"), "Panama"),
    ("PCN", Some("PN"), "Pitcairn"),
    ("PER", Some("PE"), "Peru"),
    ("PHL", Some("PH"), "Philippines"),
    ("PLW", Some("PW"), "Palau"),
    ("PNG", Some("PG"), "Papua New Guinea"),
    ("POL", Some("PL"), "Poland"),
    ("PRI", Some("PR"), "Puerto Rico"),
    ("PRK", Some("KP"), "North Korea"),
    ("PRT", Some("PT"), "Portugal"),
    ("PRY", Some("PY"), "Paraguay"),
    ("PSE", Some("PS"), "Palestine"),
    ("PYF", Some("PF"), "French Polynesia"),
    ("QAT", Some("QA"), "Qatar"),
    ("REU", Some("RE"), "Réunion"),
    ("ROU", Some("RO"), "Romania"),
    ("RUS", Some("RU"), "Russia"),
    ("RWA", Some("RW"), "Rwanda"),
    ("SAU", Some("SA"), "Saudi Arabia"),
    ("SDN", Some("SD"), "Sudan"),
    ("SEN", Some("SN"), "Senegal"),
    ("SGP", Some("SG"), "Singapore"),
    (
        "SGS",
        Some("GS"),
        "South Georgia and the South Sandwich Islands",
    ),
    (
        "SHN",
        Some("SH"),
        "Saint Helena, Ascension and Tristan da Cunha",
    ),
    ("SJM", Some("SJ"), "Svalbard and Jan Mayen"),
    ("SLB", Some("SB"), "Solomon Islands"),
    ("SLE", Some("SL"), "Sierra Leone"),
    ("SLV", Some("SV"), "El Salvador"),
    ("SMR", Some("SM"), "San Marino"),
    ("SOM", Some("SO"), "Somalia"),
    ("SPM", Some("PM"), "Saint Pierre and Miquelon"),
    ("SRB", Some("RS"), "Serbia"),
    ("SSD", Some("SS"), "South Sudan"),
    ("STP", Some("ST"), "Sao Tome and Principe"),
    ("SUR", Some("SR"), "Suriname"),
    ("SVK", Some("SK"), "Slovakia"),
    ("SVN", Some("SI"), "Slovenia"),
    ("SWE", Some("SE"), "Sweden"),
    ("SWZ", Some("SZ"), "Eswatini"),
    ("SXM", Some("SX"), "Sint Maarten (Dutch part)"),
    ("SYC", Some("SC"), "Seychelles"),
    ("SYR", Some("SY"), "Syria"),
    ("TCA", Some("TC"), "Turks and Caicos Islands"),
    ("TCD", Some("TD"), "Chad"),
    ("TGO", Some("TG"), "Togo"),
    ("THA", Some("TH"), "Thailand"),
    ("TJK", Some("TJ"), "Tajikistan"),
    ("TKL", Some("TK"), "Tokelau"),
    ("TKM", Some("TM"), "Turkmenistan"),
    ("TLS", Some("TL"), "Timor-Leste"),
    ("TON", Some("TO"), "Tonga"),
    ("TTO", Some("TT"), "Trinidad and Tobago"),
    ("TUN", Some("TN"), "Tunisia"),
    ("TUR", Some("TR"), "Türkiye"),
    ("TUV", Some("TV"), "Tuvalu"),
    ("TWN", Some("TW"), "Taiwan"),
    ("TZA", Some("TZ"), "Tanzania"),
    ("UGA", Some("UG"), "Uganda"),
    ("UKR", Some("UA"), "Ukraine"),
    ("UMI", Some("UM"), "United States Minor Outlying Islands"),
    ("URY", Some("UY"), "Uruguay"),
    ("USA", Some("US"), "United States"),
    ("UZB", Some("UZ"), "Uzbekistan"),
    ("VAT", Some("VA"), "Holy See"),
    ("VCT", Some("VC"), "Saint Vincent and the Grenadines"),
    ("VEN", Some("VE"), "Venezuela"),
    ("VGB", Some("VG"), "British Virgin Islands"),
    ("VIR", Some("VI"), "U.S. Virgin Islands"),
    ("VNM", Some("VN"), "Vietnam"),
    ("VUT", Some("VU"), "Vanuatu"),
    ("WLF", Some("WF"), "Wallis and Futuna"),
    ("WSM", Some("WS"), "Samoa"),
    ("YEM", Some("YE"), "Yemen"),
    ("ZAF", Some("ZA"), "South Africa"),
    ("ZMB", Some("ZM"), "Zambia"),
    ("ZWE", Some("ZW"), "Zimbabwe"),
];

/// Codes Doc 9303 uses beyond ISO 3166-1 (with the alpha-2 of the state where there is one),
/// sorted by code.
const ICAO_ADDITIONS: &[Row] = &[
    // Dissolved in 2010; older documents still carry it.
    ("ANT", Some("AN"), "Netherlands Antilles"),
    // ICAO: Germany uses D (with fillers, D<<) rather than DEU.
    ("D", Some("DE"), "Germany"),
    // EU laissez-passer; EU is an exceptionally reserved alpha-2.
    ("EUE", Some("EU"), "European Union"),
    ("GBD", Some("GB"), "British Overseas Territories Citizen"),
    ("GBN", Some("GB"), "British National (Overseas)"),
    ("GBO", Some("GB"), "British Overseas Citizen"),
    ("GBP", Some("GB"), "British Protected Person"),
    ("GBS", Some("GB"), "British Subject"),
    // A former code kept in Doc 9303.
    ("NTZ", Some("NT"), "Neutral Zone"),
    // Used by Kosovo and accepted by ICAO members; XK is the user-assigned alpha-2 in common use.
    ("RKS", Some("XK"), "Kosovo"),
    ("UNA", None, "United Nations specialized agency official"),
    ("UNK", None, "Kosovo (UNMIK travel document)"),
    ("UNO", None, "United Nations Organization official"),
    // The fictional state of the Doc 9303 specimens.
    ("UTO", None, "Utopia"),
    ("XBA", None, "African Development Bank"),
    ("XCC", None, "Caribbean Community (CARICOM)"),
    ("XCE", None, "Council of Europe"),
    (
        "XCO",
        None,
        "Common Market for Eastern and Southern Africa (COMESA)",
    ),
    ("XDC", None, "Southern African Development Community (SADC)"),
    (
        "XEC",
        None,
        "Economic Community of West African States (ECOWAS)",
    ),
    (
        "XES",
        None,
        "Organisation of Eastern Caribbean States (OECS)",
    ),
    ("XIM", None, "African Export-Import Bank"),
    ("XMP", None, "Parliamentary Assembly of the Mediterranean"),
    ("XOM", None, "Sovereign Military Order of Malta"),
    ("XPO", None, "INTERPOL"),
    ("XXA", None, "Stateless person"),
    ("XXB", None, "Refugee (1951 Convention)"),
    ("XXC", None, "Refugee (other)"),
    ("XXX", None, "Unspecified nationality"),
];

/// The table row of a code, given without fillers (`"D"`, `"UTO"`); a bare two-letter code (as
/// printed `SI<` on old Slovenian cards) falls back to the ISO alpha-2 code of that state.
fn lookup(code: &str) -> Option<&'static Row> {
    // Tolerate fillers the caller left on ("D<<").
    let code = code.trim_end_matches('<');
    let find = |table: &'static [Row]| {
        table
            .binary_search_by(|row| row.0.cmp(code))
            .ok()
            .map(|i| &table[i])
    };
    find(ISO_3166).or_else(|| find(ICAO_ADDITIONS)).or_else(|| {
        (code.len() == 2)
            .then(|| ISO_3166.iter().find(|row| row.1 == Some(code)))
            .flatten()
    })
}

/// The English name of an ICAO 9303 state or organisation code (`"D"` gives `"Germany"`,
/// `"XXA"` gives `"Stateless person"`); `None` for a code ICAO does not define.
pub fn country_name(code: &str) -> Option<&'static str> {
    lookup(code).map(|row| row.2)
}

/// The ISO 3166-1 alpha-2 code of an ICAO 9303 code (`"D"` gives `"DE"`, `"GBN"` gives `"GB"`);
/// `None` for organisations and statuses without one, and for unknown codes.
pub fn country_alpha2(code: &str) -> Option<&'static str> {
    lookup(code).and_then(|row| row.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_sorted_and_disjoint() {
        for table in [ISO_3166, ICAO_ADDITIONS] {
            for pair in table.windows(2) {
                assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
            }
        }
        assert_eq!(ISO_3166.len(), 249);
        assert!(ISO_3166.iter().all(|row| row.1.is_some()));
        for row in ICAO_ADDITIONS {
            assert!(
                ISO_3166.binary_search_by(|r| r.0.cmp(row.0)).is_err(),
                "{}",
                row.0
            );
        }
    }

    #[test]
    fn icao_special_codes_have_names() {
        assert_eq!(country_name("D"), Some("Germany"));
        assert_eq!(country_alpha2("D"), Some("DE"));
        assert_eq!(country_name("D<<"), Some("Germany"));
        assert_eq!(country_name("DEU"), Some("Germany"));
        assert_eq!(country_name("GBN"), Some("British National (Overseas)"));
        assert_eq!(country_alpha2("GBN"), Some("GB"));
        assert_eq!(country_name("XXA"), Some("Stateless person"));
        assert_eq!(country_alpha2("XXA"), None);
        assert_eq!(
            country_name("UNO"),
            Some("United Nations Organization official")
        );
        assert_eq!(country_name("EUE"), Some("European Union"));
        assert_eq!(country_name("RKS"), Some("Kosovo"));
        assert_eq!(country_name("XPO"), Some("INTERPOL"));
        assert_eq!(country_name("UTO"), Some("Utopia"));
    }

    #[test]
    fn iso_codes_map_to_names_and_alpha2() {
        assert_eq!(country_name("IDN"), Some("Indonesia"));
        assert_eq!(country_alpha2("IDN"), Some("ID"));
        assert_eq!(country_name("GBR"), Some("United Kingdom"));
        assert_eq!(country_name("CHE"), Some("Switzerland"));
        assert_eq!(country_alpha2("SVN"), Some("SI"));
    }

    #[test]
    fn a_two_letter_code_falls_back_to_iso_alpha2() {
        assert_eq!(country_name("SI"), Some("Slovenia"));
        assert_eq!(country_alpha2("SI<"), Some("SI"));
        // Not one of the British nationality classes that share GB.
        assert_eq!(country_name("GB"), Some("United Kingdom"));
    }

    #[test]
    fn unknown_codes_have_no_name() {
        assert_eq!(country_name("BOS"), None);
        assert_eq!(country_name("132"), None);
        assert_eq!(country_name(""), None);
        assert_eq!(country_alpha2("BDR"), None);
    }
}
