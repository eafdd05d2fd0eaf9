//! `portal-server registry import FILE` (`docs/contract.md §7`), run as the real binary against a
//! temporary SQLite file and key file (`portal-server keys init`).

mod common;

use std::process::Command;

const ROSE: &str = r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "071001", "name": "École des Érables"}, "student_number": "0999999", "last_name": "Ouellet", "first_name": "Rose", "birth_date": "2015-06-01", "grade": "6e année", "guardian_emails": ["rose.parent@example.com"]}"#;

/// The binary ([`common::binary::portal_server`]) logging everything, for the privacy checks.
fn portal_server() -> Command {
    let mut command = common::binary::portal_server();
    command.env("RUST_LOG", "trace");
    command
}

/// `keys init --keys KEYS`, which must succeed.
fn init_keys(keys: &std::path::Path) {
    let output = portal_server().args(["keys", "init", "--keys"]).arg(keys).output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn import(file: &std::path::Path, db: &std::path::Path) -> std::process::Output {
    portal_server()
        .args(["registry", "import"])
        .arg(file)
        .arg("--db")
        .arg(db)
        .arg("--keys")
        .arg(db.with_extension("keys.json"))
        .output()
        .expect("run portal-server")
}

async fn students(db: &std::path::Path) -> i64 {
    let pool = portal_server::db::Db::open(
        &db.to_path_buf().into(),
        portal_server::db::PoolSettings::default(),
    )
    .await
    .expect("db");
    let count = portal_server::registry::student_count(&pool).await.expect("count");
    pool.close().await;
    count
}

#[tokio::test]
async fn import_reports_the_bad_line_and_imports_nothing_then_imports_the_fixed_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("portal.sqlite3");
    init_keys(&db.with_extension("keys.json"));
    let file = dir.path().join("students.jsonl");
    let lily = ROSE.replace("Rose", "Lily").replace("0999999", "0999998");
    let nip_as_string = lily.replace("\"grade\"", "\"nip\": \"K7QM4RTX\", \"grade\"");
    std::fs::write(
        &file,
        format!("{ROSE}\n{}\n{nip_as_string}\n", lily.replace("2015-06-01", "2015-02-29")),
    )
    .expect("write");

    let output = import(&file, &db);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("line 2: birth_date: birth_date_no_such_day"), "{stderr}");
    assert!(stderr.contains("line 3: invalid_json"), "{stderr}");
    for value in ["Lily", "K7QM4RTX", "2015-02-29"] {
        assert!(!stderr.contains(value), "{value} in {stderr}");
    }
    assert_eq!(students(&db).await, 0);

    std::fs::write(&file, format!("{ROSE}\n{lily}\n")).expect("write");
    let output = import(&file, &db);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "imported 2 students, 0 private schools, 0 board settings"
    );
    assert_eq!(students(&db).await, 2);
}

#[test]
fn import_needs_the_portals_keys_and_never_creates_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("portal.sqlite3");
    let file = dir.path().join("students.jsonl");
    std::fs::write(&file, format!("{ROSE}\n")).expect("write");

    let output = portal_server()
        .args(["registry", "import"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("portal-server keys init --keys PATH"), "{stderr}");

    // A named key file that does not exist is not created either.
    let output = import(&file, &db);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("does not exist") && stderr.contains("keys init --keys"), "{stderr}");
    assert!(!db.with_extension("keys.json").exists());

    // PORTAL_KEYS_FILE names it as --keys does.
    let keys = dir.path().join("elsewhere.json");
    init_keys(&keys);
    let output = portal_server()
        .args(["registry", "import"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .env("PORTAL_KEYS_FILE", &keys)
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
