//! The ICAO 9303 check digit (Part 3, 4.9): the only place it is computed.

/// The value of one MRZ character in the check-digit sum: `0`-`9` are 0-9, `A`-`Z` are 10-35
/// and the filler `<` is 0. Any other character has no value.
pub fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// The ICAO 7-3-1 check digit of a field (0-9): the character values weighted 7, 3, 1, 7, 3, 1, ...
/// from the left, summed, modulo 10. `None` if the field holds a character outside `0-9A-Z<`.
pub fn check_digit(field: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (c, weight) in field.chars().zip([7u32, 3, 1].into_iter().cycle()) {
        sum += char_value(c)? * weight;
    }
    Some((sum % 10) as u8)
}

/// Whether a printed check character confirms `value`: its digit equals the computed one, or it
/// is the filler `<` over a value made only of fillers (Doc 9303 lets an empty optional field
/// carry `<` or `0` as its check digit; `0` is what the sum gives anyway).
pub fn check_matches(value: &str, printed: char) -> bool {
    match printed {
        '0'..='9' => check_digit(value) == Some(printed as u8 - b'0'),
        '<' => value.chars().all(|c| c == '<'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_part3_worked_examples_give_their_check_digits() {
        // Doc 9303 Part 3, Appendix A, examples 1 to 5.
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("AB2134<<<"), Some(5));
        assert_eq!(
            check_digit("HA672242<658022549601086<<<<<<<<<<<<<<0"),
            Some(8)
        );
        assert_eq!(
            check_digit("D231458907<<<<<<<<<<<<<<<34071279507122<<<<<<<<<<<"),
            Some(2)
        );
        assert_eq!(check_digit("HA672242<658022549601086<<<<<<<"), Some(8));
    }

    #[test]
    fn characters_outside_the_mrz_alphabet_have_no_check_digit() {
        assert_eq!(check_digit("AB1c"), None);
        assert_eq!(check_digit("ESPAÑOLA"), None);
        assert_eq!(check_digit(""), Some(0));
    }

    #[test]
    fn a_filler_check_digit_confirms_only_an_all_filler_field() {
        assert!(check_matches("<<<<<<<<<<<<<<", '<'));
        assert!(check_matches("<<<<<<<<<<<<<<", '0'));
        assert!(!check_matches("ZE184226B<<<<<", '<'));
        assert!(check_matches("ZE184226B<<<<<", '1'));
        assert!(!check_matches("ZE184226B<<<<<", 'I'));
    }
}
