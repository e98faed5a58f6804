//! Field layouts of the MRZ formats, one const table per format.
//!
//! Lines and columns are 0-based. Every position of every line belongs to exactly one field row
//! or is a check digit (a row's `check` column, or the composite digit); a unit test holds the
//! tables to that.

use serde::Serialize;

/// The MRZ formats this parser reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// ID-1 card (ID cards, residence permits): 3 lines of 30, ICAO 9303 Part 5.
    TD1,
    /// ID-2 card or official travel document: 2 lines of 36, Part 6.
    TD2,
    /// Passport (machine-readable passport): 2 lines of 44, Part 4.
    TD3,
    /// Visa of format A: 2 lines of 44, document code `V`, Part 7.
    MRVA,
    /// Visa of format B: 2 lines of 36, document code `V`, Part 7.
    MRVB,
    /// French national identity card (1988-2021 design): 2 lines of 36 starting `IDFRA`, a
    /// national layout that is not ICAO's.
    #[serde(rename = "FRA_ID")]
    FrenchId,
}

/// What a field means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    DocumentCode,
    IssuingState,
    /// Primary and secondary identifiers together, split at the first `<<`.
    Name,
    /// The French ID's surname line.
    Surname,
    /// The French ID's given-names field.
    GivenNames,
    DocumentNumber,
    Nationality,
    BirthDate,
    Sex,
    ExpiryDate,
    OptionalData,
    OptionalData2,
}

/// Which characters a field may hold; the filler `<` is allowed everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `A`-`Z`: codes and names.
    Alpha,
    /// `0`-`9`: dates (`<` marks an unknown part).
    Numeric,
    /// `A`-`Z` and `0`-`9`: document numbers and optional data.
    AlphaNum,
    /// `F`, `M`, `X` (or `<`).
    Sex,
    /// One letter per position: `A` alphabetic, `N` numeric, `X` alphanumeric.
    Mask(&'static str),
    /// A document code: the first character one of `first`, the second alphabetic, or
    /// alphanumeric when `digit_second` (cards: US permanent resident cards print `C1`).
    Code {
        first: &'static str,
        digit_second: bool,
    },
}

/// The character class of one position, after resolving masks; check digits have their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    Alpha,
    Numeric,
    AlphaNum,
    Sex,
    /// `0`-`9`, or `<` (allowed over an all-filler field and in a TD1/TD2 long document number).
    CheckDigit,
    /// One of these letters, never the filler: the first character of a document code.
    OneOf(&'static str),
}

impl CharClass {
    /// Whether `c` may stand in a position of this class.
    pub fn allows(self, c: char) -> bool {
        if let CharClass::OneOf(letters) = self {
            return letters.contains(c);
        }
        c == '<'
            || match self {
                CharClass::Alpha => c.is_ascii_uppercase(),
                CharClass::Numeric | CharClass::CheckDigit => c.is_ascii_digit(),
                CharClass::AlphaNum => c.is_ascii_uppercase() || c.is_ascii_digit(),
                CharClass::Sex => matches!(c, 'F' | 'M' | 'X'),
                CharClass::OneOf(_) => false,
            }
    }
}

impl FieldKind {
    /// The class of the position `offset` characters into the field.
    pub fn class_at(self, offset: usize) -> CharClass {
        match self {
            FieldKind::Alpha => CharClass::Alpha,
            FieldKind::Numeric => CharClass::Numeric,
            FieldKind::AlphaNum => CharClass::AlphaNum,
            FieldKind::Sex => CharClass::Sex,
            FieldKind::Code { first, .. } if offset == 0 => CharClass::OneOf(first),
            FieldKind::Code { digit_second, .. } => {
                if digit_second {
                    CharClass::AlphaNum
                } else {
                    CharClass::Alpha
                }
            }
            FieldKind::Mask(mask) => match mask.as_bytes().get(offset) {
                Some(b'A') => CharClass::Alpha,
                Some(b'N') => CharClass::Numeric,
                _ => CharClass::AlphaNum,
            },
        }
    }
}

/// One row of a layout table.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: FieldName,
    /// Line index (0-based).
    pub line: usize,
    /// First column (0-based).
    pub start: usize,
    pub len: usize,
    pub kind: FieldKind,
    /// Column of this field's check digit, on the same line; `None` if it has none.
    pub check: Option<usize>,
}

/// A (line, start, len) stretch of text.
pub type Span = (usize, usize, usize);

/// The composite check digit: computed over `ranges` concatenated, printed at (`line`, `column`).
#[derive(Clone, Copy, Debug)]
pub struct CompositeSpec {
    pub ranges: &'static [Span],
    pub line: usize,
    pub column: usize,
}

/// A whole format: its shape, fields and composite.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub format: Format,
    pub line_count: usize,
    pub line_len: usize,
    pub fields: &'static [FieldSpec],
    pub composite: Option<CompositeSpec>,
    /// TD1 and TD2 allow a document number longer than 9 characters (Part 5 note j, Part 6):
    /// the first 9 in the field, `<` in its check-digit position, the rest and then the check
    /// digit at the start of the optional data.
    pub long_document_number: bool,
}

use FieldKind::{Alpha, AlphaNum, Mask, Numeric, Sex};
use FieldName as F;

const fn row(
    name: FieldName,
    line: usize,
    start: usize,
    len: usize,
    kind: FieldKind,
    check: Option<usize>,
) -> FieldSpec {
    FieldSpec {
        name,
        line,
        start,
        len,
        kind,
        check,
    }
}

// Document codes (Doc 9303 Parts 4 to 7): passports `P` (and `I` on Slovak 2x44 ID cards),
// cards `I`, `A` or `C`, visas `V`. The second character of a TD1/TD2 code is the issuer's
// choice and real cards print digits there (US permanent resident cards: `C1`).
const CARD_CODE: FieldKind = FieldKind::Code {
    first: "ACI",
    digit_second: true,
};
const PASSPORT_CODE: FieldKind = FieldKind::Code {
    first: "PI",
    digit_second: false,
};
const VISA_CODE: FieldKind = FieldKind::Code {
    first: "V",
    digit_second: false,
};
const FRENCH_CODE: FieldKind = FieldKind::Code {
    first: "I",
    digit_second: false,
};

/// TD3 (Part 4, Appendix to section 4): passports.
pub const TD3_FIELDS: &[FieldSpec] = &[
    //  field                 line start len  kind      check
    row(F::DocumentCode, 0, 0, 2, PASSPORT_CODE, None),
    row(F::IssuingState, 0, 2, 3, Alpha, None),
    row(F::Name, 0, 5, 39, Alpha, None),
    row(F::DocumentNumber, 1, 0, 9, AlphaNum, Some(9)),
    row(F::Nationality, 1, 10, 3, Alpha, None),
    row(F::BirthDate, 1, 13, 6, Numeric, Some(19)),
    row(F::Sex, 1, 20, 1, Sex, None),
    row(F::ExpiryDate, 1, 21, 6, Numeric, Some(27)),
    // The personal number.
    row(F::OptionalData, 1, 28, 14, AlphaNum, Some(42)),
];

/// TD2 (Part 6).
pub const TD2_FIELDS: &[FieldSpec] = &[
    row(F::DocumentCode, 0, 0, 2, CARD_CODE, None),
    row(F::IssuingState, 0, 2, 3, Alpha, None),
    row(F::Name, 0, 5, 31, Alpha, None),
    row(F::DocumentNumber, 1, 0, 9, AlphaNum, Some(9)),
    row(F::Nationality, 1, 10, 3, Alpha, None),
    row(F::BirthDate, 1, 13, 6, Numeric, Some(19)),
    row(F::Sex, 1, 20, 1, Sex, None),
    row(F::ExpiryDate, 1, 21, 6, Numeric, Some(27)),
    row(F::OptionalData, 1, 28, 7, AlphaNum, None),
];

/// TD1 (Part 5): ID cards.
pub const TD1_FIELDS: &[FieldSpec] = &[
    row(F::DocumentCode, 0, 0, 2, CARD_CODE, None),
    row(F::IssuingState, 0, 2, 3, Alpha, None),
    row(F::DocumentNumber, 0, 5, 9, AlphaNum, Some(14)),
    row(F::OptionalData, 0, 15, 15, AlphaNum, None),
    row(F::BirthDate, 1, 0, 6, Numeric, Some(6)),
    row(F::Sex, 1, 7, 1, Sex, None),
    row(F::ExpiryDate, 1, 8, 6, Numeric, Some(14)),
    row(F::Nationality, 1, 15, 3, Alpha, None),
    row(F::OptionalData2, 1, 18, 11, AlphaNum, None),
    row(F::Name, 2, 0, 30, Alpha, None),
];

/// MRV-A (Part 7): visas on a 44-character line; no composite.
pub const MRVA_FIELDS: &[FieldSpec] = &[
    row(F::DocumentCode, 0, 0, 2, VISA_CODE, None),
    row(F::IssuingState, 0, 2, 3, Alpha, None),
    row(F::Name, 0, 5, 39, Alpha, None),
    row(F::DocumentNumber, 1, 0, 9, AlphaNum, Some(9)),
    row(F::Nationality, 1, 10, 3, Alpha, None),
    row(F::BirthDate, 1, 13, 6, Numeric, Some(19)),
    row(F::Sex, 1, 20, 1, Sex, None),
    row(F::ExpiryDate, 1, 21, 6, Numeric, Some(27)),
    row(F::OptionalData, 1, 28, 16, AlphaNum, None),
];

/// MRV-B (Part 7): visas on a 36-character line; no composite.
pub const MRVB_FIELDS: &[FieldSpec] = &[
    row(F::DocumentCode, 0, 0, 2, VISA_CODE, None),
    row(F::IssuingState, 0, 2, 3, Alpha, None),
    row(F::Name, 0, 5, 31, Alpha, None),
    row(F::DocumentNumber, 1, 0, 9, AlphaNum, Some(9)),
    row(F::Nationality, 1, 10, 3, Alpha, None),
    row(F::BirthDate, 1, 13, 6, Numeric, Some(19)),
    row(F::Sex, 1, 20, 1, Sex, None),
    row(F::ExpiryDate, 1, 21, 6, Numeric, Some(27)),
    row(F::OptionalData, 1, 28, 8, AlphaNum, None),
];

/// French national ID card (the layout npm `mrz` and mrz-java read): line 1 is `ID`, `FRA`, the
/// surname (25) and a 6-character administrative code; line 2 is the 12-character card number
/// (issue year and month YYMM, the issuing office's 3 characters, a 5-digit sequence) with its
/// check digit, the given names (14), the birth date with its check digit, the sex and a
/// composite over both lines. It has no nationality or expiry field.
pub const FRENCH_ID_FIELDS: &[FieldSpec] = &[
    row(F::DocumentCode, 0, 0, 2, FRENCH_CODE, None),
    row(F::IssuingState, 0, 2, 3, Alpha, None),
    row(F::Surname, 0, 5, 25, Alpha, None),
    row(F::OptionalData, 0, 30, 6, AlphaNum, None),
    row(F::DocumentNumber, 1, 0, 12, Mask("NNNNXXXNNNNN"), Some(12)),
    row(F::GivenNames, 1, 13, 14, Alpha, None),
    row(F::BirthDate, 1, 27, 6, Numeric, Some(33)),
    row(F::Sex, 1, 34, 1, Sex, None),
];

/// The layout of each format.
pub const TD3_LAYOUT: Layout = Layout {
    format: Format::TD3,
    line_count: 2,
    line_len: 44,
    fields: TD3_FIELDS,
    composite: Some(CompositeSpec {
        ranges: &[(1, 0, 10), (1, 13, 7), (1, 21, 22)],
        line: 1,
        column: 43,
    }),
    long_document_number: false,
};

pub const TD2_LAYOUT: Layout = Layout {
    format: Format::TD2,
    line_count: 2,
    line_len: 36,
    fields: TD2_FIELDS,
    composite: Some(CompositeSpec {
        ranges: &[(1, 0, 10), (1, 13, 7), (1, 21, 14)],
        line: 1,
        column: 35,
    }),
    long_document_number: true,
};

pub const TD1_LAYOUT: Layout = Layout {
    format: Format::TD1,
    line_count: 3,
    line_len: 30,
    fields: TD1_FIELDS,
    composite: Some(CompositeSpec {
        ranges: &[(0, 5, 25), (1, 0, 7), (1, 8, 7), (1, 18, 11)],
        line: 1,
        column: 29,
    }),
    long_document_number: true,
};

pub const MRVA_LAYOUT: Layout = Layout {
    format: Format::MRVA,
    line_count: 2,
    line_len: 44,
    fields: MRVA_FIELDS,
    composite: None,
    long_document_number: false,
};

pub const MRVB_LAYOUT: Layout = Layout {
    format: Format::MRVB,
    line_count: 2,
    line_len: 36,
    fields: MRVB_FIELDS,
    composite: None,
    long_document_number: false,
};

pub const FRENCH_ID_LAYOUT: Layout = Layout {
    format: Format::FrenchId,
    line_count: 2,
    line_len: 36,
    fields: FRENCH_ID_FIELDS,
    composite: Some(CompositeSpec {
        ranges: &[(0, 0, 36), (1, 0, 35)],
        line: 1,
        column: 35,
    }),
    long_document_number: false,
};

/// Every layout, in the order [`formats_for_lengths`] lists them.
pub const LAYOUTS: &[Layout] = &[
    TD1_LAYOUT,
    TD2_LAYOUT,
    TD3_LAYOUT,
    MRVA_LAYOUT,
    MRVB_LAYOUT,
    FRENCH_ID_LAYOUT,
];

impl Format {
    /// This format's layout table.
    pub fn layout(self) -> &'static Layout {
        match self {
            Format::TD1 => &TD1_LAYOUT,
            Format::TD2 => &TD2_LAYOUT,
            Format::TD3 => &TD3_LAYOUT,
            Format::MRVA => &MRVA_LAYOUT,
            Format::MRVB => &MRVB_LAYOUT,
            Format::FrenchId => &FRENCH_ID_LAYOUT,
        }
    }
}

/// Which formats a set of line lengths may be (e.g. `[44, 44]` gives `[TD3, MRVA]`); empty when
/// none has that shape.
pub fn formats_for_lengths(lens: &[usize]) -> Vec<Format> {
    LAYOUTS
        .iter()
        .filter(|l| lens.len() == l.line_count && lens.iter().all(|&n| n == l.line_len))
        .map(|l| l.format)
        .collect()
}

impl Layout {
    /// The row a field name has in this layout.
    pub fn field(&self, name: FieldName) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The class of every position, line by line, and the group each position is repaired
    /// with: the index of its field row, or `None` for a check digit (repaired alone).
    pub fn position_classes(&self) -> Vec<Vec<(CharClass, Option<usize>)>> {
        let mut grid = vec![vec![(CharClass::AlphaNum, None); self.line_len]; self.line_count];
        for (i, f) in self.fields.iter().enumerate() {
            for offset in 0..f.len {
                grid[f.line][f.start + offset] = (f.kind.class_at(offset), Some(i));
            }
            if let Some(col) = f.check {
                grid[f.line][col] = (CharClass::CheckDigit, None);
            }
        }
        if let Some(c) = self.composite {
            grid[c.line][c.column] = (CharClass::CheckDigit, None);
        }
        grid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_covers_each_position_exactly_once() {
        for layout in LAYOUTS {
            let mut seen = vec![vec![0u32; layout.line_len]; layout.line_count];
            for f in layout.fields {
                for n in &mut seen[f.line][f.start..f.start + f.len] {
                    *n += 1;
                }
                if let Some(col) = f.check {
                    seen[f.line][col] += 1;
                }
                if let FieldKind::Mask(mask) = f.kind {
                    assert_eq!(mask.len(), f.len, "{:?} {:?} mask", layout.format, f.name);
                }
            }
            if let Some(c) = layout.composite {
                seen[c.line][c.column] += 1;
            }
            for (line, counts) in seen.iter().enumerate() {
                for (col, &n) in counts.iter().enumerate() {
                    assert_eq!(n, 1, "{:?} line {line} column {col}", layout.format);
                }
            }
        }
    }

    #[test]
    fn line_lengths_name_the_possible_formats() {
        use Format::*;
        assert_eq!(formats_for_lengths(&[44, 44]), vec![TD3, MRVA]);
        assert_eq!(formats_for_lengths(&[36, 36]), vec![TD2, MRVB, FrenchId]);
        assert_eq!(formats_for_lengths(&[30, 30, 30]), vec![TD1]);
        assert!(formats_for_lengths(&[44, 36]).is_empty());
        assert!(formats_for_lengths(&[30, 30]).is_empty());
        assert!(formats_for_lengths(&[45, 45]).is_empty());
    }

    #[test]
    fn the_french_id_serialises_as_fra_id() {
        assert_eq!(
            serde_json::to_string(&Format::FrenchId).unwrap(),
            "\"FRA_ID\""
        );
        assert_eq!(serde_json::to_string(&Format::MRVA).unwrap(), "\"MRVA\"");
    }
}
