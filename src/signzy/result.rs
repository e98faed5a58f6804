//! Signzy's passport `result` of `autoRecognition`, filled from the MRZ. What an MRZ does
//! not hold (issue date, address, place of birth, parents' names) is left empty, as Signzy
//! leaves fields it cannot read.

use serde::Serialize;

use crate::vision::mrz::{self, CalendarDate, Fields};

/// The address blocks Signzy returns, empty here.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SplitAddress {
    pub district: Vec<String>,
    pub state: Vec<String>,
    pub city: Vec<String>,
    pub pincode: String,
    pub country: Vec<String>,
    #[serde(rename = "addressLine")]
    pub address_line: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub number: String,
    pub name: String,
    pub dob: String,
    pub address: String,
    pub split_address: SplitAddress,
    pub gender: String,
    pub guardian_name: String,
    pub issue_date: String,
    pub expiry_date: String,
}

/// Dates are `DD/MM/YYYY`; `country` is `[alpha-2, ICAO code, English name]`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PassportResult {
    pub parents_guardian_name: String,
    pub issue_date: String,
    pub expiry_date: String,
    pub birth_date: String,
    /// Given names, then surname.
    pub name: String,
    pub country: [String; 3],
    /// The nationality word (`INDIAN`, `GERMAN`), as Signzy gives it.
    pub nationality: String,
    /// `M`, `F` or empty.
    pub sex: String,
    pub address: String,
    pub pincode: String,
    pub passport_number: String,
    pub file_number: String,
    pub place_of_birth: String,
    pub place_of_issue: String,
    pub split_address: SplitAddress,
    pub summary: Summary,
}

/// The result from MRZ fields; `today` decides the centuries of two-digit years.
pub fn passport_result(f: &Fields, today: CalendarDate) -> PassportResult {
    let ddmmyyyy = |d: Option<CalendarDate>| {
        d.map(|d| format!("{:02}/{:02}/{:04}", d.day, d.month, d.year))
            .unwrap_or_default()
    };
    let birth = ddmmyyyy(mrz::birth_date(&f.birth_date, today));
    let expiry = ddmmyyyy(mrz::expiry_date(&f.expiry_date, today));
    let name = format!("{} {}", f.given_names, f.surname)
        .trim()
        .to_string();
    let sex = match f.sex.as_str() {
        "M" | "F" => f.sex.clone(),
        _ => String::new(),
    };
    let state = f.issuing_state.trim_end_matches('<');
    let country = [
        mrz::country_alpha2(state).unwrap_or_default().to_string(),
        state.to_string(),
        mrz::country_name(state).unwrap_or_default().to_string(),
    ];
    let nationality = mrz::nationality_word(&f.nationality)
        .unwrap_or_default()
        .to_string();
    PassportResult {
        parents_guardian_name: String::new(),
        issue_date: String::new(),
        expiry_date: expiry.clone(),
        birth_date: birth.clone(),
        name: name.clone(),
        country,
        nationality,
        sex: sex.clone(),
        address: String::new(),
        pincode: String::new(),
        passport_number: f.document_number.clone(),
        file_number: String::new(),
        place_of_birth: String::new(),
        place_of_issue: String::new(),
        split_address: SplitAddress::default(),
        summary: Summary {
            number: f.document_number.clone(),
            name,
            dob: birth,
            address: String::new(),
            split_address: SplitAddress::default(),
            gender: sex,
            guardian_name: String::new(),
            issue_date: String::new(),
            expiry_date: expiry,
        },
    }
}
