//! The success body, and the mapping from a [`Reading`] to it.
//!
//! The vendor's fields keep exactly their names, types and formats; everything else is
//! additive: `result.surname`, `result.givenNames`, `result.birthDateIso`,
//! `result.expirationDateIso`, `information.mirrored`, `information.quad` and `data.mrz`.

use serde::Serialize;

use super::error::KredibelError;
use crate::vision::mrz::{self, CalendarDate, CheckResult, Format, Repair, Violation};
use crate::vision::{Failure, Reading};

#[derive(Clone, Debug, Serialize)]
pub struct PassportResponse {
    pub message: String,
    pub data: PassportData,
}

#[derive(Clone, Debug, Serialize)]
pub struct PassportData {
    /// A new UUID per answer.
    pub id: String,
    pub result: PassportResult,
    pub information: Information,
    /// Additive: the MRZ as read.
    pub mrz: MrzReport,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PassportResult {
    /// Document number, fillers stripped.
    pub identity_id: String,
    /// Document code: `P`, `PD`, ...
    pub indicator: String,
    /// English name of the issuing state (empty for a code ICAO does not define).
    pub country: String,
    pub country_code: String,
    /// Surname first, then given names, single spaces.
    pub full_name: String,
    pub nationality: String,
    pub nationality_code: String,
    /// `dd-mm-yy`, the printed digits reordered; empty when any is unknown (`<`).
    pub birth_date: String,
    /// `male`, `female`, or empty for `X` and `<`.
    pub sex: String,
    /// The optional data of line 2, fillers stripped.
    pub personal_number: String,
    /// `dd-mm-yy`, as `birth_date`.
    pub expiration_date: String,
    /// Additive: the primary identifier.
    pub surname: String,
    /// Additive: the secondary identifier.
    pub given_names: String,
    /// Additive: `YYYY-MM-DD`, the latest such date not in the future; null when unknown.
    pub birth_date_iso: Option<String>,
    /// Additive: `YYYY-MM-DD`, no more than 20 years ahead; null when unknown.
    pub expiration_date_iso: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Information {
    /// Counterclockwise rotation of the document from upright, 0 <= tilt < 360 (180 upside
    /// down), two decimals.
    pub tilt: f64,
    pub card_detected: bool,
    /// Additive: the image shows the document mirrored.
    pub mirrored: bool,
    /// Additive: the page corners (top-left, top-right, bottom-right, bottom-left as the
    /// document reads) in image pixels.
    pub quad: Option<[[f32; 2]; 4]>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MrzReport {
    pub format: Format,
    pub lines: Vec<String>,
    pub checks: Vec<CheckResult>,
    pub valid: bool,
    pub confidence: f32,
    pub repairs: Vec<Repair>,
    pub violations: Vec<Violation>,
}

/// Maps a reading to the vendor's result, or to the vendor's error for it: no MRZ is
/// `text_not_found`, MRZ-like text no format accepts is `parsing_failed`, an image without
/// a detected document (see [`DocumentInfo::detected`](crate::vision::DocumentInfo)) is
/// `card_not_found` when `pass_card_detect` is false, whatever it holds, and an MRZ that
/// is not a TD3 passport's is
/// `invalid_document_type`. `today` chooses the centuries of the ISO dates.
pub fn passport_data(
    reading: Reading,
    pass_card_detect: bool,
    today: CalendarDate,
) -> Result<PassportData, KredibelError> {
    // Without a card, `passCardDetect: false` refuses the image whatever text it holds.
    if !pass_card_detect && !reading.document.detected {
        return Err(KredibelError::CardNotFound);
    }
    let Some(m) = reading.mrz else {
        return Err(match reading.failure {
            Some(Failure::ParsingFailed) => KredibelError::ParsingFailed,
            _ => KredibelError::TextNotFound,
        });
    };
    let f = &m.fields;
    if m.format != Format::TD3 || !f.document_code.starts_with('P') {
        return Err(KredibelError::InvalidDocumentType);
    }
    let name = |code: &str| mrz::country_name(code).unwrap_or_default().to_string();
    let full_name = [f.surname.as_str(), f.given_names.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let result = PassportResult {
        identity_id: f.document_number.clone(),
        indicator: f.document_code.clone(),
        country: name(&f.issuing_state),
        country_code: f.issuing_state.clone(),
        full_name,
        nationality: name(&f.nationality),
        nationality_code: f.nationality.clone(),
        birth_date: vendor_date(&f.birth_date),
        sex: match f.sex.as_str() {
            "M" => "male",
            "F" => "female",
            _ => "",
        }
        .to_string(),
        personal_number: f.optional_data.clone(),
        expiration_date: vendor_date(&f.expiry_date),
        surname: f.surname.clone(),
        given_names: f.given_names.clone(),
        birth_date_iso: mrz::birth_date_iso(&f.birth_date, today),
        expiration_date_iso: mrz::expiry_date_iso(&f.expiry_date, today),
    };
    let doc = reading.document;
    let tilt = (f64::from(doc.tilt) * 100.0).round() / 100.0;
    let information = Information {
        tilt: if tilt >= 360.0 { 0.0 } else { tilt },
        card_detected: doc.detected,
        mirrored: doc.mirrored,
        quad: doc.quad,
    };
    Ok(PassportData {
        id: uuid::Uuid::new_v4().to_string(),
        result,
        information,
        mrz: MrzReport {
            format: m.format,
            lines: m.lines,
            checks: m.checks,
            valid: m.valid,
            confidence: m.confidence,
            repairs: m.repairs,
            violations: m.violations,
        },
    })
}

/// A printed `YYMMDD` as the vendor's `dd-mm-yy`, empty when any digit is unknown. Unlike
/// [`mrz::ddmmyy`] it reorders digits that name no real day too (specimens print 29
/// February of common years): the vendor fields say what is printed, and the ISO fields,
/// null then, say whether it is a date.
fn vendor_date(yymmdd: &str) -> String {
    let b = yymmdd.as_bytes();
    if b.len() == 6 && b.iter().all(u8::is_ascii_digit) {
        format!("{}-{}-{}", &yymmdd[4..6], &yymmdd[2..4], &yymmdd[0..2])
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::{DocumentInfo, Timings};

    const TODAY: CalendarDate = CalendarDate {
        year: 2025,
        month: 6,
        day: 1,
    };

    fn reading(lines: &[&str]) -> Reading {
        Reading {
            mrz: Some(mrz::parse_text(lines).unwrap()),
            document: DocumentInfo {
                detected: true,
                quad: None,
                quad_from: None,
                tilt: 359.999,
                mirrored: false,
            },
            failure: None,
            timings: Timings::default(),
        }
    }

    #[test]
    fn a_td3_mrz_maps_to_every_vendor_field() {
        let r = reading(&[
            "PDD<<MUSTERMANN<<ERIKA<ANNA<<<<<<<<<<<<<<<<<",
            "C01X00T478D<<6408125F2702283ABC<12<<<<<<<<02",
        ]);
        let d = passport_data(r, true, TODAY).unwrap();
        let res = d.result;
        assert_eq!(res.identity_id, "C01X00T47");
        assert_eq!(res.indicator, "PD");
        assert_eq!(
            (res.country.as_str(), res.country_code.as_str()),
            ("Germany", "D")
        );
        assert_eq!(res.full_name, "MUSTERMANN ERIKA ANNA");
        assert_eq!(
            (res.surname.as_str(), res.given_names.as_str()),
            ("MUSTERMANN", "ERIKA ANNA")
        );
        assert_eq!(res.nationality, "Germany");
        assert_eq!(res.birth_date, "12-08-64");
        assert_eq!(res.birth_date_iso.as_deref(), Some("1964-08-12"));
        assert_eq!(res.sex, "female");
        assert_eq!(res.expiration_date, "28-02-27");
        assert_eq!(res.expiration_date_iso.as_deref(), Some("2027-02-28"));
        assert_eq!(res.personal_number, "ABC 12");
        assert_eq!(d.information.tilt, 0.0);
        assert!(d.information.card_detected);
        assert_eq!(d.mrz.format, Format::TD3);
    }

    #[test]
    fn unspecified_sex_and_unknown_dates_are_empty() {
        let r = reading(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO<<<<<<0<1204159ZE184226B<<<<<10",
        ]);
        let res = passport_data(r, true, TODAY).unwrap().result;
        assert_eq!(res.sex, "");
        assert_eq!(res.birth_date, "");
        assert_eq!(res.birth_date_iso, None);
        assert_eq!(res.expiration_date, "15-04-12");
        assert_eq!(res.country, "Utopia");
    }

    #[test]
    fn printed_dates_that_name_no_day_are_reordered_but_have_no_iso_form() {
        let r = reading(&[
            "P<CZESPECIMEN<<VZOR<<<<<<<<<<<<<<<<<<<<<<<<<",
            "99006000<8CZE1102299F16090641152291111<<<<24",
        ]);
        let res = passport_data(r, true, TODAY).unwrap().result;
        assert_eq!(res.birth_date, "29-02-11");
        assert_eq!(res.birth_date_iso, None);
        assert_eq!(res.expiration_date, "06-09-16");
        assert_eq!(res.expiration_date_iso.as_deref(), Some("2016-09-06"));
        assert_eq!(res.identity_id, "99006000");
        assert_eq!(res.personal_number, "1152291111");
    }

    #[test]
    fn other_formats_are_the_wrong_document_type() {
        let td1 = reading(&[
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ]);
        assert!(matches!(
            passport_data(td1, true, TODAY),
            Err(KredibelError::InvalidDocumentType)
        ));
        let visa = reading(&[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        ]);
        assert!(matches!(
            passport_data(visa, true, TODAY),
            Err(KredibelError::InvalidDocumentType)
        ));
    }

    #[test]
    fn failures_map_to_the_vendor_error_types() {
        let failed = |failure| Reading {
            mrz: None,
            document: DocumentInfo::default(),
            failure: Some(failure),
            timings: Timings::default(),
        };
        let map = |failure, pass| passport_data(failed(failure), pass, TODAY).unwrap_err();
        assert!(matches!(
            map(Failure::TextNotFound, true),
            KredibelError::TextNotFound
        ));
        assert!(matches!(
            map(Failure::TextNotFound, false),
            KredibelError::CardNotFound
        ));
        assert!(matches!(
            map(Failure::ParsingFailed, true),
            KredibelError::ParsingFailed
        ));
        // No card detected: `passCardDetect: false` refuses whatever text there is.
        assert!(matches!(
            map(Failure::ParsingFailed, false),
            KredibelError::CardNotFound
        ));
        let mut read = reading(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]);
        read.document.detected = false;
        assert!(matches!(
            passport_data(read, false, TODAY).unwrap_err(),
            KredibelError::CardNotFound
        ));
    }
}
