//! The types of a parsed MRZ and of recogniser output: what [`parse_read`](super::parse_read)
//! takes and gives.

use serde::Serialize;
use thiserror::Error;

use super::formats::{self, Format};

/// One recognised character position's alternative, best first in its list.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub ch: char,
    /// 0..=1; the probabilities of one position sum to at most 1.
    pub prob: f32,
}

/// One MRZ line as the recogniser read it: exactly one entry per printed character position,
/// each listing its alternatives best first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadLine {
    pub positions: Vec<Vec<Candidate>>,
}

impl ReadLine {
    /// Builds a line with certainty 1.0 per char (for text input and tests).
    pub fn from_text(s: &str) -> ReadLine {
        ReadLine::from_text_with_prob(s, 1.0)
    }

    /// Builds a line whose every character has probability `prob` and no alternative: the
    /// remaining `1 - prob` goes to the characters a recogniser confuses with it.
    pub fn from_text_with_prob(s: &str, prob: f32) -> ReadLine {
        ReadLine {
            positions: s.chars().map(|ch| vec![Candidate { ch, prob }]).collect(),
        }
    }

    /// The recogniser's top-1 text.
    pub fn top_text(&self) -> String {
        self.positions
            .iter()
            .map(|p| p.first().map_or('?', |c| c.ch))
            .collect()
    }
}

/// A parsed MRZ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mrz {
    pub format: Format,
    /// The final text, one string per line, exactly as printed (after repairs, for
    /// [`parse_read`]).
    pub lines: Vec<String>,
    /// Every check digit confirms its field and no character breaks a field's rules
    /// (see [`Mrz::violations`]).
    pub valid: bool,
    /// Geometric mean of the chosen characters' probabilities, 0..=1.
    pub confidence: f32,
    /// The smallest chosen character's probability, 0..=1.
    pub min_confidence: f32,
    /// One verdict per check digit: the field checks in line order, then the composite.
    pub checks: Vec<CheckResult>,
    /// Every position whose final character differs from the recogniser's top-1.
    pub repairs: Vec<Repair>,
    /// Characters that a field's rules refuse and no repair could replace: a document code
    /// that is not its format's, a letter in a date, a sex other than F, M, X or `<`.
    pub violations: Vec<Violation>,
    pub fields: Fields,
}

/// One character a field's rules refuse (see [`Mrz::violations`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// 0-based line index.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
    pub field: formats::FieldName,
    /// The character as read (and printed, as far as the reader can tell).
    pub found: char,
    /// What the position may hold, in words (`one of A, C, I`, `a digit or <`).
    pub allowed: String,
}

/// The fields of an MRZ. Text fields have their fillers stripped (leading and trailing `<`
/// dropped, inner runs of `<` turned into one space); dates are as printed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fields {
    /// `P`, `PP`, `I`, `ID`, `V`, `C1`, ...: the first one or two characters of line 1.
    pub document_code: String,
    /// ICAO 9303 code of the issuing state or organisation (`UTO`, `D`, `SI`); see
    /// [`country_name`].
    pub issuing_state: String,
    /// Primary identifier: the name part before the first `<<`.
    pub surname: String,
    /// Secondary identifier: the name part after it; empty if there is none.
    pub given_names: String,
    /// The name field ends in a letter: Doc 9303's mark of truncation (a name may also fill
    /// the field exactly, so it may be whole).
    pub names_may_be_truncated: bool,
    /// The whole document number, including the overflow of a TD1/TD2 long number. The French
    /// card's 12 characters are the issue year and month (YYMM), the issuing office (3) and a
    /// sequence number (5).
    pub document_number: String,
    /// ICAO 9303 code of the holder's nationality; `FRA` for the French card, which has no such
    /// field but is issued to French nationals only.
    pub nationality: String,
    /// `YYMMDD` as printed (`<` for unknown parts); see [`birth_date`] and [`ddmmyy`].
    pub birth_date: String,
    /// `F`, `M`, `X`, or empty when unspecified (`<`).
    pub sex: String,
    /// `YYMMDD` as printed; empty for the French card, which has none. See [`expiry_date`].
    pub expiry_date: String,
    /// Optional data of line 1 (TD1; for a long document number it still starts with the
    /// number's overflow and check digit), the personal number (TD3), the optional data of
    /// line 2 (TD2, MRV-A, MRV-B), or the French card's administrative code.
    pub optional_data: String,
    /// TD1 line 2's optional data; `None` in the other formats.
    pub optional_data_2: Option<String>,
}

/// Which field a check digit covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    /// TD3's personal number (the optional data of line 2).
    OptionalData,
    /// The composite check digit over several fields (TD1, TD2, TD3, French card).
    Composite,
}

/// One check digit's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    pub field: CheckField,
    /// The characters the digit covers, concatenated, fillers kept. For a TD1/TD2 long
    /// document number, the reading that passed (with or without the `<` after the first 9
    /// characters), or else the one without.
    pub value: String,
    /// The printed check character (`0`-`9`, `<`, or whatever was read).
    pub printed: char,
    /// The 7-3-1 digit of `value`; `None` if it holds a character outside `0-9A-Z<`.
    pub computed: Option<u8>,
    /// The printed character confirms the value (a `<` does so over an all-filler value).
    pub ok: bool,
    /// How sure the recogniser is of every character the check vouches for, the digit
    /// included: the product of their probabilities, 0..=1 (1 for text parsed as given). The
    /// composite vouches for the characters no field check covers.
    pub confidence: f32,
    /// The digit matches, but the recogniser was too unsure of what it covers for the match
    /// to vouch for the field (`confidence` below [`MIN_CHECK_CONFIDENCE`]): a misread can
    /// keep a check digit (one in ten random ones does), and a repair that the check itself
    /// chose is not confirmed by it. A doubtful check makes the MRZ not valid.
    pub doubtful: bool,
}

impl CheckResult {
    /// The digit matches and vouches for its field: `ok` and not `doubtful`.
    pub fn vouches(&self) -> bool {
        self.ok && !self.doubtful
    }
}

/// The least [`CheckResult::confidence`] at which a matching check digit vouches for its field.
/// Chosen on the synthetic challenge set (training/challenge.py, seed 20261206; `read --json`,
/// line model run 9): of the valid reads there, 10 had a wrong character under a check, and 5
/// of those had a check below 0.02, while none of the 396 whose checked fields were right did
/// (the least: 0.021). On ../shared/data/real and its low-quality transform, which played no
/// part in the choice, the least right read's check was 0.033.
pub const MIN_CHECK_CONFIDENCE: f32 = 0.02;

/// One change from the recogniser's top-1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Repair {
    /// 0-based line index.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
    /// The recogniser's top-1.
    pub from: char,
    /// The character chosen.
    pub to: char,
    pub reason: RepairReason,
}

/// Why a character was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairReason {
    /// The top-1 is not a character the field can hold.
    FieldType,
    /// A lone letter in the fillers after a name.
    FillerRun,
    /// The change makes a failing check digit pass.
    CheckDigit,
    /// The state code as read names no state; the change makes it one.
    CountryCode,
    /// A letter O among zeros of a document number, read as the zero it stands among.
    ZeroRun,
    /// A filler beside a digit in a date's year, month or day, read as the zero it stands for.
    DatePart,
}

/// Why lines could not be parsed at all.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("an MRZ has 2 or 3 lines, not {0}")]
    LineCount(usize),
    #[error(
        "no MRZ format has lines of {0:?} characters \
         (TD1 3x30, TD2/MRV-B/French ID 2x36, TD3/MRV-A 2x44)"
    )]
    Shape(Vec<usize>),
    #[error("line {line}, column {column}: the recogniser gave no candidate")]
    EmptyPosition { line: usize, column: usize },
}
