//! The matching rule of `docs/contract.md §6` ("Matching a school record").
//!
//! A record matches an identity request when: same body (or private school); same birth date;
//! the identifier is equal in its normalised form (numéro de fiche as 7 digits, code permanent
//! uppercase without spaces: cartable-core's parsers); last and first names have the same
//! [`PersonName::matching_key`] (compatibility decomposition, marks removed, case folded,
//! `’` `'` `-` and spaces one separator); and the canonical email is among the record's
//! guardian emails. Each lookup is one index seek on (body or private school, identifier).
//!
//! A NIP matches the record holding that NIP's keyed hash, unexpired and unused, with the same
//! birth date and body; claiming it marks it used, so it works once.
//!
//! Callers answer every non-match the same way (`no_matching_record`): these functions say only
//! whether a record matched, never which field differed.

use cartable_core::{BirthDate, Email, Nip, Org, PersonName, StudentIdentifier};

use super::NIP_PURPOSE;
use crate::crypto::HashKey;
use crate::db::{self, Db, Stamp, Tx};

/// What the parent typed for the identity questions, already parsed by cartable-core.
#[derive(Debug)]
pub struct IdentityQuery<'a> {
    /// Body or private school.
    pub org: &'a Org,
    /// Numéro de fiche or code permanent.
    pub identifier: &'a StudentIdentifier,
    /// Legal last name.
    pub last_name: &'a PersonName,
    /// Legal first name.
    pub first_name: &'a PersonName,
    /// Date of birth.
    pub birth_date: BirthDate,
    /// The (verified) email the parent gave.
    pub email: &'a Email,
}

/// The id of the student matching `query`, if any.
///
/// # Errors
/// Database failure.
pub async fn find_by_identity(
    db: &Db,
    query: &IdentityQuery<'_>,
) -> Result<Option<String>, sqlx::Error> {
    let (identifier_column, identifier) = match query.identifier {
        StudentIdentifier::StudentNumber(number) => ("student_number", number.as_str()),
        StudentIdentifier::PermanentCode(code) => ("permanent_code", code.as_str()),
    };
    // Column names come from the two fixed matches above, never from input.
    let sql = format!(
        "SELECT s.id FROM students s \
         WHERE s.{org} = $1 AND s.{identifier_column} = $2 \
           AND s.birth_date = $3 AND s.last_name_key = $4 AND s.first_name_key = $5 \
           AND EXISTS (SELECT 1 FROM student_guardians g WHERE g.student_id = s.id AND g.email = $6)",
        org = query.org.field(),
    );
    db::on!(db, |c| sqlx::query_scalar(&sql)
        .bind(query.org.id())
        .bind(identifier)
        .bind(query.birth_date.to_iso())
        .bind(query.last_name.matching_key())
        .bind(query.first_name.matching_key())
        .bind(query.email.as_str())
        .fetch_optional(c)
        .await)
}

/// Claims the NIP: marks it used and returns its student's id when it matches (see the module
/// docs); `None` otherwise. Run it in the transaction that records the association, so a
/// failure afterwards leaves the NIP unused.
///
/// # Errors
/// Database failure.
pub async fn claim_nip(
    conn: &mut Tx,
    key: &HashKey,
    org: &Org,
    nip: &Nip,
    birth_date: BirthDate,
    now: Stamp,
) -> Result<Option<String>, sqlx::Error> {
    // The NIP's hash is unique (an index seek); the other conditions only confirm the record.
    let sql = format!(
        "UPDATE students SET nip_used_at = $1 \
         WHERE nip_hash = $2 AND nip_used_at IS NULL AND nip_expires_at > $3 \
           AND birth_date = $4 AND {} = $5 \
         RETURNING id",
        org.field(),
    );
    db::on!(conn, |c| sqlx::query_scalar(&sql)
        .bind(now)
        .bind(key.hash(NIP_PURPOSE, nip.as_str()))
        .bind(now)
        .bind(birth_date.to_iso())
        .bind(org.id())
        .fetch_optional(c)
        .await)
}

#[cfg(test)]
mod tests {
    /// The identity lookup must stay an index seek (a benchmark compares 1 000 and 100 000
    /// students): SQLite's plan for it names one of the partial unique indexes.
    #[tokio::test]
    async fn identity_lookup_is_an_index_seek() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.sqlite3");
        let db = crate::db::sqlite::connect(&path, crate::db::PoolSettings::default())
            .await
            .expect("db");
        crate::db::sqlite::MIGRATOR.run(&db).await.expect("migrate");
        for (org, ident) in [
            ("board_id", "student_number"),
            ("board_id", "permanent_code"),
            ("private_school_id", "student_number"),
            ("private_school_id", "permanent_code"),
        ] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT s.id FROM students s WHERE s.{org} = $1 AND s.{ident} = $2 \
                 AND s.birth_date = $3 AND s.last_name_key = $4 AND s.first_name_key = $5"
            );
            let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&sql)
                .bind("x")
                .bind("y")
                .bind("z")
                .bind("a")
                .bind("b")
                .fetch_all(&db)
                .await
                .expect("plan");
            let plan = rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>().join("; ");
            assert!(plan.contains("USING INDEX students_"), "{org}/{ident}: {plan}");
        }
    }
}
