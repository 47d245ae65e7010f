//! `handler export`: one form's submissions as CSV, from whichever store is configured, for
//! coordinators (the output holds personal information: keep it safe, delete it when done).
//!
//! Columns: `reference`, `form`, `offering`, `session`, `status` (received, registered,
//! waitlisted, interest, withdrawn, not-attending), `created` (the site's time zone, RFC 3339), then one column per field
//! of the form, named as the form names it, in the form's order. A list of ticked boxes is
//! joined with "; ", a ticked confirmation is `yes`. Every field is quoted, and an answer that a
//! spreadsheet could run as a formula is defused with `'`: at its start, and after each `,`,
//! `;` or tab (a French-locale spreadsheet splits on `;`, so `a;=1+1` would be two cells).
//! Bidirectional and invisible characters are shown as `<U+202E>` ([`crate::reveal`]).

use crate::reveal::reveal;
use crate::store::StoredSubmission;
use jiff::tz::TimeZone;
use model::forms::{Answer, FieldKind, FormDef};
use std::io::Write;

/// The fixed columns before the form's own.
pub const COLUMNS: [&str; 6] = [
    "reference",
    "form",
    "offering",
    "session",
    "status",
    "created",
];

/// Writes `submissions` of `form` (only those for `offering`, when given) as CSV to `out`;
/// returns how many rows were written.
pub fn write_csv(
    out: impl Write,
    form: &FormDef,
    submissions: &[StoredSubmission],
    offering: Option<&str>,
    tz: &TimeZone,
) -> anyhow::Result<usize> {
    if offering.is_some() && form.cohort_field().is_none() {
        anyhow::bail!(
            "the {} form has no cohort to filter by: leave out --offering",
            form.id
        );
    }
    let fields: Vec<_> = form
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::Cohort)
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(out);
    let mut header: Vec<&str> = COLUMNS.to_vec();
    header.extend(fields.iter().map(|f| f.name.as_str()));
    writer.write_record(&header)?;
    let mut rows = 0;
    for stored in submissions {
        let choice = stored.submission.cohort(form);
        if let Some(wanted) = offering
            && choice.as_ref().is_none_or(|c| c.offering != wanted)
        {
            continue;
        }
        let mut record = vec![
            stored.reference.to_string(),
            stored.submission.form.clone(),
            choice
                .as_ref()
                .map(|c| c.offering.clone())
                .unwrap_or_default(),
            choice
                .as_ref()
                .and_then(|c| c.cohort.clone())
                .unwrap_or_default(),
            stored.status.as_str().to_string(),
            // Anonymous feedback is stored with its date only (crate::anonymous).
            stored
                .received_at
                .to_zoned(tz.clone())
                .strftime(if form.anonymous {
                    "%Y-%m-%d"
                } else {
                    "%Y-%m-%dT%H:%M:%S%:z"
                })
                .to_string(),
        ];
        for field in &fields {
            let value = match stored.submission.answers.get(&field.name) {
                None => String::new(),
                Some(Answer::Text(text)) => text.clone(),
                Some(Answer::List(values)) => values.join("; "),
                Some(Answer::Confirmed(true)) => "yes".to_string(),
                Some(Answer::Confirmed(false)) => "no".to_string(),
            };
            record.push(defuse(&reveal(&value)));
        }
        writer.write_record(&record)?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

/// The characters that make a spreadsheet cell a formula (and their full-width forms, which
/// some spreadsheets read the same way).
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// Where a spreadsheet may start a new cell.
const SEPARATORS: [char; 3] = [',', ';', '\t'];

/// Keeps a spreadsheet from running an answer as a formula (OWASP "CSV injection"), whatever
/// separator it splits the line on: a `'` goes before a formula character that starts the
/// value or a piece after a separator (spaces before it are kept).
fn defuse(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    let mut piece_start = true;
    for c in value.chars() {
        if piece_start && FORMULA_STARTS.contains(&c) {
            out.push('\'');
        }
        out.push(c);
        if SEPARATORS.contains(&c) {
            piece_start = true;
        } else if c != ' ' {
            piece_start = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_text_is_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1+2"), "'-1+2");
        assert_eq!(defuse("Sam"), "Sam");
        assert_eq!(defuse("613-555-0100"), "613-555-0100");
    }

    #[test]
    fn every_piece_after_a_separator_is_defused() {
        assert_eq!(defuse("a;=1+1;@SUM(A1)"), "a;'=1+1;'@SUM(A1)");
        assert_eq!(defuse("x, +1; -2\t=3"), "x, '+1; '-2\t'=3");
        assert_eq!(defuse("peer; support"), "peer; support");
        assert_eq!(defuse("＝1+1"), "'＝1+1");
    }
}
