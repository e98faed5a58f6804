//! Nationality words for ICAO 9303 three-letter codes, as KYC APIs (Signzy's passport
//! autoRecognition) answer them.
//!
//! Signzy gives `nationality` as an upper-case English nationality adjective or demonym
//! ("INDIAN", "GERMAN", "AMERICAN"), not a country name, while an MRZ carries the ICAO 9303
//! code (`IND`, `D<<`, `USA`). The table covers every code that [`super::countries`]
//! knows: all ISO 3166-1 alpha-3 codes plus the codes ICAO adds (Germany's `D`, the British
//! nationality classes, organisations and special statuses).
//!
//! The words are the common English demonyms used on travel documents and in ISO-style demonym
//! lists, written in ASCII upper case ("ALAND ISLANDER", "REUNIONESE"). Uninhabited territories
//! take the word of the state that administers them ("NORWEGIAN" for Bouvet Island); the British
//! nationality classes (GBD, GBN, GBO, GBP, GBS) are all "BRITISH"; organisations and statuses
//! take a plain phrase ("UNITED NATIONS", "STATELESS", "REFUGEE", "UNSPECIFIED").

/// (ICAO 9303 code, upper-case nationality word), sorted by code.
const NATIONALITIES: &[(&str, &str)] = &[
    ("ABW", "ARUBAN"),
    ("AFG", "AFGHAN"),
    ("AGO", "ANGOLAN"),
    ("AIA", "ANGUILLAN"),
    ("ALA", "ALAND ISLANDER"),
    ("ALB", "ALBANIAN"),
    ("AND", "ANDORRAN"),
    ("ANT", "NETHERLANDS ANTILLEAN"),
    ("ARE", "EMIRATI"),
    ("ARG", "ARGENTINE"),
    ("ARM", "ARMENIAN"),
    ("ASM", "AMERICAN SAMOAN"),
    ("ATA", "ANTARCTIC"),
    ("ATF", "FRENCH"),
    ("ATG", "ANTIGUAN"),
    ("AUS", "AUSTRALIAN"),
    ("AUT", "AUSTRIAN"),
    ("AZE", "AZERBAIJANI"),
    ("BDI", "BURUNDIAN"),
    ("BEL", "BELGIAN"),
    ("BEN", "BENINESE"),
    ("BES", "DUTCH"),
    ("BFA", "BURKINABE"),
    ("BGD", "BANGLADESHI"),
    ("BGR", "BULGARIAN"),
    ("BHR", "BAHRAINI"),
    ("BHS", "BAHAMIAN"),
    ("BIH", "BOSNIAN"),
    ("BLM", "SAINT BARTHELEMY ISLANDER"),
    ("BLR", "BELARUSIAN"),
    ("BLZ", "BELIZEAN"),
    ("BMU", "BERMUDIAN"),
    ("BOL", "BOLIVIAN"),
    ("BRA", "BRAZILIAN"),
    ("BRB", "BARBADIAN"),
    ("BRN", "BRUNEIAN"),
    ("BTN", "BHUTANESE"),
    ("BVT", "NORWEGIAN"),
    ("BWA", "MOTSWANA"),
    ("CAF", "CENTRAL AFRICAN"),
    ("CAN", "CANADIAN"),
    ("CCK", "COCOS ISLANDER"),
    ("CHE", "SWISS"),
    ("CHL", "CHILEAN"),
    ("CHN", "CHINESE"),
    ("CIV", "IVORIAN"),
    ("CMR", "CAMEROONIAN"),
    ("COD", "CONGOLESE"),
    ("COG", "CONGOLESE"),
    ("COK", "COOK ISLANDER"),
    ("COL", "COLOMBIAN"),
    ("COM", "COMORAN"),
    ("CPV", "CAPE VERDEAN"),
    ("CRI", "COSTA RICAN"),
    ("CUB", "CUBAN"),
    ("CUW", "CURACAOAN"),
    ("CXR", "CHRISTMAS ISLANDER"),
    ("CYM", "CAYMANIAN"),
    ("CYP", "CYPRIOT"),
    ("CZE", "CZECH"),
    ("D", "GERMAN"),
    ("DEU", "GERMAN"),
    ("DJI", "DJIBOUTIAN"),
    ("DMA", "DOMINICAN"),
    ("DNK", "DANISH"),
    ("DOM", "DOMINICAN"),
    ("DZA", "ALGERIAN"),
    ("ECU", "ECUADORIAN"),
    ("EGY", "EGYPTIAN"),
    ("ERI", "ERITREAN"),
    ("ESH", "SAHRAWI"),
    ("ESP", "SPANISH"),
    ("EST", "ESTONIAN"),
    ("ETH", "ETHIOPIAN"),
    ("EUE", "EUROPEAN UNION"),
    ("FIN", "FINNISH"),
    ("FJI", "FIJIAN"),
    ("FLK", "FALKLAND ISLANDER"),
    ("FRA", "FRENCH"),
    ("FRO", "FAROESE"),
    ("FSM", "MICRONESIAN"),
    ("GAB", "GABONESE"),
    ("GBD", "BRITISH"),
    ("GBN", "BRITISH"),
    ("GBO", "BRITISH"),
    ("GBP", "BRITISH"),
    ("GBR", "BRITISH"),
    ("GBS", "BRITISH"),
    ("GEO", "GEORGIAN"),
    ("GGY", "CHANNEL ISLANDER"),
    ("GHA", "GHANAIAN"),
    ("GIB", "GIBRALTARIAN"),
    ("GIN", "GUINEAN"),
    ("GLP", "GUADELOUPEAN"),
    ("GMB", "GAMBIAN"),
    ("GNB", "BISSAU-GUINEAN"),
    ("GNQ", "EQUATORIAL GUINEAN"),
    ("GRC", "GREEK"),
    ("GRD", "GRENADIAN"),
    ("GRL", "GREENLANDIC"),
    ("GTM", "GUATEMALAN"),
    ("GUF", "FRENCH GUIANESE"),
    ("GUM", "GUAMANIAN"),
    ("GUY", "GUYANESE"),
    ("HKG", "HONG KONGER"),
    ("HMD", "AUSTRALIAN"),
    ("HND", "HONDURAN"),
    ("HRV", "CROATIAN"),
    ("HTI", "HAITIAN"),
    ("HUN", "HUNGARIAN"),
    ("IDN", "INDONESIAN"),
    ("IMN", "MANX"),
    ("IND", "INDIAN"),
    ("IOT", "BRITISH"),
    ("IRL", "IRISH"),
    ("IRN", "IRANIAN"),
    ("IRQ", "IRAQI"),
    ("ISL", "ICELANDIC"),
    ("ISR", "ISRAELI"),
    ("ITA", "ITALIAN"),
    ("JAM", "JAMAICAN"),
    ("JEY", "CHANNEL ISLANDER"),
    ("JOR", "JORDANIAN"),
    ("JPN", "JAPANESE"),
    ("KAZ", "KAZAKHSTANI"),
    ("KEN", "KENYAN"),
    ("KGZ", "KYRGYZ"),
    ("KHM", "CAMBODIAN"),
    ("KIR", "I-KIRIBATI"),
    ("KNA", "KITTITIAN"),
    ("KOR", "SOUTH KOREAN"),
    ("KWT", "KUWAITI"),
    ("LAO", "LAO"),
    ("LBN", "LEBANESE"),
    ("LBR", "LIBERIAN"),
    ("LBY", "LIBYAN"),
    ("LCA", "SAINT LUCIAN"),
    ("LIE", "LIECHTENSTEINER"),
    ("LKA", "SRI LANKAN"),
    ("LSO", "BASOTHO"),
    ("LTU", "LITHUANIAN"),
    ("LUX", "LUXEMBOURGER"),
    ("LVA", "LATVIAN"),
    ("MAC", "MACANESE"),
    ("MAF", "SAINT MARTIN ISLANDER"),
    ("MAR", "MOROCCAN"),
    ("MCO", "MONEGASQUE"),
    ("MDA", "MOLDOVAN"),
    ("MDG", "MALAGASY"),
    ("MDV", "MALDIVIAN"),
    ("MEX", "MEXICAN"),
    ("MHL", "MARSHALLESE"),
    ("MKD", "MACEDONIAN"),
    ("MLI", "MALIAN"),
    ("MLT", "MALTESE"),
    ("MMR", "BURMESE"),
    ("MNE", "MONTENEGRIN"),
    ("MNG", "MONGOLIAN"),
    ("MNP", "NORTHERN MARIANA ISLANDER"),
    ("MOZ", "MOZAMBICAN"),
    ("MRT", "MAURITANIAN"),
    ("MSR", "MONTSERRATIAN"),
    ("MTQ", "MARTINICAN"),
    ("MUS", "MAURITIAN"),
    ("MWI", "MALAWIAN"),
    ("MYS", "MALAYSIAN"),
    ("MYT", "MAHORAN"),
    ("NAM", "NAMIBIAN"),
    ("NCL", "NEW CALEDONIAN"),
    ("NER", "NIGERIEN"),
    ("NFK", "NORFOLK ISLANDER"),
    ("NGA", "NIGERIAN"),
    ("NIC", "NICARAGUAN"),
    ("NIU", "NIUEAN"),
    ("NLD", "DUTCH"),
    ("NOR", "NORWEGIAN"),
    ("NPL", "NEPALESE"),
    ("NRU", "NAURUAN"),
    ("NTZ", "NEUTRAL ZONE"),
    ("NZL", "NEW ZEALANDER"),
    ("OMN", "OMANI"),
    ("PAK", "PAKISTANI"),
    ("PAN", "PANAMANIAN"),
    ("PCN", "PITCAIRN ISLANDER"),
    ("PER", "PERUVIAN"),
    ("PHL", "FILIPINO"),
    ("PLW", "PALAUAN"),
    ("PNG", "PAPUA NEW GUINEAN"),
    ("POL", "POLISH"),
    ("PRI", "PUERTO RICAN"),
    ("PRK", "NORTH KOREAN"),
    ("PRT", "PORTUGUESE"),
    ("PRY", "PARAGUAYAN"),
    ("PSE", "PALESTINIAN"),
    ("PYF", "FRENCH POLYNESIAN"),
    ("QAT", "QATARI"),
    ("REU", "REUNIONESE"),
    ("RKS", "KOSOVAR"),
    ("ROU", "ROMANIAN"),
    ("RUS", "RUSSIAN"),
    ("RWA", "RWANDAN"),
    ("SAU", "SAUDI"),
    ("SDN", "SUDANESE"),
    ("SEN", "SENEGALESE"),
    ("SGP", "SINGAPOREAN"),
    ("SGS", "BRITISH"),
    ("SHN", "SAINT HELENIAN"),
    ("SJM", "NORWEGIAN"),
    ("SLB", "SOLOMON ISLANDER"),
    ("SLE", "SIERRA LEONEAN"),
    ("SLV", "SALVADORAN"),
    ("SMR", "SAMMARINESE"),
    ("SOM", "SOMALI"),
    ("SPM", "SAINT-PIERRAIS"),
    ("SRB", "SERBIAN"),
    ("SSD", "SOUTH SUDANESE"),
    ("STP", "SAO TOMEAN"),
    ("SUR", "SURINAMESE"),
    ("SVK", "SLOVAK"),
    ("SVN", "SLOVENIAN"),
    ("SWE", "SWEDISH"),
    ("SWZ", "SWAZI"),
    ("SXM", "SINT MAARTENER"),
    ("SYC", "SEYCHELLOIS"),
    ("SYR", "SYRIAN"),
    ("TCA", "TURKS AND CAICOS ISLANDER"),
    ("TCD", "CHADIAN"),
    ("TGO", "TOGOLESE"),
    ("THA", "THAI"),
    ("TJK", "TAJIK"),
    ("TKL", "TOKELAUAN"),
    ("TKM", "TURKMEN"),
    ("TLS", "TIMORESE"),
    ("TON", "TONGAN"),
    ("TTO", "TRINIDADIAN"),
    ("TUN", "TUNISIAN"),
    ("TUR", "TURKISH"),
    ("TUV", "TUVALUAN"),
    ("TWN", "TAIWANESE"),
    ("TZA", "TANZANIAN"),
    ("UGA", "UGANDAN"),
    ("UKR", "UKRAINIAN"),
    ("UMI", "AMERICAN"),
    ("UNA", "UNITED NATIONS"),
    ("UNK", "UNITED NATIONS"),
    ("UNO", "UNITED NATIONS"),
    ("URY", "URUGUAYAN"),
    ("USA", "AMERICAN"),
    ("UTO", "UTOPIAN"),
    ("UZB", "UZBEK"),
    ("VAT", "VATICAN"),
    ("VCT", "VINCENTIAN"),
    ("VEN", "VENEZUELAN"),
    ("VGB", "BRITISH VIRGIN ISLANDER"),
    ("VIR", "VIRGIN ISLANDER"),
    ("VNM", "VIETNAMESE"),
    ("VUT", "NI-VANUATU"),
    ("WLF", "WALLIS AND FUTUNA ISLANDER"),
    ("WSM", "SAMOAN"),
    ("XBA", "AFRICAN DEVELOPMENT BANK"),
    ("XCC", "CARIBBEAN COMMUNITY"),
    ("XCE", "COUNCIL OF EUROPE"),
    ("XCO", "COMMON MARKET FOR EASTERN AND SOUTHERN AFRICA"),
    ("XDC", "SOUTHERN AFRICAN DEVELOPMENT COMMUNITY"),
    ("XEC", "ECONOMIC COMMUNITY OF WEST AFRICAN STATES"),
    ("XES", "ORGANISATION OF EASTERN CARIBBEAN STATES"),
    ("XIM", "AFRICAN EXPORT-IMPORT BANK"),
    ("XMP", "PARLIAMENTARY ASSEMBLY OF THE MEDITERRANEAN"),
    ("XOM", "SOVEREIGN MILITARY ORDER OF MALTA"),
    ("XPO", "INTERPOL"),
    ("XXA", "STATELESS"),
    ("XXB", "REFUGEE"),
    ("XXC", "REFUGEE"),
    ("XXX", "UNSPECIFIED"),
    ("YEM", "YEMENI"),
    ("ZAF", "SOUTH AFRICAN"),
    ("ZMB", "ZAMBIAN"),
    ("ZWE", "ZIMBABWEAN"),
];

/// The upper-case nationality word Signzy uses for an ICAO 9303 code (`"IND"` gives
/// `"INDIAN"`, `"D<<"` gives `"GERMAN"`); trailing `<` fillers are ignored. `None` for a code
/// the table does not know.
pub fn nationality_word(code: &str) -> Option<&'static str> {
    let code = code.trim_end_matches('<');
    NATIONALITIES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| NATIONALITIES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::mrz::country_name;

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for pair in NATIONALITIES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        assert_eq!(NATIONALITIES.len(), 278);
    }

    #[test]
    fn words_are_ascii_upper_case() {
        for (code, word) in NATIONALITIES {
            assert!(!word.is_empty(), "{code}");
            assert!(word.is_ascii(), "{code}: {word}");
            assert_eq!(*word, word.to_ascii_uppercase(), "{code}");
        }
    }

    /// Every one- to three-letter code: it has a word exactly when countries.rs knows it.
    #[test]
    fn every_known_code_has_a_word() {
        let letters = || (b'A'..=b'Z').map(char::from);
        let mut codes: Vec<String> = letters().map(String::from).collect();
        for a in letters() {
            for b in letters() {
                for c in letters() {
                    codes.push([a, b, c].iter().collect());
                }
            }
        }
        for code in &codes {
            assert_eq!(
                nationality_word(code).is_some(),
                country_name(code).is_some(),
                "{code}"
            );
        }
    }

    #[test]
    fn spot_checks() {
        assert_eq!(nationality_word("IND"), Some("INDIAN"));
        assert_eq!(nationality_word("DEU"), Some("GERMAN"));
        assert_eq!(nationality_word("D"), Some("GERMAN"));
        assert_eq!(nationality_word("D<<"), Some("GERMAN"));
        assert_eq!(nationality_word("USA"), Some("AMERICAN"));
        assert_eq!(nationality_word("GBR"), Some("BRITISH"));
        assert_eq!(nationality_word("GBN"), Some("BRITISH"));
        assert_eq!(nationality_word("FRA"), Some("FRENCH"));
        assert_eq!(nationality_word("UTO"), Some("UTOPIAN"));
        assert_eq!(nationality_word("ALA"), Some("ALAND ISLANDER"));
        assert_eq!(nationality_word("UNO"), Some("UNITED NATIONS"));
        assert_eq!(nationality_word("EUE"), Some("EUROPEAN UNION"));
        assert_eq!(nationality_word("XXA"), Some("STATELESS"));
        assert_eq!(nationality_word("XXB"), Some("REFUGEE"));
        assert_eq!(nationality_word("XXX"), Some("UNSPECIFIED"));
    }

    #[test]
    fn unknown_codes_have_no_word() {
        assert_eq!(nationality_word("BOS"), None);
        assert_eq!(nationality_word("IN"), None);
        assert_eq!(nationality_word(""), None);
        assert_eq!(nationality_word("<<<"), None);
    }
}
