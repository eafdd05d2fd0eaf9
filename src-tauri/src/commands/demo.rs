//! "Boîte de courriel de démonstration": the embedded demo portal's outbox, so the sign-up
//! walkthrough can be completed on any machine (`docs/contract.md §8`: one `.eml` file per
//! message, the code in the subject line).

use std::path::Path;

use cartable_core::{
    Failure,
    ipc::{DemoMail, DemoOutbox},
};
use tauri::State;

use super::{Args, CommandResult};
use crate::{AppState, error::Error};

/// The outbox, newest first; `not_demo` unless the embedded demo portal is in use.
#[tauri::command]
pub async fn demo_outbox(
    state: State<'_, AppState>,
    args: Args<DemoOutbox>,
) -> CommandResult<DemoOutbox> {
    let () = args;
    let outbox = state.demo_outbox_dir().await.ok_or(Error::from(Failure::NotDemo))?;
    Ok(tokio::task::spawn_blocking(move || read_outbox(&outbox)).await.unwrap_or_default())
}

/// Reads every `.eml` file of `dir`, newest first; unreadable files are skipped (logged).
pub fn read_outbox(dir: &Path) -> Vec<DemoMail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut mails: Vec<DemoMail> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
        .filter_map(|entry| {
            let id = entry.file_name().to_string_lossy().into_owned();
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            let bytes = std::fs::read(entry.path()).ok()?;
            let mail = parse_mail(id, &bytes, modified.map(unix_seconds));
            if mail.is_none() {
                log::warn!("skipping an unreadable outbox file");
            }
            mail
        })
        .collect();
    mails.sort_by(|a, b| b.received_at.cmp(&a.received_at).then_with(|| b.id.cmp(&a.id)));
    mails
}

/// One message: subject (RFC 2047 decoded), first `To` address, plain-text body (the text
/// part of a multipart message, transfer encoding undone). `received_at` is the `Date` header,
/// or `fallback_time` (the file's modification time) without one.
pub fn parse_mail(id: String, bytes: &[u8], fallback_time: Option<i64>) -> Option<DemoMail> {
    let message = mail_parser::MessageParser::default().parse(bytes)?;
    let to = message
        .to()
        .and_then(|to| to.first())
        .and_then(|addr| addr.address())
        .unwrap_or_default()
        .to_owned();
    let received_at =
        message.date().map(mail_parser::DateTime::to_timestamp).or(fallback_time).unwrap_or(0);
    Some(DemoMail {
        id,
        received_at,
        to,
        subject: message.subject().unwrap_or_default().to_owned(),
        body: message.body_text(0).map(|b| b.trim_end().to_owned()).unwrap_or_default(),
    })
}

fn unix_seconds(time: std::time::SystemTime) -> i64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QP_MAIL: &str = "From: Portail <ne-pas-repondre@portail.example>\r\n\
To: parent@example.ca\r\n\
Subject: =?utf-8?b?VmFsaWRleiB2b3RyZSBjb3VycmllbCA6IDEyMzQ1Ng==?=\r\n\
Date: Sat, 29 Nov 2025 14:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Votre code de v=C3=A9rification est 123456.\r\n\
Il expire dans 10 minutes.\r\n";

    #[test]
    fn subject_body_and_recipient_are_decoded() {
        let mail = parse_mail("a.eml".into(), QP_MAIL.as_bytes(), None).expect("parsed");
        assert_eq!(mail.subject, "Validez votre courriel : 123456");
        assert_eq!(mail.to, "parent@example.ca");
        assert_eq!(
            mail.body,
            "Votre code de vérification est 123456.\r\nIl expire dans 10 minutes."
        );
        assert_eq!(mail.received_at, 1_764_424_800);
    }

    #[test]
    fn outbox_lists_eml_files_newest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let older = QP_MAIL.replace("14:00:00", "13:00:00");
        std::fs::write(dir.path().join("1.eml"), older).expect("write");
        std::fs::write(dir.path().join("2.eml"), QP_MAIL).expect("write");
        std::fs::write(dir.path().join("notes.txt"), "not a mail").expect("write");
        let ids: Vec<String> = read_outbox(dir.path()).into_iter().map(|m| m.id).collect();
        assert_eq!(ids, ["2.eml", "1.eml"]);
        assert!(read_outbox(&dir.path().join("missing")).is_empty());
    }
}
