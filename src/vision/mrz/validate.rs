//! Which characters each check digit covers, and the verdict on each.

use super::check::{check_digit, check_matches};
use super::formats::{FieldName, Layout};
use super::types::{CheckField, CheckResult};

/// A (line, column) position.
pub(crate) type Pos = (usize, usize);

/// One check digit and the characters it covers.
#[derive(Clone, Debug)]
pub(crate) struct CheckSpan {
    pub field: CheckField,
    /// The covered positions in order. A TD1/TD2 long document number has two readings, with and
    /// without the `<` between the first 9 characters and the rest: issuers differ (Belgium's
    /// BEL-BO-03003 includes it, BEL-BO-11005 does not), so either may confirm the digit.
    pub variants: Vec<Vec<Pos>>,
    pub digit: Pos,
}

impl CheckSpan {
    fn value(&self, grid: &[Vec<char>], variant: usize) -> String {
        self.variants[variant]
            .iter()
            .map(|&(l, c)| grid[l][c])
            .collect()
    }

    /// Whether the printed digit confirms one of the readings.
    pub fn passes(&self, grid: &[Vec<char>]) -> bool {
        let printed = grid[self.digit.0][self.digit.1];
        (0..self.variants.len()).any(|v| check_matches(&self.value(grid, v), printed))
    }

    /// The verdict: the reading that passes, or else the first.
    pub fn evaluate(&self, grid: &[Vec<char>]) -> CheckResult {
        let printed = grid[self.digit.0][self.digit.1];
        let values: Vec<String> = (0..self.variants.len())
            .map(|v| self.value(grid, v))
            .collect();
        let hit = values.iter().position(|v| check_matches(v, printed));
        let value = values[hit.unwrap_or(0)].clone();
        CheckResult {
            field: self.field,
            computed: check_digit(&value),
            value,
            printed,
            ok: hit.is_some(),
            confidence: 1.0,
            doubtful: false,
        }
    }

    /// Every position the verdict depends on, the digit included.
    pub fn positions(&self) -> Vec<Pos> {
        let mut all: Vec<Pos> = self.variants.iter().flatten().copied().collect();
        all.push(self.digit);
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Where a TD1/TD2 document number longer than 9 characters continues: the positions of the
/// characters after the first 9 (in the optional data) and of its check digit. `None` when the
/// number is an ordinary one (its check position holds something other than `<`, or the
/// optional data starts with a filler).
pub(crate) fn long_document_number(layout: &Layout, grid: &[Vec<char>]) -> Option<(Vec<Pos>, Pos)> {
    if !layout.long_document_number {
        return None;
    }
    let doc = layout.field(FieldName::DocumentNumber)?;
    let opt = layout.field(FieldName::OptionalData)?;
    if grid[doc.line][doc.check?] != '<' {
        return None;
    }
    let rest = (opt.start..opt.start + opt.len)
        .take_while(|&c| grid[opt.line][c] != '<')
        .count();
    if rest == 0 {
        return None;
    }
    let overflow = (opt.start..opt.start + rest - 1)
        .map(|c| (opt.line, c))
        .collect();
    Some((overflow, (opt.line, opt.start + rest - 1)))
}

/// The check digits of `layout` as `grid` prints them: each field's own, in table order, then
/// the composite.
pub(crate) fn check_spans(layout: &Layout, grid: &[Vec<char>]) -> Vec<CheckSpan> {
    let mut spans = Vec::new();
    for f in layout.fields {
        let Some(check_col) = f.check else { continue };
        let field = match f.name {
            FieldName::DocumentNumber => CheckField::DocumentNumber,
            FieldName::BirthDate => CheckField::BirthDate,
            FieldName::ExpiryDate => CheckField::ExpiryDate,
            _ => CheckField::OptionalData,
        };
        let own: Vec<Pos> = (f.start..f.start + f.len).map(|c| (f.line, c)).collect();
        let span = match (f.name, long_document_number(layout, grid)) {
            (FieldName::DocumentNumber, Some((overflow, digit))) => {
                let mut without = own.clone();
                without.extend(&overflow);
                let mut with = own;
                with.push((f.line, check_col));
                with.extend(&overflow);
                CheckSpan {
                    field,
                    variants: vec![without, with],
                    digit,
                }
            }
            _ => CheckSpan {
                field,
                variants: vec![own],
                digit: (f.line, check_col),
            },
        };
        spans.push(span);
    }
    if let Some(c) = layout.composite {
        let covered = c
            .ranges
            .iter()
            .flat_map(|&(line, start, len)| (start..start + len).map(move |col| (line, col)))
            .collect();
        spans.push(CheckSpan {
            field: CheckField::Composite,
            variants: vec![covered],
            digit: (c.line, c.column),
        });
    }
    spans
}
