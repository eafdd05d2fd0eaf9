//! Registry import (`docs/contract.md §7`): `portal-server registry import FILE`.
//!
//! # File format: JSON Lines
//!
//! UTF-8, one JSON object per line; blank lines and lines starting with `#` are skipped.
//! Each object has a `kind`; unknown fields are refused.
//!
//! ```text
//! {"kind": "board", "id": "css-iles", "subscribed": false}
//! {"kind": "private_school", "id": "ps-college-des-eaux-vives", "name": "Collège des Eaux-Vives", "subscribed": true}
//! {"kind": "student", "board_id": "css-laval", "school": {"code": "071001", "name": "École des Érables"},
//!  "student_number": "0123456", "permanent_code": "LEVE29521601", "last_name": "Lévesque-Côté",
//!  "first_name": "Éloïse", "birth_date": "2016-02-29", "grade": "5e année",
//!  "guardian_emails": ["famille.levesque-cote@example.com"],
//!  "nip": {"value": "K7QM-4RTX", "expires_at": "2030-06-30T23:59:59Z"},
//!  "sections": {"agenda": 4, "devoirs": 7}}
//! ```
//! (a student is one line in a real file).
//!
//! - `board`: sets the subscription of one of the 72 bodies (`id` from `school_boards.json`).
//! - `private_school`: creates or updates a private school; `id` is `ps-` then a lowercase slug.
//! - `student`: exactly one of `board_id` / `private_school_id` (a private school defined in this
//!   file or already in the registry); at least one of `student_number` / `permanent_code`;
//!   names, birth date and identifiers validated by cartable-core's rules; `guardian_emails`
//!   (may be empty: the child is then reachable only by NIP); optional `nip` with its expiry
//!   (RFC 3339); optional `sections` (ids of `docs/contract.md §6` → counts).
//!
//! # All or nothing
//!
//! Every line is checked first, including duplicates (same identifier or NIP twice in the file,
//! or an identifier already in the registry). If any line is bad nothing is written and every
//! bad line is reported by number with the field and a stable code (never the value: the file
//! holds children's data). Otherwise everything is written in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use cartable_core::{
    BirthDate, BoardId, Email, ErrorKind, Nip, Org, PermanentCode, PersonName, PrivateSchoolId,
    SchoolBoards, StudentNumber, wire::parent::SectionId,
};
use serde::Deserialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::NIP_PURPOSE;
use crate::{
    crypto::HashKey,
    db::{self, Db, Stamp, Tx},
};

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// `board` lines applied.
    pub boards: usize,
    /// `private_school` lines applied.
    pub private_schools: usize,
    /// Students added.
    pub students: usize,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} students, {} private schools, {} board settings",
            self.students, self.private_schools, self.boards
        )
    }
}

/// One bad line: its 1-based number, the field (when one is to blame) and a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file.
    pub line: usize,
    /// The field, e.g. `birth_date`; `None` for a line that is not valid JSON of a known kind.
    pub field: Option<String>,
    /// Stable code: a cartable-core rule's code (`birth_date_bad_format`…), or one of
    /// `invalid_json`, `required`, `exactly_one_required`, `unknown_board`,
    /// `unknown_private_school`, `invalid_private_school_id`, `duplicate_in_file`,
    /// `already_in_registry`, `unknown_section`, `invalid_timestamp`, `empty`.
    pub code: String,
    /// For `invalid_json`: what was wrong where, without values (fields, types, columns; see
    /// [`JsonError`](crate::http::shape::json::JsonError)).
    pub detail: Option<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: ", self.line)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// At least one line is bad; nothing was imported.
    #[error("{} bad line(s), nothing imported:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    BadRows(Vec<RowError>),
    /// The database failed; the transaction was rolled back.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum Line {
    Board { id: BoardId, subscribed: bool },
    PrivateSchool { id: PrivateSchoolId, name: String, subscribed: bool },
    Student(Box<StudentLine>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudentLine {
    #[serde(default)]
    board_id: Option<BoardId>,
    #[serde(default)]
    private_school_id: Option<PrivateSchoolId>,
    school: SchoolLine,
    #[serde(default)]
    student_number: Option<String>,
    #[serde(default)]
    permanent_code: Option<String>,
    last_name: String,
    first_name: String,
    birth_date: String,
    grade: String,
    #[serde(default)]
    guardian_emails: Vec<String>,
    #[serde(default)]
    nip: Option<NipLine>,
    #[serde(default)]
    sections: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchoolLine {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NipLine {
    value: String,
    expires_at: String,
}

/// A student line that passed every check.
struct Student {
    line: usize,
    org: Org,
    school_code: String,
    school_name: String,
    student_number: Option<StudentNumber>,
    permanent_code: Option<PermanentCode>,
    last_name: PersonName,
    first_name: PersonName,
    birth_date: BirthDate,
    grade: String,
    guardians: Vec<Email>,
    nip: Option<(Nip, OffsetDateTime)>,
    sections: Vec<(SectionId, u32)>,
}

/// Checked lines, ready to write.
#[derive(Default)]
struct Plan {
    boards: Vec<(BoardId, bool)>,
    private_schools: Vec<(PrivateSchoolId, String, bool)>,
    students: Vec<Student>,
}

/// Reads `path` and imports it (see the module docs).
///
/// # Errors
/// [`ImportError::Io`], [`ImportError::BadRows`] (nothing written), [`ImportError::Database`].
pub async fn import_file(
    db: &Db,
    key: &HashKey,
    path: &std::path::Path,
    now: OffsetDateTime,
) -> Result<ImportReport, ImportError> {
    let text = tokio::fs::read_to_string(path).await?;
    import_str(db, key, &text, now).await
}

/// Imports JSON Lines `text` (see the module docs); `now` stamps the records and sections.
///
/// # Errors
/// [`ImportError::BadRows`] (nothing written), [`ImportError::Database`].
pub async fn import_str(
    db: &Db,
    key: &HashKey,
    text: &str,
    now: OffsetDateTime,
) -> Result<ImportReport, ImportError> {
    // One transaction for the checks against the registry and the writes, imports taking turns
    // (on PostgreSQL too): nothing can slip in between, and nothing is half written.
    let mut tx = db.begin_write().await?;
    tx.take_turns(IMPORT_TURN).await?;
    let plan = check(&mut tx, key, text).await?;
    let report = write(&mut tx, key, plan, now).await?;
    tx.commit().await?;
    // Fresh statistics for the planner: right after a large import PostgreSQL has none yet (its
    // autovacuum comes later) and may plan the association's lookups as scans; SQLite's planner
    // reads them too.
    for table in ["students", "student_guardians", "student_sections"] {
        db::on!(db, |c| sqlx::query(&format!("ANALYZE {table}"))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(report)
}

fn err(line: usize, field: &str, code: impl Into<String>) -> RowError {
    RowError { line, field: Some(field.to_owned()), code: code.into(), detail: None }
}

/// The stable code of a cartable-core rule error.
fn code_of(error: impl Into<ErrorKind>) -> String {
    error.into().code()
}

/// Parses and checks every line; collects every error.
async fn check(db: &mut Tx, key: &HashKey, text: &str) -> Result<Plan, ImportError> {
    let mut plan = Plan::default();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        match crate::http::shape::json::from_slice::<Line>(raw.as_bytes()) {
            Err(error) => errors.push(RowError {
                line,
                field: None,
                code: "invalid_json".into(),
                detail: Some(error.to_string()),
            }),
            Ok(Line::Board { id, subscribed }) => {
                if SchoolBoards::embedded().get(&id).is_some() {
                    plan.boards.push((id, subscribed));
                } else {
                    errors.push(err(line, "id", "unknown_board"));
                }
            }
            Ok(Line::PrivateSchool { id, name, subscribed }) => {
                let slug_ok = id.as_str().strip_prefix("ps-").is_some_and(|slug| {
                    !slug.is_empty()
                        && slug
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
                if !slug_ok {
                    errors.push(err(line, "id", "invalid_private_school_id"));
                } else if name.trim().is_empty() {
                    errors.push(err(line, "name", "empty"));
                } else {
                    plan.private_schools.push((id, name.trim().to_owned(), subscribed));
                }
            }
            Ok(Line::Student(student)) => match check_student(line, *student) {
                Ok(student) => plan.students.push(student),
                Err(mut line_errors) => errors.append(&mut line_errors),
            },
        }
    }
    check_references(db, key, &plan, &mut errors).await?;
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(ImportError::BadRows(errors))
    }
}

/// The field checks of one student line.
fn check_student(line: usize, s: StudentLine) -> Result<Student, Vec<RowError>> {
    let mut errors = Vec::new();
    let org = match (s.board_id, s.private_school_id) {
        (Some(board), None) => {
            if SchoolBoards::embedded().get(&board).is_none() {
                errors.push(err(line, "board_id", "unknown_board"));
            }
            Some(Org::Board(board))
        }
        (None, Some(school)) => Some(Org::PrivateSchool(school)),
        _ => {
            errors.push(err(line, "board_id", "exactly_one_required"));
            None
        }
    };
    for (field, value) in
        [("school.code", &s.school.code), ("school.name", &s.school.name), ("grade", &s.grade)]
    {
        if value.trim().is_empty() {
            errors.push(err(line, field, "empty"));
        }
    }
    let student_number = s.student_number.as_deref().map(StudentNumber::parse).transpose();
    let student_number = student_number.unwrap_or_else(|e| {
        errors.push(err(line, "student_number", code_of(e)));
        None
    });
    let permanent_code = s.permanent_code.as_deref().map(PermanentCode::parse).transpose();
    let permanent_code = permanent_code.unwrap_or_else(|e| {
        errors.push(err(line, "permanent_code", code_of(e)));
        None
    });
    if s.student_number.is_none() && s.permanent_code.is_none() {
        errors.push(err(line, "student_number", "required"));
    }
    let last_name = PersonName::parse(&s.last_name)
        .map_err(|e| errors.push(err(line, "last_name", code_of(e))))
        .ok();
    let first_name = PersonName::parse(&s.first_name)
        .map_err(|e| errors.push(err(line, "first_name", code_of(e))))
        .ok();
    let birth_date = BirthDate::parse_iso(&s.birth_date)
        .map_err(|e| errors.push(err(line, "birth_date", code_of(e))))
        .ok();
    let mut guardians = Vec::new();
    for (i, email) in s.guardian_emails.iter().enumerate() {
        match Email::parse(email) {
            Ok(email) if !guardians.contains(&email) => guardians.push(email),
            Ok(_) => errors.push(err(line, &format!("guardian_emails[{i}]"), "duplicate_in_file")),
            Err(e) => errors.push(err(line, &format!("guardian_emails[{i}]"), code_of(e))),
        }
    }
    let nip = match s.nip {
        None => None,
        Some(nip) => {
            let value = Nip::parse(&nip.value)
                .map_err(|e| errors.push(err(line, "nip.value", code_of(e))))
                .ok();
            let expires = OffsetDateTime::parse(&nip.expires_at, &Rfc3339)
                .map_err(|_| errors.push(err(line, "nip.expires_at", "invalid_timestamp")))
                .ok();
            value.zip(expires)
        }
    };
    let mut sections = Vec::new();
    for (id, count) in s.sections {
        match SectionId::from_text(&id) {
            SectionId::Other(_) => {
                errors.push(err(line, &format!("sections.{id}"), "unknown_section"))
            }
            known => sections.push((known, count)),
        }
    }
    match (org, last_name, first_name, birth_date) {
        (Some(org), Some(last_name), Some(first_name), Some(birth_date)) if errors.is_empty() => {
            Ok(Student {
                line,
                org,
                school_code: s.school.code.trim().to_owned(),
                school_name: s.school.name.trim().to_owned(),
                student_number,
                permanent_code,
                last_name,
                first_name,
                birth_date,
                grade: s.grade.trim().to_owned(),
                guardians,
                nip,
                sections,
            })
        }
        _ => Err(errors),
    }
}

/// The key of [`Tx::take_turns`] for imports (any constant no other writer uses).
const IMPORT_TURN: i64 = 0x7265_6769_7374_7279; // "registry"

/// Rows per multi-row statement: 1 000 students of 16 columns stay under SQLite's 32 766 and
/// PostgreSQL's 65 535 parameters, and a million students take a thousand statements.
const BATCH: usize = 1_000;

/// Identifiers new to the file are looked up by (column of the body, body, identifier column),
/// each with its values and lines.
type IdentifierGroup<'a> = (&'static str, &'a str, &'static str);

/// Checks what needs the whole file or the database: private schools exist, identifiers and
/// NIPs are unique in the file and new to the registry. The registry is asked in batches of
/// [`BATCH`] values, not once per student.
async fn check_references(
    db: &mut Tx,
    key: &HashKey,
    plan: &Plan,
    errors: &mut Vec<RowError>,
) -> Result<(), sqlx::Error> {
    let mut schools: HashSet<&str> =
        plan.private_schools.iter().map(|(id, ..)| id.as_str()).collect();
    let known: Vec<String> =
        db::on!(db, |c| sqlx::query_scalar("SELECT id FROM private_schools").fetch_all(c).await)?;
    schools.extend(known.iter().map(String::as_str));
    let mut seen: HashMap<(Org, &'static str, String), usize> = HashMap::new();
    let mut candidates: BTreeMap<IdentifierGroup<'_>, Vec<(String, usize)>> = BTreeMap::new();
    let mut nips: HashMap<String, usize> = HashMap::new();
    for student in &plan.students {
        let line = student.line;
        if let Org::PrivateSchool(id) = &student.org
            && !schools.contains(id.as_str())
        {
            errors.push(err(line, "private_school_id", "unknown_private_school"));
        }
        let identifiers = [
            ("student_number", student.student_number.as_ref().map(|n| n.as_str().to_owned())),
            ("permanent_code", student.permanent_code.as_ref().map(|c| c.as_str().to_owned())),
        ];
        for (field, value) in identifiers {
            let Some(value) = value else { continue };
            if seen.insert((student.org.clone(), field, value.clone()), line).is_some() {
                errors.push(err(line, field, "duplicate_in_file"));
                continue;
            }
            let group = (student.org.field(), student.org.id(), field);
            candidates.entry(group).or_default().push((value, line));
        }
        if let Some((nip, _)) = &student.nip
            && nips.insert(key.hash(NIP_PURPOSE, nip.as_str()), line).is_some()
        {
            errors.push(err(line, "nip.value", "duplicate_in_file"));
        }
    }
    for ((column, org, field), values) in &candidates {
        for chunk in values.chunks(BATCH) {
            // Column names come from fixed matches (Org::field, the two identifiers).
            let found: Vec<String> = db::on!(db, |c| {
                let mut query = sqlx::QueryBuilder::new(format!(
                    "SELECT {field} FROM students WHERE {column} = "
                ));
                query.push_bind(*org).push(format!(" AND {field} IN ("));
                let mut list = query.separated(", ");
                for (value, _) in chunk {
                    list.push_bind(value.as_str());
                }
                list.push_unseparated(")");
                query.build_query_scalar().fetch_all(c).await
            })?;
            let found: HashSet<String> = found.into_iter().collect();
            for (value, line) in chunk {
                if found.contains(value) {
                    errors.push(err(*line, field, "already_in_registry"));
                }
            }
        }
    }
    let hashes: Vec<(&String, &usize)> = nips.iter().collect();
    for chunk in hashes.chunks(BATCH) {
        let found: Vec<String> = db::on!(db, |c| {
            let mut query =
                sqlx::QueryBuilder::new("SELECT nip_hash FROM students WHERE nip_hash IN (");
            let mut list = query.separated(", ");
            for (hash, _) in chunk {
                list.push_bind(hash.as_str());
            }
            list.push_unseparated(")");
            query.build_query_scalar().fetch_all(c).await
        })?;
        for (hash, line) in chunk {
            if found.contains(hash) {
                errors.push(err(**line, "nip.value", "already_in_registry"));
            }
        }
    }
    Ok(())
}

/// Writes a checked plan inside the caller's transaction.
async fn write(
    tx: &mut Tx,
    key: &HashKey,
    plan: Plan,
    now: OffsetDateTime,
) -> Result<ImportReport, ImportError> {
    let stamp = Stamp::new(now);
    for (id, subscribed) in &plan.boards {
        db::on!(tx, |c| sqlx::query(
            "INSERT INTO board_subscriptions (board_id, subscribed) VALUES ($1, $2) \
             ON CONFLICT (board_id) DO UPDATE SET subscribed = excluded.subscribed",
        )
        .bind(id.as_str())
        .bind(subscribed)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for (id, name, subscribed) in &plan.private_schools {
        db::on!(tx, |c| sqlx::query(
            "INSERT INTO private_schools (id, name, subscribed) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, subscribed = excluded.subscribed",
        )
        .bind(id.as_str())
        .bind(name)
        .bind(subscribed)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for chunk in plan.students.chunks(BATCH) {
        let ids: Vec<String> = chunk.iter().map(|_| uuid::Uuid::new_v4().to_string()).collect();
        db::on!(tx, |c| {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO students (id, board_id, private_school_id, school_code, school_name, \
                 student_number, permanent_code, last_name, first_name, last_name_key, \
                 first_name_key, birth_date, grade, nip_hash, nip_expires_at, created_at) ",
            );
            query.push_values(chunk.iter().zip(&ids), |mut row, (student, id)| {
                let (board_id, school_id) = student.org.fields();
                row.push_bind(id.as_str())
                    .push_bind(board_id.map(BoardId::as_str))
                    .push_bind(school_id.map(PrivateSchoolId::as_str))
                    .push_bind(student.school_code.as_str())
                    .push_bind(student.school_name.as_str())
                    .push_bind(student.student_number.as_ref().map(StudentNumber::as_str))
                    .push_bind(student.permanent_code.as_ref().map(PermanentCode::as_str))
                    .push_bind(student.last_name.as_str())
                    .push_bind(student.first_name.as_str())
                    .push_bind(student.last_name.matching_key())
                    .push_bind(student.first_name.matching_key())
                    .push_bind(student.birth_date.to_iso())
                    .push_bind(student.grade.as_str())
                    .push_bind(
                        student.nip.as_ref().map(|(nip, _)| key.hash(NIP_PURPOSE, nip.as_str())),
                    )
                    .push_bind(student.nip.as_ref().map(|(_, expires)| Stamp::new(*expires)))
                    .push_bind(stamp);
            });
            query.build().execute(c).await.map(|r| r.rows_affected())
        })?;
        let guardians: Vec<(&str, &str)> = chunk
            .iter()
            .zip(&ids)
            .flat_map(|(s, id)| s.guardians.iter().map(move |e| (id.as_str(), e.as_str())))
            .collect();
        for rows in guardians.chunks(BATCH) {
            db::on!(tx, |c| {
                let mut query =
                    sqlx::QueryBuilder::new("INSERT INTO student_guardians (student_id, email) ");
                query.push_values(rows, |mut row, (id, email)| {
                    row.push_bind(*id).push_bind(*email);
                });
                query.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        let sections: Vec<(&str, &str, i64)> = chunk
            .iter()
            .zip(&ids)
            .flat_map(|(s, id)| {
                s.sections
                    .iter()
                    .map(move |(section, count)| (id.as_str(), section.as_str(), i64::from(*count)))
            })
            .collect();
        for rows in sections.chunks(BATCH) {
            db::on!(tx, |c| {
                let mut query = sqlx::QueryBuilder::new(
                    "INSERT INTO student_sections (student_id, section, item_count, updated_at) ",
                );
                query.push_values(rows, |mut row, (id, section, count)| {
                    row.push_bind(*id).push_bind(*section).push_bind(*count).push_bind(stamp);
                });
                query.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
    }
    Ok(ImportReport {
        boards: plan.boards.len(),
        private_schools: plan.private_schools.len(),
        students: plan.students.len(),
    })
}
