//! Reading the fields out of the text, by the layout tables.

use super::formats::{FieldName, Format, Layout};
use super::types::Fields;
use super::validate::long_document_number;

/// A field's text without fillers: leading and trailing `<` dropped, each inner run of `<`
/// turned into one space (`L898902C<` gives `L898902C`, `123456<AA` gives `123456 AA`).
pub fn strip_fillers(field: &str) -> String {
    field
        .split('<')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits an MRZ name field into (surname, given names) at the first `<<`, with fillers turned
/// into spaces: `ERIKSSON<<ANNA<MARIA<<<` gives (`ERIKSSON`, `ANNA MARIA`), `<<ANNA` gives
/// (``, `ANNA`) and a field with no `<<` is all surname. A truncated field (Doc 9303 Part 3
/// 4.6: components cut short, the last position a letter) splits the same way.
pub fn split_name(field: &str) -> (String, String) {
    let field = field.trim_end_matches('<');
    match field.find("<<") {
        Some(i) => (strip_fillers(&field[..i]), strip_fillers(&field[i + 2..])),
        None => (strip_fillers(field), String::new()),
    }
}

/// The fields of `grid` read by `layout`.
pub(crate) fn extract(layout: &Layout, grid: &[Vec<char>]) -> Fields {
    let raw = |name: FieldName| -> Option<String> {
        layout
            .field(name)
            .map(|f| grid[f.line][f.start..f.start + f.len].iter().collect())
    };
    let clean = |name: FieldName| raw(name).map(|s| strip_fillers(&s)).unwrap_or_default();
    // Doc 9303 marks truncation with a letter in the field's last position (though a name may
    // also fill the field exactly), so this says "may be".
    let ends_in_letter = |name: FieldName| {
        layout
            .field(name)
            .is_some_and(|f| grid[f.line][f.start + f.len - 1] != '<')
    };

    let (surname, given_names, names_may_be_truncated) = if layout.format == Format::FrenchId {
        (
            clean(FieldName::Surname),
            clean(FieldName::GivenNames),
            ends_in_letter(FieldName::Surname) || ends_in_letter(FieldName::GivenNames),
        )
    } else {
        let (s, g) = split_name(&raw(FieldName::Name).unwrap_or_default());
        (s, g, ends_in_letter(FieldName::Name))
    };

    let document_number = match long_document_number(layout, grid) {
        Some((overflow, _)) => {
            let first = raw(FieldName::DocumentNumber).unwrap_or_default();
            let rest: String = overflow.iter().map(|&(l, c)| grid[l][c]).collect();
            strip_fillers(&(first + &rest))
        }
        None => clean(FieldName::DocumentNumber),
    };

    Fields {
        document_code: clean(FieldName::DocumentCode),
        issuing_state: clean(FieldName::IssuingState),
        surname,
        given_names,
        names_may_be_truncated,
        document_number,
        nationality: match layout.format {
            // The French card has no nationality field; it is issued to French nationals only.
            Format::FrenchId => "FRA".to_string(),
            _ => clean(FieldName::Nationality),
        },
        birth_date: raw(FieldName::BirthDate).unwrap_or_default(),
        sex: clean(FieldName::Sex),
        expiry_date: raw(FieldName::ExpiryDate).unwrap_or_default(),
        optional_data: clean(FieldName::OptionalData),
        optional_data_2: raw(FieldName::OptionalData2).map(|s| strip_fillers(&s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_double_filler() {
        let split = |s: &str| {
            let (a, b) = split_name(s);
            (a, b)
        };
        assert_eq!(
            split("ERIKSSON<<ANNA<MARIA<<<<<<<<<<"),
            ("ERIKSSON".into(), "ANNA MARIA".into())
        );
        assert_eq!(
            split("<<ANNA<MARIA<<<<<<<<<<<<<<<<<<"),
            ("".into(), "ANNA MARIA".into())
        );
        assert_eq!(
            split("ARKFREITH<<<<<<<<<<<<<<<<<<<<<"),
            ("ARKFREITH".into(), "".into())
        );
        assert_eq!(
            split("SATRIYA<SUDARPA<<<<<<<<<<<<<<<"),
            ("SATRIYA SUDARPA".into(), "".into())
        );
        assert_eq!(
            split("NILAVADHANANANDA<<CHAYAPA<DE<K"),
            ("NILAVADHANANANDA".into(), "CHAYAPA DE K".into())
        );
        assert_eq!(split("NICOLAS<<PAUL<"), ("NICOLAS".into(), "PAUL".into()));
    }

    #[test]
    fn fillers_become_single_spaces() {
        assert_eq!(strip_fillers("L898902C<"), "L898902C");
        assert_eq!(strip_fillers("123456<AA"), "123456 AA");
        assert_eq!(strip_fillers("010195<112X<<<<"), "010195 112X");
        assert_eq!(strip_fillers("<<<"), "");
        assert_eq!(strip_fillers("D<<"), "D");
    }
}
