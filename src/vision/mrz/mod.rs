//! ICAO 9303 machine-readable zones: parsing, validation and repair of recogniser output.
//!
//! Pure functions, no I/O. The recogniser hands over one [`ReadLine`] per MRZ line, with the
//! alternatives it considered at each character position; [`parse_read`] chooses the format,
//! repairs the likely misreads and reports what it changed. Text that is already final goes
//! through [`parse_text`], which changes nothing.
//!
//! Formats ([`Format`], layouts in [`formats`]): TD3 (2x44 passports), TD2 (2x36), TD1 (3x30 ID
//! cards), MRV-A (2x44 visas) and MRV-B (2x36 visas), and the French national ID card (2x36,
//! `IDFRA`, a national layout). The format follows from the line count and length and the
//! document code: on 44-character lines `V` is MRV-A and anything else TD3 (passports `P`, but
//! also `I` on Slovak 2x44 cards); on 36-character lines `V` is MRV-B, a line starting `IDFRA`
//! is the French card when its check digits fit better than TD2's, and anything else TD2.
//!
//! Validity is data, never an error: [`Mrz::valid`] says whether every check digit confirms its
//! field, and [`Mrz::checks`] gives each verdict. Country codes and dates do not enter into it
//! (`UTO`, the Doc 9303 specimens' state, is as valid as any), nor does expiry. What real
//! documents print is accepted as printed: `D<<` for Germany, two-letter codes such as `SI<`,
//! a `<` check digit over an all-filler field (Doc 9303 allows `<` or `0`), unknown dates as
//! `<<<<<<`, and TD1/TD2 document numbers longer than 9 characters (Part 5 note j: 9 in the
//! field, `<` in its check position, the rest and its check digit opening the optional data).
//!
//! Repairs ([`parse_read`]), in order:
//! 1. Field type. A character the field cannot hold (a letter in a date or check digit, a digit
//!    in a name or country code, anything but F/M/X/`<` as sex) gives way to the likeliest
//!    alternative the field can hold: the recogniser's own alternatives first, then the
//!    characters recognisers confuse with it (O/0/Q/D, I/1, S/5, B/8, Z/2, G/6, `<` with
//!    K/X/C/E), which share the probability the recogniser left unassigned. A field with a
//!    position that nothing can make conform is left as read: it is a document bending the
//!    rules, not a misread.
//! 2. Filler runs. A lone K, X, C or E after three or more fillers, followed only by fillers,
//!    in a name field is a misread `<`.
//! 3. Check digits. When checks fail, the positions they cover are searched over their
//!    alternatives (allowed by the field type, with probability at least 0.05 and at least 0.15
//!    of the current character's): first for a combination that makes every check pass (so the
//!    composite decides between two fixes of one field), then check by check without breaking
//!    one that passes. The search is capped (12 uncertain positions, 3 alternatives each, 3
//!    changes, 20,000 combinations). The combination with the highest joint probability wins,
//!    but only if it carries more than half of the weight of all explanations: itself, every
//!    other passing combination, and "the read is right and the document's digit is wrong"
//!    (weight 0.1 relative to the read). So a check digit is never bent to fit by improbable
//!    or interchangeable alternatives: an MRZ printed with a wrong check digit comes back as
//!    printed, with `valid: false`. The constants are in [`repair`].
//!
//! Every change from the top-1 is listed in [`Mrz::repairs`].
//!
//! Confidence: [`Mrz::confidence`] is the geometric mean of the probabilities of the chosen
//! characters (the per-character joint probability, comparable across formats), and
//! [`Mrz::min_confidence`] the smallest of them. A character chosen against a recogniser that
//! gave it no probability counts as 0.01. Text given to [`parse_text`] or through
//! [`ReadLine::from_text`] has confidence 1.

mod check;
pub mod countries;
pub mod dates;
mod fields;
pub mod formats;
mod nationality;
pub mod repair;
mod types;
mod validate;

pub use check::check_digit;
pub use countries::{country_alpha2, country_name};
pub use dates::{birth_date, birth_date_iso, ddmmyy, expiry_date, expiry_date_iso, CalendarDate};
pub use fields::{split_name, strip_fillers};
pub use formats::{formats_for_lengths, Format};
pub use nationality::nationality_word;
pub use repair::confusions;

pub use types::{
    Candidate, CheckField, CheckResult, Fields, Mrz, MrzError, ReadLine, Repair, RepairReason,
    Violation, MIN_CHECK_CONFIDENCE,
};

use formats::Layout;
use repair::Slot;
use validate::{check_spans, Pos};

/// Parses text as printed (no repairs). Surrounding whitespace of each line is ignored. Errors
/// only when no format accepts the line shape.
pub fn parse_text(lines: &[&str]) -> Result<Mrz, MrzError> {
    let read: Vec<ReadLine> = lines
        .iter()
        .map(|l| ReadLine::from_text(l.trim()))
        .collect();
    parse(&read, false)
}

/// Parses recogniser output, repairing by field type and check digits with the alternatives.
pub fn parse_read(lines: &[ReadLine]) -> Result<Mrz, MrzError> {
    for (line, read) in lines.iter().enumerate() {
        if let Some(column) = read.positions.iter().position(|p| p.is_empty()) {
            return Err(MrzError::EmptyPosition { line, column });
        }
    }
    parse(lines, true)
}

fn parse(lines: &[ReadLine], repair: bool) -> Result<Mrz, MrzError> {
    let lens: Vec<usize> = lines.iter().map(|l| l.positions.len()).collect();
    if !(2..=3).contains(&lines.len()) {
        return Err(MrzError::LineCount(lines.len()));
    }
    let possible = formats_for_lengths(&lens);
    if possible.is_empty() {
        return Err(MrzError::Shape(lens));
    }
    let decode = |format: Format| decode(format.layout(), lines, repair);
    let head = document_head(lines, repair);
    Ok(if possible.contains(&Format::TD1) {
        decode(Format::TD1)
    } else if possible.contains(&Format::TD3) {
        decode(if head.starts_with('V') {
            Format::MRVA
        } else {
            Format::TD3
        })
    } else if head.starts_with('V') {
        decode(Format::MRVB)
    } else if head.starts_with("IDFRA") {
        let td2 = decode(Format::TD2);
        let french = decode(Format::FrenchId);
        if pass_rate(&french) > pass_rate(&td2) {
            french
        } else {
            td2
        }
    } else {
        decode(Format::TD2)
    })
}

/// The first five characters of line 1 (document code and issuing state, alphabetic in every
/// format), as field-type repair would read them, to choose the format by.
fn document_head(lines: &[ReadLine], repair: bool) -> String {
    lines[0]
        .positions
        .iter()
        .take(5)
        .map(|cands| {
            let top = cands[0].ch;
            if !repair || top.is_ascii_uppercase() {
                return top;
            }
            let slot = Slot::new(cands, formats::CharClass::Alpha);
            slot.all
                .iter()
                .find(|(c, _)| c.is_ascii_uppercase())
                .map_or(top, |(c, _)| *c)
        })
        .collect()
}

/// Per line and column of `mrz`, whether a check digit that passes and vouches (is not
/// [`CheckResult::doubtful`]) covers the character (the field's characters and the digit
/// itself, the composite's included).
pub fn confirmed(mrz: &Mrz) -> Vec<Vec<bool>> {
    let grid: Vec<Vec<char>> = mrz.lines.iter().map(|l| l.chars().collect()).collect();
    let mut out: Vec<Vec<bool>> = grid.iter().map(|l| vec![false; l.len()]).collect();
    let spans = check_spans(mrz.format.layout(), &grid);
    // `mrz.checks` holds one verdict per span, in the same order.
    for (span, check) in spans.iter().zip(&mrz.checks) {
        if check.vouches() {
            for (l, c) in span.positions() {
                out[l][c] = true;
            }
        }
    }
    out
}

fn pass_rate(mrz: &Mrz) -> f32 {
    let ok = mrz.checks.iter().filter(|c| c.ok).count();
    ok as f32 / mrz.checks.len().max(1) as f32
}

/// Reads `lines` (of `layout`'s shape) by `layout`, repairing if asked.
fn decode(layout: &Layout, lines: &[ReadLine], repair: bool) -> Mrz {
    let slots = repair::slots(layout, lines);
    let (grid, reasons) = if repair {
        let r = repair::repair(layout, &slots);
        (r.grid, r.reasons)
    } else {
        let grid = repair::top_text(&slots);
        let reasons = grid.iter().map(|l| vec![None; l.len()]).collect();
        (grid, reasons)
    };

    let spans = check_spans(layout, &grid);
    // The composite vouches only for what no field check covers (the optional data, a French
    // card's first line): the rest stands or falls with its own field's check.
    let by_fields: Vec<Pos> = spans
        .iter()
        .filter(|s| s.field != CheckField::Composite)
        .flat_map(|s| s.positions())
        .collect();
    let checks: Vec<CheckResult> = spans
        .iter()
        .map(|s| {
            let check = s.evaluate(&grid);
            let confidence: f32 = s
                .positions()
                .into_iter()
                .filter(|p| s.field != CheckField::Composite || !by_fields.contains(p))
                .map(|(l, c)| check_support(&slots[l][c], grid[l][c], reasons[l][c]))
                .product();
            CheckResult {
                confidence,
                doubtful: check.ok && confidence < MIN_CHECK_CONFIDENCE,
                ..check
            }
        })
        .collect();
    let violations = violations(layout, &grid);

    let mut repairs = Vec::new();
    let mut log_sum = 0.0f64;
    let mut min = 1.0f32;
    let mut count = 0usize;
    for (l, line) in grid.iter().enumerate() {
        for (c, &ch) in line.iter().enumerate() {
            let slot = &slots[l][c];
            let p = slot.prob(ch).min(1.0);
            log_sum += f64::from(p).ln();
            min = min.min(p);
            count += 1;
            if let Some(reason) = reasons[l][c] {
                repairs.push(Repair {
                    line: l,
                    column: c,
                    from: slot.top,
                    to: ch,
                    reason,
                });
            }
        }
    }

    Mrz {
        format: layout.format,
        lines: grid.iter().map(|l| l.iter().collect()).collect(),
        valid: checks.iter().all(CheckResult::vouches) && violations.is_empty(),
        confidence: (log_sum / count.max(1) as f64).exp() as f32,
        min_confidence: min,
        checks,
        repairs,
        violations,
        fields: fields::extract(layout, &grid),
    }
}

/// How much a character supports the check digit over it, 0..=1: the recogniser's
/// probability of it; where a field's rule replaced the top-1 (a letter in a date, an O among
/// zeros), the probability of the top-1, as the rule and not the check chose the character.
/// A check-digit repair counts at its own, low probability: the check chose it, so it cannot
/// also confirm it.
fn check_support(slot: &Slot, ch: char, reason: Option<RepairReason>) -> f32 {
    let shown = match reason {
        Some(r) if r != RepairReason::CheckDigit => slot.top,
        _ => ch,
    };
    slot.prob(shown).min(1.0)
}

/// The characters of `grid` that break the rules of their field, where real documents do not
/// bend them: the document code's first letter, dates and sex. (Names and state codes may hold
/// digits on real documents, `132` on Romanian cards, so they are not held to their class.)
fn violations(layout: &Layout, grid: &[Vec<char>]) -> Vec<Violation> {
    use formats::{CharClass, FieldName};
    let mut out = Vec::new();
    for (l, line) in layout.position_classes().iter().enumerate() {
        for (c, &(class, group)) in line.iter().enumerate() {
            let Some(field) = group.map(|g| layout.fields[g].name) else {
                continue;
            };
            let allowed = match (class, field) {
                (CharClass::OneOf(letters), _) => {
                    let list: Vec<String> = letters.chars().map(String::from).collect();
                    format!("one of {}", list.join(", "))
                }
                (CharClass::Sex, _) => "F, M, X or <".to_string(),
                (CharClass::Numeric, FieldName::BirthDate | FieldName::ExpiryDate) => {
                    "a digit or <".to_string()
                }
                _ => continue,
            };
            let found = grid[l][c];
            if !class.allows(found) {
                out.push(Violation {
                    line: l,
                    column: c,
                    field,
                    found,
                    allowed,
                });
            }
        }
    }
    // A date's month and day, where printed in digits, name a month and a day: 00 (an
    // unknown part, printed by some states) to 12 and 31. Garbage read as a visa's lines
    // passed all three check digits with a birth month of 92.
    for f in layout
        .fields
        .iter()
        .filter(|f| matches!(f.name, FieldName::BirthDate | FieldName::ExpiryDate))
    {
        let date = &grid[f.line][f.start..f.start + f.len];
        let two = |i: usize| {
            let (a, b) = (date[i].to_digit(10)?, date[i + 1].to_digit(10)?);
            Some(a * 10 + b)
        };
        for i in dates::lone_fillers(date) {
            out.push(Violation {
                line: f.line,
                column: f.start + i,
                field: f.name,
                found: '<',
                allowed: "a digit (a date's part is two digits or two fillers)".to_string(),
            });
        }
        for (i, most, what) in [(2, 12, "a month, 00 to 12"), (4, 31, "a day, 00 to 31")] {
            if two(i).is_some_and(|v| v > most) {
                out.push(Violation {
                    line: f.line,
                    column: f.start + i,
                    field: f.name,
                    found: date[i],
                    allowed: what.to_string(),
                });
            }
        }
    }
    // A state code is left-aligned and filled on the right (`D<<`), so a letter never
    // follows a filler in one. `<<E` is what a vertically flipped line of symmetric glyphs
    // gives (a mirrored card read upside down), whose check digits can pass by chance.
    for f in layout
        .fields
        .iter()
        .filter(|f| matches!(f.name, FieldName::IssuingState | FieldName::Nationality))
    {
        let code = &grid[f.line][f.start..f.start + f.len];
        if let Some(i) = (1..code.len()).find(|&i| code[i] != '<' && code[..i].contains(&'<')) {
            out.push(Violation {
                line: f.line,
                column: f.start + i,
                field: f.name,
                found: code[i],
                allowed: "< (a state code's fillers only trail it)".to_string(),
            });
        }
    }
    // Every ICAO 9303 document has a number, left-aligned in its field. Without this, lines
    // of fillers alone pass every check digit (the digit over an empty field is `<` or 0)
    // and parse as a valid MRZ: a row of ornaments or perforations read as `<<<<` did. A
    // number that starts with fillers is a names line read in the number's place (a card's
    // lines taken in the wrong order), its check digits made to pass by repair.
    for f in layout
        .fields
        .iter()
        .filter(|f| f.name == FieldName::DocumentNumber)
    {
        if grid[f.line][f.start] == '<' {
            let empty = grid[f.line][f.start..f.start + f.len]
                .iter()
                .all(|&c| c == '<');
            out.push(Violation {
                line: f.line,
                column: f.start,
                field: f.name,
                found: '<',
                allowed: if empty {
                    "a document number (it is never empty)"
                } else {
                    "a letter or digit (a document number starts at its field's start)"
                }
                .to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use formats::FieldName;

    #[test]
    fn a_state_code_with_a_letter_after_a_filler_is_a_violation() {
        // A TD1 card's line 1 as a mirrored card read upside down gave it: issuing state
        // `<<E`, check digits passing by chance.
        let lines = [
            "IE<<EHPBUDSMGI2<<<<<<<<<<<<<<<",
            "6512150<0011259MNE<<<<<<<<<<<0",
            "A<URXCVJDKXH<CS<<<<<<<<<<<<<<<",
        ];
        let m = parse_text(&lines).expect("three lines of 30 parse as TD1");
        assert!(!m.valid);
        let v: Vec<_> = m.violations.iter().map(|v| (v.field, v.column)).collect();
        assert_eq!(v, vec![(FieldName::IssuingState, 4)]);
        // `D<<` (Germany) is not.
        let german = parse_text(&[
            "IDD<<T220001293<<<<<<<<<<<<<<<",
            "6408125<2010315D<<<<<<<<<<<<<4",
            "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
        ])
        .expect("TD1");
        assert!(german.violations.is_empty(), "{:?}", german.violations);
    }

    #[test]
    fn a_month_past_12_or_a_day_past_31_is_a_violation_and_00_is_not() {
        // An MRV-B's shape read off a photo, every check digit passing: birth month 92.
        let lines = [
            "VONUBMUOOCJGTUUGDVIGDUOOGSBMUBDVBTMG",
            "OOO9DO9MU9IGO0092151M0609160016M1090",
        ];
        let m = parse_text(&lines).expect("two lines of 36 parse as MRV-B");
        assert!(m.checks.iter().all(|c| c.ok));
        assert!(!m.valid);
        let v: Vec<_> = m.violations.iter().map(|v| (v.field, v.column)).collect();
        assert_eq!(v, vec![(FieldName::BirthDate, 15)]);
        // Unknown day and month printed as 00.
        let unknown = parse_text(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7400001F1204159ZE184226B<<<<<10",
        ])
        .expect("TD3");
        assert!(unknown.violations.is_empty(), "{:?}", unknown.violations);
    }

    #[test]
    fn a_document_number_that_starts_with_a_filler_is_a_violation() {
        // A card's names line read in line 1's place (its lines taken bottom to top).
        let lines = [
            "CHIHA<<WOEYABA9KI<NISARE<<<<<<",
            "0706151F5412024PAKONRG<FGEEGS5",
            "IDDJZZECQMSS<<S<<<<<<<<<<<<<<<",
        ];
        let m = parse_text(&lines).expect("three lines of 30 parse as TD1");
        assert!(!m.valid);
        assert!(m
            .violations
            .iter()
            .any(|v| v.field == FieldName::DocumentNumber && v.column == 5));
    }

    #[test]
    fn lines_of_fillers_alone_are_not_a_valid_mrz() {
        let fillers = "<".repeat(44);
        let m = parse_text(&["P<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", &fillers])
            .expect("two lines of 44 parse as TD3");
        assert!(m.checks.iter().all(|c| c.ok), "every check digit passes");
        assert!(!m.valid);
        assert_eq!(m.violations.len(), 1, "{:?}", m.violations);
        assert_eq!(m.violations[0].field, FieldName::DocumentNumber);
    }

    const UTO_TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn read(lines: &[&str]) -> Vec<ReadLine> {
        lines.iter().map(|l| ReadLine::from_text(l)).collect()
    }

    /// A line read with `top` as top-1 everywhere, except that at each `(column, alternative,
    /// p)` the top-1 has probability `1 - p` and `alternative` has `p`.
    fn read_with_alternatives(top: &str, alts: &[(usize, char, f32)]) -> ReadLine {
        let mut line = ReadLine::from_text(top);
        for &(col, ch, p) in alts {
            line.positions[col][0].prob = 1.0 - p;
            line.positions[col].push(Candidate { ch, prob: p });
        }
        line
    }

    /// ICAO 9303 Part 5's TD1 specimen.
    const UTO_TD1: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    #[test]
    fn a_document_code_outside_its_format_s_letters_takes_the_alternative_that_fits() {
        // `I` crossed by a vertical print, read as `Z` with `I` as the runner-up.
        let mut lines = read(&UTO_TD1);
        lines[0] = read_with_alternatives(&UTO_TD1[0].replacen('I', "Z", 1), &[(0, 'I', 0.2)]);
        let m = parse_read(&lines).unwrap();
        assert_eq!(m.lines[0], UTO_TD1[0]);
        assert!(m.valid && m.violations.is_empty());
        assert_eq!(m.repairs[0].reason, RepairReason::FieldType);
        // `1` for `I` is a known confusion: repaired without an alternative.
        let mut lines = read(&UTO_TD1);
        lines[0] = ReadLine::from_text_with_prob(&UTO_TD1[0].replacen('I', "1", 1), 0.9);
        let m = parse_read(&lines).unwrap();
        assert_eq!(m.fields.document_code, "I");
    }

    #[test]
    fn a_document_code_no_alternative_can_fix_is_not_valid() {
        // Every check digit passes (none covers the document code), but `Z` is no card's.
        let mut lines = read(&UTO_TD1);
        lines[0] = ReadLine::from_text(&UTO_TD1[0].replacen('I', "Z", 1));
        let m = parse_read(&lines).unwrap();
        assert!(m.checks.iter().all(|c| c.ok));
        assert!(!m.valid);
        assert_eq!(m.lines[0], UTO_TD1[0].replacen('I', "Z", 1));
        let v = &m.violations[0];
        assert_eq!(
            (v.line, v.column, v.field, v.found),
            (0, 0, FieldName::DocumentCode, 'Z')
        );
        assert_eq!(v.allowed, "one of A, C, I");
        // The same holds for text given as printed.
        let m = parse_text(&[&UTO_TD3[0].replacen('P', "Q", 1), UTO_TD3[1]]).unwrap();
        assert!(!m.valid && m.violations.len() == 1);
    }

    #[test]
    fn every_format_takes_its_own_document_codes() {
        for (lines, code) in [
            (vec![UTO_TD3[0], UTO_TD3[1]], "P"),
            (UTO_TD1.to_vec(), "I"),
            (
                vec![
                    "C1USAPUBLIC<<JOHN<<<<<<<<<<<<<<<<<<<",
                    "D231458907USA7408122M1204159<<<<<<<8",
                ],
                "C1",
            ),
        ] {
            let m = parse_text(&lines).unwrap();
            assert!(m.violations.is_empty(), "{code}: {:?}", m.violations);
            assert_eq!(m.fields.document_code, code);
        }
    }

    #[test]
    fn a_letter_left_in_a_date_makes_the_mrz_invalid() {
        // `Y` has no digit among its alternatives or confusions.
        let line2 = UTO_TD3[1].replacen("740812", "74Y812", 1);
        let m = parse_read(&read(&[UTO_TD3[0], &line2])).unwrap();
        assert!(!m.valid);
        assert!(m
            .violations
            .iter()
            .any(|v| v.field == FieldName::BirthDate && v.found == 'Y'));
    }

    #[test]
    fn td3_utopia_specimen_is_valid() {
        let m = parse_text(&UTO_TD3).unwrap();
        assert_eq!(m.format, Format::TD3);
        assert!(m.valid);
        assert_eq!(m.confidence, 1.0);
        assert!(m.repairs.is_empty());
        let f = &m.fields;
        assert_eq!(f.document_code, "P");
        assert_eq!(f.issuing_state, "UTO");
        assert_eq!(f.surname, "ERIKSSON");
        assert_eq!(f.given_names, "ANNA MARIA");
        assert_eq!(f.document_number, "L898902C3");
        assert_eq!(f.nationality, "UTO");
        assert_eq!(f.birth_date, "740812");
        assert_eq!(f.sex, "F");
        assert_eq!(f.expiry_date, "120415");
        assert_eq!(f.optional_data, "ZE184226B");
        assert_eq!(f.optional_data_2, None);
        let digits: Vec<(CheckField, char, bool)> = m
            .checks
            .iter()
            .map(|c| (c.field, c.printed, c.ok))
            .collect();
        assert_eq!(
            digits,
            vec![
                (CheckField::DocumentNumber, '6', true),
                (CheckField::BirthDate, '2', true),
                (CheckField::ExpiryDate, '9', true),
                (CheckField::OptionalData, '1', true),
                (CheckField::Composite, '0', true),
            ]
        );
        assert_eq!(m.checks[4].value, "L898902C3674081221204159ZE184226B<<<<<1");
    }

    #[test]
    fn germany_is_read_as_d_with_fillers() {
        let m = parse_text(&[
            "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
            "C01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<0",
        ])
        .unwrap();
        assert!(m.valid);
        assert_eq!(m.fields.issuing_state, "D");
        assert_eq!(m.fields.nationality, "D");
        assert_eq!(country_name(&m.fields.nationality), Some("Germany"));
        assert_eq!(m.fields.surname, "MUSTERMANN");
        // An empty personal number with `<` as its check digit.
        assert_eq!(m.checks[3].printed, '<');
        assert!(m.checks[3].ok);
    }

    #[test]
    fn a_td1_long_document_number_continues_in_the_optional_data() {
        let m = parse_text(&[
            "I<PRT007777779<ZZ92<<<<<<<<<<<",
            "8303143M3405282PRT<<<<<<<<<<<2",
            "CACADOR<DE<ARAUJO<<ANDRE<ESTEV",
        ])
        .unwrap();
        assert!(m.valid);
        assert_eq!(m.fields.document_number, "007777779ZZ9");
        assert_eq!(m.checks[0].value, "007777779ZZ9");
        assert_eq!(m.checks[0].printed, '2');
        assert_eq!(m.fields.optional_data, "ZZ92");
        assert_eq!(m.fields.surname, "CACADOR DE ARAUJO");
        assert!(m.fields.names_may_be_truncated);
    }

    #[test]
    fn a_long_document_number_may_include_the_filler_in_its_check() {
        // Belgium's BEL-BO-03003 computes the digit over 000590240<601.
        let m = parse_text(&[
            "IDBEL000590240<6013<<<<<<<<<<<",
            "8512017F1311048BEL851201002007",
            "REINARTZ<<ULRIKE<KATIA<E<<<<<<",
        ])
        .unwrap();
        assert!(m.valid);
        assert_eq!(m.checks[0].value, "000590240<601");
        assert_eq!(m.fields.document_number, "000590240601");
        assert_eq!(m.fields.optional_data_2.as_deref(), Some("85120100200"));
    }

    #[test]
    fn a_wrong_check_digit_stays_as_printed_with_valid_false() {
        let lines = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408123F1204159ZE184226B<<<<<10",
        ];
        // Even with every character doubtful, no single combination of confusions stands out.
        let doubtful: Vec<ReadLine> = lines
            .iter()
            .map(|l| ReadLine::from_text_with_prob(l, 0.6))
            .collect();
        for m in [
            parse_text(&lines).unwrap(),
            parse_read(&read(&lines)).unwrap(),
            parse_read(&doubtful).unwrap(),
        ] {
            assert!(!m.valid);
            assert_eq!(m.lines, lines);
            assert!(m.repairs.is_empty());
            let dob = &m.checks[1];
            assert_eq!((dob.printed, dob.computed, dob.ok), ('3', Some(2), false));
            assert!(!m.checks[4].ok);
        }
    }

    #[test]
    fn letters_in_numeric_fields_are_repaired_by_field_type() {
        let garbled = [
            "P<UT0ERIK55ON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O",
        ];
        let lines: Vec<ReadLine> = garbled
            .iter()
            .map(|l| ReadLine::from_text_with_prob(l, 0.85))
            .collect();
        let m = parse_read(&lines).unwrap();
        assert_eq!(m.lines, UTO_TD3);
        assert!(m.valid, "{:?}", m.checks);
        assert!(m
            .repairs
            .iter()
            .all(|r| r.reason == RepairReason::FieldType));
        assert!(m.repairs.contains(&Repair {
            line: 1,
            column: 16,
            from: 'B',
            to: '8',
            reason: RepairReason::FieldType,
        }));
        assert_eq!(m.repairs.len(), 10);
        assert!((m.min_confidence - 0.15).abs() < 1e-6);
        assert!(m.confidence > 0.15 && m.confidence < 0.85);
    }

    #[test]
    fn a_failing_check_digit_picks_the_alternative_that_passes() {
        // Document number position 1 read as B (0.55) rather than 8 (0.45): both fit an
        // alphanumeric field, only 8 fits the check digit.
        let lines = vec![
            ReadLine::from_text(UTO_TD3[0]),
            read_with_alternatives(
                "LB98902C36UTO7408122F1204159ZE184226B<<<<<10",
                &[(1, '8', 0.45)],
            ),
        ];
        let m = parse_read(&lines).unwrap();
        assert_eq!(m.lines, UTO_TD3);
        assert!(m.valid);
        assert_eq!(
            m.repairs,
            vec![Repair {
                line: 1,
                column: 1,
                from: 'B',
                to: '8',
                reason: RepairReason::CheckDigit,
            }]
        );
        assert!((m.min_confidence - 0.45).abs() < 1e-6);
    }

    #[test]
    fn a_check_over_characters_the_recogniser_doubted_does_not_vouch_for_them() {
        // Four document-number characters each read at 0.35: the digit matches as read, but
        // the read as a whole is at 0.35^4 = 0.015, and a misread keeps a check digit one
        // time in ten.
        let doubted: Vec<(usize, char, f32)> = [(0, 'I'), (2, 'B'), (3, 'G'), (4, 'Z')]
            .iter()
            .map(|&(col, alt)| (col, alt, 0.3))
            .collect();
        let mut second = read_with_alternatives(UTO_TD3[1], &doubted);
        for &(col, _, _) in &doubted {
            second.positions[col][0].prob = 0.35;
            second.positions[col][1].prob = 0.3;
        }
        let m = parse_read(&[ReadLine::from_text(UTO_TD3[0]), second]).unwrap();
        assert_eq!(m.lines, UTO_TD3);
        let doc = &m.checks[0];
        assert_eq!(doc.field, CheckField::DocumentNumber);
        assert!(doc.ok && doc.doubtful, "{doc:?}");
        assert!((doc.confidence - 0.35f32.powi(4)).abs() < 1e-4);
        assert!(!m.valid, "a doubtful check leaves the MRZ not valid");
        assert!(m.checks[1..].iter().all(|c| c.ok && !c.doubtful));
    }

    #[test]
    fn the_composite_vouches_only_for_what_no_field_check_covers() {
        // Two document-number characters read as B (0.55) where 8 and 9 (0.45) were printed,
        // which the check digit repairs (each counts at its own 0.45: 0.2 in all), and two
        // letters in the birth date, which the field's rule replaces (each counts at its
        // top-1's 0.55: 0.3). Each field's own check vouches, and the composite, over both,
        // does not count them again.
        let alts = [
            (1, 'B', 0.55),
            (2, 'B', 0.55),
            (13, 'Z', 0.55),
            (14, 'I', 0.55),
        ];
        let m = parse_read(&[
            ReadLine::from_text(UTO_TD3[0]),
            read_with_alternatives(UTO_TD3[1], &alts),
        ])
        .unwrap();
        assert_eq!(m.lines, UTO_TD3);
        assert!(m.valid, "{:?}", m.checks);
        assert!((m.checks[0].confidence - 0.45f32.powi(2)).abs() < 1e-4);
        assert!((m.checks[1].confidence - 0.55f32.powi(2)).abs() < 1e-4);
        let composite = m.checks.last().unwrap();
        assert_eq!(composite.field, CheckField::Composite);
        assert!(composite.confidence > 0.99, "{composite:?}");
    }

    #[test]
    fn the_composite_settles_between_alternatives_that_each_fix_a_field() {
        // The birth date's first digit (1 or 7) and its fifth (1 or 5) are equally doubtful,
        // and either change alone fixes the birth date's check digit; only the true one also
        // fixes the composite. (Document-number changes would not do here: in TD3 the
        // composite weighs them as their own check does.)
        let lines = vec![
            ReadLine::from_text(UTO_TD3[0]),
            read_with_alternatives(
                "L898902C36UTO1408122F1204159ZE184226B<<<<<10",
                &[(13, '7', 0.45), (17, '5', 0.45)],
            ),
        ];
        let m = parse_read(&lines).unwrap();
        assert_eq!(m.lines, UTO_TD3);
        assert!(m.valid);
        assert_eq!(m.repairs.len(), 1);
        assert_eq!((m.repairs[0].column, m.repairs[0].to), (13, '7'));
        assert_eq!(m.repairs[0].reason, RepairReason::CheckDigit);
    }

    #[test]
    fn an_improbable_alternative_does_not_repair_a_check_digit() {
        let lines = vec![
            ReadLine::from_text(UTO_TD3[0]),
            read_with_alternatives(
                "LB98902C36UTO7408122F1204159ZE184226B<<<<<10",
                &[(1, '8', 0.02)],
            ),
        ];
        let m = parse_read(&lines).unwrap();
        assert!(!m.valid);
        assert!(m.repairs.is_empty());
        assert_eq!(m.lines[1], "LB98902C36UTO7408122F1204159ZE184226B<<<<<10");
    }

    #[test]
    fn an_unknown_state_code_is_repaired_to_the_one_a_confusion_makes() {
        // `UTD` names no state; D for O is a common confusion and UTO is a known code.
        let utd = "L898902C36UTD7408122F1204159ZE184226B<<<<<10";
        let m = parse_read(&[
            ReadLine::from_text(UTO_TD3[0]),
            read_with_alternatives(utd, &[(12, 'O', 0.2)]),
        ])
        .unwrap();
        assert_eq!(m.lines, UTO_TD3);
        assert_eq!(m.fields.nationality, "UTO");
        assert_eq!(m.repairs.len(), 1);
        assert_eq!(m.repairs[0].reason, RepairReason::CountryCode);
        // A known code stays as read, and so does an unknown one that no single
        // confusion turns into a known one.
        let m = parse_read(&read(&[UTO_TD3[0], UTO_TD3[1]])).unwrap();
        assert!(m.repairs.is_empty());
        let odd = "L898902C36QQQ7408122F1204159ZE184226B<<<<<10";
        let m = parse_read(&read(&[UTO_TD3[0], odd])).unwrap();
        assert_eq!(m.lines[1], odd);
        // Nor does one read with certainty: only a confusion partner the recogniser gave
        // nothing supports the change, and codes outside the list are printed too.
        let m = parse_read(&read(&[UTO_TD3[0], utd])).unwrap();
        assert_eq!(m.lines[1], utd);
    }

    #[test]
    fn a_filler_beside_a_digit_in_a_date_is_a_zero_read_wrong() {
        // 850101 read 85<101: the check digit passes either way (both count 0).
        let filler = "ZE000509<9CAN85<1019F2301147<<<<<<<<<<<<<<08";
        let name = "P<CANMARTIN<<SARAH<<<<<<<<<<<<<<<<<<<<<<<<<<";
        let m = parse_read(&read(&[name, filler])).unwrap();
        assert_eq!(m.fields.birth_date, "850101");
        assert!(m.valid);
        assert_eq!(m.repairs.len(), 1);
        assert_eq!(
            (m.repairs[0].column, m.repairs[0].reason),
            (15, RepairReason::DatePart)
        );
        // Text taken as given keeps it, and says why it is not valid.
        let m = parse_text(&[name, filler]).unwrap();
        assert!(!m.valid);
        let v: Vec<_> = m.violations.iter().map(|v| (v.field, v.column)).collect();
        assert_eq!(v, [(FieldName::BirthDate, 15)]);
        // A part left unknown is two fillers, as printed.
        let unknown = "ZE000509<9CAN85<<<<2F2301147<<<<<<<<<<<<<<00";
        let m = parse_text(&[name, unknown]).unwrap();
        assert!(m.violations.is_empty(), "{:?}", m.violations);
        let m = parse_read(&read(&[name, unknown])).unwrap();
        assert!(m.repairs.is_empty());
        assert_eq!(m.lines[1], unknown);
    }

    #[test]
    fn os_among_the_zeros_of_a_document_number_are_zeros() {
        // Os at a weight-7 and a weight-3 position: every check digit passes either way.
        let zeros = "X0000000<1UTO7408122F1204159<<<<<<<<<<<<<<08";
        let mixed = "X000O0O0<1UTO7408122F1204159<<<<<<<<<<<<<<08";
        let m = parse_read(&read(&[UTO_TD3[0], mixed])).unwrap();
        assert_eq!(m.lines[1], zeros);
        assert!(m.valid);
        assert!(m.repairs.iter().all(|r| r.reason == RepairReason::ZeroRun));
        assert_eq!(m.repairs.len(), 2);
        // Mostly Os among zeros are zeros too (weights 3+1+7+3+1: the checks pass either way).
        let most = "XOOOOO00<1UTO7408122F1204159<<<<<<<<<<<<<<08";
        let m = parse_read(&read(&[UTO_TD3[0], most])).unwrap();
        assert_eq!(m.lines[1], zeros);
        assert_eq!(m.repairs.len(), 5);
        // A run whose passing check digit holds only with its Os stays as read.
        let os = "XOOO0<<<<5UTO7408122F1204159<<<<<<<<<<<<<<00";
        let m = parse_read(&read(&[UTO_TD3[0], os])).unwrap();
        assert_eq!(m.fields.document_number, "XOOO0");
        let m = parse_read(&read(&[UTO_TD3[0], UTO_TD3[1]])).unwrap();
        assert!(m.repairs.is_empty());
    }

    #[test]
    fn a_lone_letter_in_trailing_fillers_is_a_filler() {
        let lines = read(&["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<K<<<<<<<", UTO_TD3[1]]);
        let m = parse_read(&lines).unwrap();
        assert_eq!(m.lines, UTO_TD3);
        assert_eq!(m.repairs[0].reason, RepairReason::FillerRun);
        // An initial after a single filler is a name.
        let initial = "P<UTONILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K";
        let m = parse_read(&read(&[initial, UTO_TD3[1]])).unwrap();
        assert_eq!(m.lines[0], initial);
        assert_eq!(m.fields.given_names, "CHAYAPA DEJTHAMRONG K");
    }

    #[test]
    fn a_field_that_bends_the_rules_stays_as_read() {
        // Romanian ID cards print 132 as nationality; the 3 has no letter it could be, so the
        // 1 and 2 are not turned into I and Z either.
        let lines = [
            "IDROUSAVA<<SUPERMAN<<<<<<<<<<<<<<<<<",
            "HD198025<51328505095M130509012049941",
        ];
        let m = parse_read(&read(&lines)).unwrap();
        assert_eq!(m.format, Format::TD2);
        assert!(m.valid);
        assert!(m.repairs.is_empty());
        assert_eq!(m.fields.nationality, "132");
    }

    #[test]
    fn the_french_id_card_has_its_own_layout() {
        let m = parse_text(&[
            "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
            "9409923102854CORINNE<<<<<<<6512068F4",
        ])
        .unwrap();
        assert_eq!(m.format, Format::FrenchId);
        assert!(m.valid);
        assert_eq!(m.fields.surname, "BERTHIER");
        assert_eq!(m.fields.given_names, "CORINNE");
        assert_eq!(m.fields.document_number, "940992310285");
        assert_eq!(m.fields.birth_date, "651206");
        assert_eq!(m.fields.expiry_date, "");
        assert_eq!(m.checks.len(), 3);
    }

    #[test]
    fn visas_are_told_from_passports_by_their_document_code() {
        let a = parse_text(&[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX7408122F96121096ZE184226B<<<<<<",
        ])
        .unwrap();
        assert_eq!((a.format, a.valid), (Format::MRVA, true));
        assert_eq!(a.checks.len(), 3);
        let b = parse_text(&[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX7408122F9612109<<<<<<<<",
        ])
        .unwrap();
        assert_eq!((b.format, b.valid), (Format::MRVB, true));
        assert_eq!(b.fields.nationality, "XXX");
    }

    #[test]
    fn shapes_no_format_has_are_errors() {
        assert_eq!(parse_text(&[UTO_TD3[0]]), Err(MrzError::LineCount(1)));
        assert_eq!(
            parse_text(&[&UTO_TD3[0][..40], &UTO_TD3[1][..40]]),
            Err(MrzError::Shape(vec![40, 40]))
        );
        let mut lines = read(&UTO_TD3);
        lines[1].positions[3].clear();
        assert_eq!(
            parse_read(&lines),
            Err(MrzError::EmptyPosition { line: 1, column: 3 })
        );
    }

    #[test]
    fn lines_are_trimmed_and_counted_in_characters() {
        let m = parse_text(&[
            "  IDESPAAA1000014<00000023T<<<<<\r",
            "7212018F1101236ESP<<<<<<<<<<<8",
            "ESPAÑOLA<ESPAÑOLA<CARMEN<<<<<<",
        ])
        .unwrap();
        assert_eq!(m.format, Format::TD1);
        assert!(!m.valid);
        assert_eq!(m.fields.surname, "ESPAÑOLA ESPAÑOLA CARMEN");
    }

    #[test]
    fn results_serialise_with_snake_case_names() {
        let m = parse_text(&UTO_TD3).unwrap();
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["format"], "TD3");
        assert_eq!(json["fields"]["given_names"], "ANNA MARIA");
        assert_eq!(json["fields"]["optional_data_2"], serde_json::Value::Null);
        assert_eq!(json["checks"][0]["field"], "document_number");
        assert_eq!(json["checks"][0]["printed"], "6");
        assert_eq!(json["checks"][0]["computed"], 6);
        let r = serde_json::to_value(Repair {
            line: 1,
            column: 2,
            from: 'O',
            to: '0',
            reason: RepairReason::CheckDigit,
        })
        .unwrap();
        assert_eq!(r["reason"], "check_digit");
    }
}
