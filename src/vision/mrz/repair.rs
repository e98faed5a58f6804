//! Choosing each position's character from the recogniser's alternatives: first by what the
//! field may hold, then, where a check digit fails, by a small search for the most probable
//! combination of alternatives that makes it pass.

use super::dates;
use super::formats::{CharClass, FieldName, Layout};
use super::types::{Candidate, ReadLine, RepairReason};
use super::validate::{check_spans, CheckSpan, Pos};

/// Probability given to a character that no evidence supports (a confusion partner of a
/// character the recogniser was certain of). It keeps the confidence finite and sits below
/// [`MIN_ALT_PROB`], so such characters never take part in a check-digit search.
pub const PROB_FLOOR: f32 = 0.01;
/// An alternative takes part in a check-digit search only from this probability up, ...
pub const MIN_ALT_PROB: f32 = 0.05;
/// ... and only if it has at least this share of the current character's probability: a
/// printed check digit that is wrong stays wrong unless the recogniser really doubted.
pub const MIN_ALT_RATIO: f32 = 0.15;
/// With more uncertain positions than this under the failing checks, one digit cannot tell
/// which to change: no search.
pub const MAX_SEARCH_POSITIONS: usize = 12;
/// Alternatives tried per position, likeliest first.
pub const MAX_ALTS_PER_POSITION: usize = 3;
/// Positions changed at once, at most.
pub const MAX_CHANGES: usize = 3;
/// Combinations tried, at most; a search that reaches it repairs nothing.
pub const MAX_COMBINATIONS: usize = 20_000;
/// The weight, relative to the read as it is, of "the read is right and the check fails":
/// a misprinted document, or a misread the alternatives do not cover.
pub const NO_REPAIR_WEIGHT: f64 = 0.1;
/// A combination is applied only if it carries more than this share of the weight of every
/// explanation (itself, the other passing combinations and [`NO_REPAIR_WEIGHT`]).
pub const MIN_SHARE: f64 = 0.5;

/// The weight, relative to the read as it is, of "the state code is printed as read and
/// names no state the list knows" in [`country_codes`]. Rarer than a misprinted check digit
/// ([`NO_REPAIR_WEIGHT`]), but not ruled out: a change that only a confusion partner at
/// [`PROB_FLOOR`] supports (ratio 0.01 to a character read at 0.99) carries a third of the
/// weight and is not made. On the synthetic challenge set (training/challenge.py, whose codes
/// are 5% random letters) such repairs turned three right reads (`GMK` -> `GM<`) wrong;
/// 0.02 keeps the repair of a D read at 0.6 with B at 0.05 (`LDY` -> `LBY`), which 0.1 lost.
pub const UNKNOWN_CODE_WEIGHT: f32 = 0.02;

/// The characters a recogniser confuses with `c`, likeliest first: O/0/Q/D, I/1, S/5, B/8, Z/2,
/// G/6, and the filler read as K, X, C or E (and the reverse); E also passes for F in the sex.
pub fn confusions(c: char) -> &'static [char] {
    match c {
        '0' => &['O', 'D', 'Q'],
        'O' => &['0', 'Q', 'D'],
        'D' | 'Q' => &['0', 'O'],
        '1' => &['I'],
        'I' => &['1'],
        '5' => &['S'],
        'S' => &['5'],
        '8' => &['B'],
        'B' => &['8'],
        '2' => &['Z'],
        'Z' => &['2'],
        '6' => &['G'],
        'G' => &['6'],
        '<' => &['K', 'X', 'C', 'E'],
        'K' | 'X' | 'C' => &['<'],
        'E' => &['<', 'F'],
        _ => &[],
    }
}

/// One position: what the recogniser said and what the field allows.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// The recogniser's top-1.
    pub top: char,
    /// Every character with a probability: the recogniser's alternatives and, for the
    /// probability they leave unassigned, the confusion partners of each; likeliest first.
    pub all: Vec<(char, f32)>,
    pub class: CharClass,
}

impl Slot {
    pub fn new(candidates: &[Candidate], class: CharClass) -> Slot {
        let mut listed: Vec<(char, f32)> = Vec::new();
        for c in candidates {
            match listed.iter_mut().find(|(ch, _)| *ch == c.ch) {
                Some(entry) => entry.1 = entry.1.max(c.prob),
                None => listed.push((c.ch, c.prob.max(0.0))),
            }
        }
        listed.sort_by(|a, b| b.1.total_cmp(&a.1));
        let top = listed[0].0;
        // What the recogniser left unassigned goes to the characters it is known to confuse
        // with its own answers; no more than the answer itself, halving down each list.
        let residual = (1.0 - listed.iter().map(|c| c.1).sum::<f32>()).max(0.0);
        let mut all = listed.clone();
        for &(ch, p) in &listed {
            let mut share = residual.min(p);
            for &partner in confusions(ch) {
                let prob = share.max(PROB_FLOOR);
                if !all.iter().any(|(c, _)| *c == partner) {
                    all.push((partner, prob));
                }
                share /= 2.0;
            }
        }
        all.sort_by(|a, b| b.1.total_cmp(&a.1));
        Slot { top, all, class }
    }

    /// The probability of `c` here; [`PROB_FLOOR`] if nothing supports it.
    pub fn prob(&self, c: char) -> f32 {
        self.all
            .iter()
            .find(|(ch, _)| *ch == c)
            .map_or(PROB_FLOOR, |(_, p)| p.max(PROB_FLOOR))
    }

    /// The likeliest character the field allows, if any.
    fn best_allowed(&self) -> Option<char> {
        self.all
            .iter()
            .find(|(c, _)| self.class.allows(*c))
            .map(|(c, _)| *c)
    }

    /// Allowed characters other than `current` (of probability `current_prob`) likely enough
    /// to search over.
    fn alternatives(&self, current: char, current_prob: f32) -> Vec<(char, f32)> {
        self.all
            .iter()
            .filter(|&&(c, p)| {
                c != current
                    && p >= MIN_ALT_PROB
                    && p >= MIN_ALT_RATIO * current_prob
                    && self.class.allows(c)
            })
            .take(MAX_ALTS_PER_POSITION)
            .copied()
            .collect()
    }
}

/// The slots of `lines` under `layout`, which must have its shape.
pub(crate) fn slots(layout: &Layout, lines: &[ReadLine]) -> Vec<Vec<Slot>> {
    let classes = layout.position_classes();
    lines
        .iter()
        .zip(classes)
        .map(|(line, classes)| {
            line.positions
                .iter()
                .zip(classes)
                .map(|(cands, (class, _))| Slot::new(cands, class))
                .collect()
        })
        .collect()
}

/// The text with every position at its recogniser top-1.
pub(crate) fn top_text(slots: &[Vec<Slot>]) -> Vec<Vec<char>> {
    slots
        .iter()
        .map(|line| line.iter().map(|s| s.top).collect())
        .collect()
}

/// The repaired text and, per position, why it differs from the top-1 (if it does).
pub(crate) struct Repaired {
    pub grid: Vec<Vec<char>>,
    pub reasons: Vec<Vec<Option<RepairReason>>>,
}

/// Repairs the top-1 text of `slots` under `layout`: by field type, filler runs in names, then
/// check digits.
pub(crate) fn repair(layout: &Layout, slots: &[Vec<Slot>]) -> Repaired {
    let mut r = Repaired {
        grid: top_text(slots),
        reasons: slots.iter().map(|l| vec![None; l.len()]).collect(),
    };
    by_field_type(layout, slots, &mut r);
    filler_runs(layout, &mut r);
    country_codes(layout, slots, &mut r);
    by_check_digits(layout, slots, &mut r);
    zero_runs(layout, slots, &mut r);
    date_parts(layout, slots, &mut r);
    r
}

/// A filler beside a digit in a date's year, month or day is a zero read wrong
/// ([`dates::lone_fillers`]). Small blurred zeros read as fillers: `850101` as `85<101`
/// (../shared/data/real at 0.6x, blur 0.6 px, JPEG 40, `eval --transform lowq`), which
/// passed as a valid birth date.
fn date_parts(layout: &Layout, slots: &[Vec<Slot>], r: &mut Repaired) {
    for f in layout
        .fields
        .iter()
        .filter(|f| matches!(f.name, FieldName::BirthDate | FieldName::ExpiryDate))
    {
        let date = &r.grid[f.line][f.start..f.start + f.len];
        let fillers: Vec<usize> = dates::lone_fillers(date).collect();
        for i in fillers {
            set(r, (f.line, f.start + i), '0', RepairReason::DatePart, slots);
        }
    }
}

/// The shortest run of zeros and Os in a document number that [`zero_runs`] reads as zeros.
const ZERO_RUN_MIN: usize = 3;

/// A document number's run of three or more zeros and Os with at least one zero is a run of
/// zeros: small blurred OCR-B zeros read as O, and the check digits cannot tell, as an O (24)
/// at a weight-7 and one at a weight-3 position add 240, nothing modulo 10 (the specimen
/// number `A0000000` read `A000O0O0` passes every check). A run mixing the two is no document
/// number an issuer prints, and document numbers are mostly digits, so the mix is read as
/// zeros however many Os it has (a line model fine-tuned on the reader's own crops read
/// `A0000000` as `AOO0OOO0`). Applied only if every check digit that passes still does.
/// Measured on ../shared/data/real at 0.6x, blur 0.6 px, JPEG 40 (`eval --transform lowq`),
/// where three all-zero specimen numbers read with Os among their zeros.
fn zero_runs(layout: &Layout, slots: &[Vec<Slot>], r: &mut Repaired) {
    for f in layout.fields {
        if f.name != FieldName::DocumentNumber {
            continue;
        }
        let row = &r.grid[f.line];
        let mut changes = Vec::new();
        let mut col = f.start;
        let end = f.start + f.len;
        while col < end {
            if !matches!(row[col], '0' | 'O') {
                col += 1;
                continue;
            }
            let run_end = (col..end)
                .find(|&c| !matches!(row[c], '0' | 'O'))
                .unwrap_or(end);
            let os: Vec<usize> = (col..run_end).filter(|&c| row[c] == 'O').collect();
            let len = run_end - col;
            if len >= ZERO_RUN_MIN && !os.is_empty() && os.len() < len {
                changes.extend(os);
            }
            col = run_end;
        }
        if changes.is_empty() {
            continue;
        }
        let passing: Vec<bool> = check_spans(layout, &r.grid)
            .iter()
            .map(|s| s.passes(&r.grid))
            .collect();
        let mut grid = r.grid.clone();
        for &c in &changes {
            grid[f.line][c] = '0';
        }
        let keeps = check_spans(layout, &grid)
            .iter()
            .zip(&passing)
            .all(|(s, &before)| !before || s.passes(&grid));
        if keeps {
            for c in changes {
                set(r, (f.line, c), '0', RepairReason::ZeroRun, slots);
            }
        }
    }
}

fn set(r: &mut Repaired, (l, c): Pos, ch: char, reason: RepairReason, slots: &[Vec<Slot>]) {
    r.grid[l][c] = ch;
    r.reasons[l][c] = (ch != slots[l][c].top).then_some(reason);
}

/// A top-1 the field cannot hold (a letter in a date, a digit in a name) gives way to the
/// likeliest character it can. This is done field by field: if some position of a field has
/// no allowed character at all, the field is not a misread of a conforming one but a document
/// that bends the rules (Romanian ID cards print `132` as nationality, Russian internal
/// passports digits in names), and the whole field stays as read.
fn by_field_type(layout: &Layout, slots: &[Vec<Slot>], r: &mut Repaired) {
    let classes = layout.position_classes();
    let mut groups: Vec<Vec<Pos>> = vec![Vec::new(); layout.fields.len()];
    let mut singles = Vec::new();
    for (l, line) in classes.iter().enumerate() {
        for (c, &(_, group)) in line.iter().enumerate() {
            match group {
                Some(g) => groups[g].push((l, c)),
                None => singles.push(vec![(l, c)]),
            }
        }
    }
    for group in groups.into_iter().chain(singles) {
        let choices: Option<Vec<(Pos, char)>> = group
            .iter()
            .map(|&(l, c)| {
                let slot = &slots[l][c];
                let ch = if slot.class.allows(slot.top) {
                    Some(slot.top)
                } else {
                    slot.best_allowed()
                };
                ch.map(|ch| ((l, c), ch))
            })
            .collect();
        for (pos, ch) in choices.unwrap_or_default() {
            set(r, pos, ch, RepairReason::FieldType, slots);
        }
    }
}

/// A lone K, X, C or E after three or more fillers, with only fillers after it to the end of a
/// name field, is a misread filler: names are separated by one or two fillers, never three.
fn filler_runs(layout: &Layout, r: &mut Repaired) {
    for f in layout.fields {
        if !matches!(
            f.name,
            FieldName::Name | FieldName::Surname | FieldName::GivenNames
        ) {
            continue;
        }
        let row = &mut r.grid[f.line];
        for col in (f.start + 3..f.start + f.len).rev() {
            let lone = matches!(row[col], 'K' | 'X' | 'C' | 'E')
                && row[col - 3..col].iter().all(|&c| c == '<')
                && row[col + 1..f.start + f.len].iter().all(|&c| c == '<');
            if lone {
                row[col] = '<';
                r.reasons[f.line][col] = Some(RepairReason::FillerRun);
            }
        }
    }
}

/// A state code that names no state or organisation (`UTD`) is a misread of one that does
/// (`UTO`) when a single character's alternative or confusion partner makes it one and no
/// other change competes: no check digit covers these fields, and the ICAO list is closed
/// (every code it holds, `D<<` and specimen `UTO` included, is known).
fn country_codes(layout: &Layout, slots: &[Vec<Slot>], r: &mut Repaired) {
    for f in layout.fields {
        if !matches!(f.name, FieldName::IssuingState | FieldName::Nationality) {
            continue;
        }
        let code: Vec<char> = r.grid[f.line][f.start..f.start + f.len].to_vec();
        let known = |chars: &[char]| {
            let text: String = chars.iter().collect();
            super::countries::country_name(&text).is_some()
        };
        if known(&code) {
            continue;
        }
        // (position in the field, character, probability relative to the one read)
        let mut found: Vec<(usize, char, f32)> = Vec::new();
        for (i, &current) in code.iter().enumerate() {
            let slot = &slots[f.line][f.start + i];
            let alts = slot.all.iter().map(|&(c, _)| c);
            for ch in alts.chain(confusions(current).iter().copied()) {
                if ch == current
                    || !slot.class.allows(ch)
                    || found.iter().any(|x| x.0 == i && x.1 == ch)
                {
                    continue;
                }
                let mut changed = code.clone();
                changed[i] = ch;
                if known(&changed) {
                    found.push((i, ch, slot.prob(ch) / slot.prob(current).max(PROB_FLOOR)));
                }
            }
        }
        found.sort_by(|a, b| b.2.total_cmp(&a.2));
        // Not repairing stays an explanation: a code printed as read that the list lacks.
        let total: f32 = found.iter().map(|x| x.2).sum::<f32>() + UNKNOWN_CODE_WEIGHT;
        if let Some(&(i, ch, weight)) = found.first() {
            if f64::from(weight / total) > MIN_SHARE {
                set(
                    r,
                    (f.line, f.start + i),
                    ch,
                    RepairReason::CountryCode,
                    slots,
                );
            }
        }
    }
}

/// Failing check digits. First all at once: the likeliest combination of alternatives over
/// the positions they cover that makes every check pass (so the composite settles which of two
/// alternatives in a field is right). Failing that, one check at a time, field checks first,
/// then the composite, without breaking a check that passes. A combination is applied only if
/// it clearly outweighs the other explanations (see [`MIN_SHARE`]).
fn by_check_digits(layout: &Layout, slots: &[Vec<Slot>], r: &mut Repaired) {
    let spans = check_spans(layout, &r.grid);
    let failing: Vec<&CheckSpan> = spans.iter().filter(|s| !s.passes(&r.grid)).collect();
    if failing.is_empty() {
        return;
    }
    let mut positions: Vec<Pos> = failing.iter().flat_map(|s| s.positions()).collect();
    positions.sort_unstable();
    positions.dedup();
    let all: Vec<&CheckSpan> = spans.iter().collect();
    if let Some(changes) = search(slots, &r.grid, &positions, &all) {
        for (pos, ch) in changes {
            set(r, pos, ch, RepairReason::CheckDigit, slots);
        }
        return;
    }
    for i in 0..spans.len() {
        // Recomputed: a repair may turn a long document number into an ordinary one.
        let spans = check_spans(layout, &r.grid);
        let Some(span) = spans.get(i) else { break };
        if span.passes(&r.grid) {
            continue;
        }
        let mut must_pass: Vec<&CheckSpan> = spans.iter().filter(|s| s.passes(&r.grid)).collect();
        must_pass.push(span);
        if let Some(changes) = search(slots, &r.grid, &span.positions(), &must_pass) {
            for (pos, ch) in changes {
                set(r, pos, ch, RepairReason::CheckDigit, slots);
            }
        }
    }
}

/// The combination of alternatives over `positions` that makes every `must_pass` check pass,
/// if one clearly outweighs the other explanations.
fn search(
    slots: &[Vec<Slot>],
    grid: &[Vec<char>],
    positions: &[Pos],
    must_pass: &[&CheckSpan],
) -> Option<Vec<(Pos, char)>> {
    // (position, alternatives with their log-probability gain over the current character)
    let options: Vec<(Pos, Vec<(char, f64)>)> = positions
        .iter()
        .filter_map(|&(l, c)| {
            let slot = &slots[l][c];
            let current = slot.prob(grid[l][c]);
            let alts: Vec<(char, f64)> = slot
                .alternatives(grid[l][c], current)
                .into_iter()
                .map(|(ch, p)| (ch, f64::from(p / current).ln()))
                .collect();
            (!alts.is_empty()).then_some(((l, c), alts))
        })
        .collect();
    if options.is_empty() || options.len() > MAX_SEARCH_POSITIONS {
        return None;
    }
    let mut state = Search {
        options: &options,
        grid: grid.to_vec(),
        must_pass,
        tried: 0,
        total: NO_REPAIR_WEIGHT,
        best: None,
        changes: Vec::new(),
    };
    state.walk(0, 0.0);
    let (gain, changes) = state.best?;
    let share = gain.exp() / state.total;
    (state.tried < MAX_COMBINATIONS && share > MIN_SHARE).then_some(changes)
}

struct Search<'a> {
    options: &'a [(Pos, Vec<(char, f64)>)],
    grid: Vec<Vec<char>>,
    must_pass: &'a [&'a CheckSpan],
    tried: usize,
    /// The weight of every explanation so far: passing combinations and not repairing.
    total: f64,
    /// (log-probability gain, changes) of the likeliest passing combination.
    best: Option<(f64, Vec<(Pos, char)>)>,
    changes: Vec<(Pos, char)>,
}

impl Search<'_> {
    fn walk(&mut self, from: usize, gain: f64) {
        for i in from..self.options.len() {
            let ((l, c), ref alts) = self.options[i];
            for &(ch, step) in alts {
                if self.tried >= MAX_COMBINATIONS {
                    return;
                }
                self.tried += 1;
                let before = self.grid[l][c];
                self.grid[l][c] = ch;
                self.changes.push(((l, c), ch));
                self.consider(gain + step);
                if self.changes.len() < MAX_CHANGES {
                    self.walk(i + 1, gain + step);
                }
                self.changes.pop();
                self.grid[l][c] = before;
            }
        }
    }

    fn consider(&mut self, gain: f64) {
        if !self.must_pass.iter().all(|s| s.passes(&self.grid)) {
            return;
        }
        self.total += gain.exp();
        if self.best.as_ref().is_none_or(|(g, _)| gain > *g) {
            self.best = Some((gain, self.changes.clone()));
        }
    }
}
