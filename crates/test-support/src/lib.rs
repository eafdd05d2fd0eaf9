//! The reference portal's emails as the tests and the bench read them: the `.eml` files of its
//! outbox folder, or a message captured from SMTP, parsed with `mail-parser` (RFC 2047 subjects
//! and names, folded headers, base64 bodies, CRLF or LF line ends), and the verification code in
//! a subject (`docs/contract.md §8`: the code stands in the subject line).
//!
//! - [`Mail::parse`]: one message's bytes → from, to, subject and body, decoded.
//! - [`outbox`], [`mails_to`]: the messages of an outbox folder, oldest first.
//! - [`latest_code`]: the code of the newest message to an address.
//! - [`code_in`]: the code in any text (a subject shown on screen, a body).

use std::path::Path;

use mail_parser::{HeaderName, MessageParser};

/// How many digits the portal's verification codes have (`docs/contract.md §1` "Codes").
pub const CODE_LENGTH: usize = 6;

/// One email, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The `From` header as written, display name and address, with its RFC 2047 words decoded
    /// and folding undone: `Cartable <ne-pas-repondre@cartable.localhost>`,
    /// `"Portail parents" <ne-pas-repondre@cssexemple.ca>`.
    pub from: String,
    /// The first `To` address, without display name, as written: the portal writes the domain in
    /// ASCII (`élève@xn--cole-9oa.example`). Empty without one.
    pub to: String,
    /// The subject, RFC 2047 words decoded and folding undone. Empty without one.
    pub subject: String,
    /// The first plain-text body, transfer encoding undone, line ends as sent (the portal's are
    /// CRLF). Empty without one.
    pub body: String,
}

impl Mail {
    /// Parses one RFC 5322 message: an outbox `.eml` file, or a message an SMTP server received
    /// (a Maildir file, with the headers it adds).
    ///
    /// # Errors
    /// `None` for empty input; anything else is parsed best effort (mail-parser never fails
    /// otherwise), a field the message lacks being an empty string.
    pub fn parse(raw: &[u8]) -> Option<Self> {
        // `From` as text (decoded words, not an address list): tests compare what was written.
        let parser = MessageParser::new().with_minimal_headers().header_text(HeaderName::From);
        let message = parser.parse(raw)?;
        let from = message.header(HeaderName::From).and_then(|v| v.as_text()).unwrap_or_default();
        let to = message.to().and_then(|to| to.first()).and_then(|addr| addr.address());
        Some(Self {
            from: from.to_owned(),
            to: to.unwrap_or_default().to_owned(),
            subject: message.subject().unwrap_or_default().to_owned(),
            body: message.body_text(0).map(|body| body.into_owned()).unwrap_or_default(),
        })
    }

    /// The verification code in the subject: [`code_in`] with [`CODE_LENGTH`].
    pub fn code(&self) -> Option<String> {
        code_in(&self.subject, CODE_LENGTH)
    }
}

/// The first run of exactly `len` ASCII digits in `text`, not part of a longer run:
/// `code_in("Votre code : 042917", 6)` is `Some("042917")`; in `"2025 code 1234567 then
/// 654321."` it is `654321`.
///
/// # Errors
/// `None` when `text` has no such run.
pub fn code_in(text: &str, len: usize) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == len).map(str::to_owned)
}

/// Every message of the outbox folder `dir`, oldest first.
///
/// The portal writes one `{unix nanoseconds, 20 digits}-{uuid}.eml` file per message (under a
/// hidden temporary name first, then renamed), so sorting the names sorts the messages in
/// sending order; other files are ignored.
///
/// # Errors
/// None raised: a folder that does not exist (yet) or cannot be listed gives no message, and a
/// file that cannot be read or parsed is left out.
pub fn outbox(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    files.sort();
    files.iter().filter_map(|file| Mail::parse(&std::fs::read(file).ok()?)).collect()
}

/// The messages of the outbox folder `dir` addressed to `to` (the whole address, ASCII case
/// ignored), oldest first. See [`outbox`].
pub fn mails_to(dir: &Path, to: &str) -> Vec<Mail> {
    outbox(dir).into_iter().filter(|mail| mail.to.eq_ignore_ascii_case(to)).collect()
}

/// The verification code in the subject of the newest message of the outbox folder `dir` to
/// `to` ([`mails_to`], [`Mail::code`]).
///
/// # Errors
/// `None` when no message went to `to`, or when the newest one carries no code (a notice).
pub fn latest_code(dir: &Path, to: &str) -> Option<String> {
    mails_to(dir, to).pop()?.code()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Messages as the portal wrote them into its outbox (lettre, `crates/portal-server/src/mail.rs`).

    /// A French sign-up code: one RFC 2047 word in the subject.
    const FR_SIGN_UP: &str = "From: Cartable <ne-pas-repondre@cartable.localhost>\r\n\
To: jeanne.roy@exemple.ca\r\n\
Subject: 897029 est votre code de =?utf-8?b?dsOpcmlmaWNhdGlvbg==?= Cartable\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Message-ID: <W5ttoUYD8OZ1TO6suJ3beN7tLKc1Nwr1XgeB@vm>\r\n\
Content-Transfer-Encoding: base64\r\n\
Date: Sun, 06 Dec 2026 08:01:17 +0000\r\n\
\r\n\
Qm9uam91ciwNCg0KVm9pY2kgdm90cmUgY29kZSBkZSB2w6lyaWZpY2F0aW9uIHBvdXIgY3LDqWVy\r\n\
IHZvdHJlIGNvbXB0ZSBwYXJlbnQgOg0KDQo4OTcwMjkNCg0KSWwgZXN0IHZhbGlkZSBwZW5kYW50\r\n\
IDEwIG1pbnV0ZXMgZXQgbmUgcGV1dCBzZXJ2aXIgcXUndW5lIGZvaXMuDQoNClNpIHZvdXMgbidh\r\n\
dmV6IHBhcyBkZW1hbmTDqSBjZSBjb2RlLCBpZ25vcmV6IGNlIGNvdXJyaWVsIDogYXVjdW4gY29t\r\n\
cHRlIG5lIHNlcmEgY3LDqcOpIHNhbnMgbHVpLg0KDQpDYXJ0YWJsZQ0K";

    /// The same message as aiosmtpd's Maildir keeps it after SMTP delivery: LF line ends and
    /// the headers it adds.
    const FR_SIGN_UP_OVER_SMTP: &str = "From: Cartable <ne-pas-repondre@cartable.localhost>\n\
To: jeanne.roy@exemple.ca\n\
Subject: 897029 est votre code de =?utf-8?b?dsOpcmlmaWNhdGlvbg==?= Cartable\n\
Content-Type: text/plain; charset=utf-8\n\
Message-ID: <W5ttoUYD8OZ1TO6suJ3beN7tLKc1Nwr1XgeB@vm>\n\
Content-Transfer-Encoding: base64\n\
Date: Sun, 06 Dec 2026 08:01:17 +0000\n\
X-Peer: ('127.0.0.1', 35140)\n\
X-MailFrom: ne-pas-repondre@cartable.localhost\n\
X-RcptTo: jeanne.roy@exemple.ca\n\
\n\
Qm9uam91ciwNCg0KVm9pY2kgdm90cmUgY29kZSBkZSB2w6lyaWZpY2F0aW9uIHBvdXIgY3LDqWVy\n\
IHZvdHJlIGNvbXB0ZSBwYXJlbnQgOg0KDQo4OTcwMjkNCg0KSWwgZXN0IHZhbGlkZSBwZW5kYW50\n\
IDEwIG1pbnV0ZXMgZXQgbmUgcGV1dCBzZXJ2aXIgcXUndW5lIGZvaXMuDQoNClNpIHZvdXMgbidh\n\
dmV6IHBhcyBkZW1hbmTDqSBjZSBjb2RlLCBpZ25vcmV6IGNlIGNvdXJyaWVsIDogYXVjdW4gY29t\n\
cHRlIG5lIHNlcmEgY3LDqcOpIHNhbnMgbHVpLg0KDQpDYXJ0YWJsZQ0K\n";

    /// An English sign-up code: a plain ASCII subject.
    const EN_SIGN_UP: &str = "From: Cartable <ne-pas-repondre@cartable.localhost>\r\n\
To: kim@exemple.ca\r\n\
Subject: 811550 is your Cartable verification code\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Message-ID: <4m1So0IK5FXYLefDDQImqqwE1z6pqSqFSWIf@vm>\r\n\
Content-Transfer-Encoding: base64\r\n\
Date: Sun, 06 Dec 2026 08:01:18 +0000\r\n\
\r\n\
SGVsbG8sDQoNCkhlcmUgaXMgeW91ciB2ZXJpZmljYXRpb24gY29kZSB0byBjcmVhdGUgeW91ciBw\r\n\
YXJlbnQgYWNjb3VudDoNCg0KODExNTUwDQoNCkl0IGlzIHZhbGlkIGZvciAxMCBtaW51dGVzIGFu\r\n\
ZCBjYW4gYmUgdXNlZCBvbmNlLg0KDQpJZiB5b3UgZGlkIG5vdCBhc2sgZm9yIHRoaXMgY29kZSwg\r\n\
aWdub3JlIHRoaXMgZW1haWw6IG5vIGFjY291bnQgd2lsbCBiZSBjcmVhdGVkIHdpdGhvdXQgaXQu\r\n\
DQoNCkNhcnRhYmxlDQo=";

    /// A French reset code (the second message to `fr.reset@exemple.ca`).
    const FR_RESET: &str = "From: Cartable <ne-pas-repondre@cartable.localhost>\r\n\
To: fr.reset@exemple.ca\r\n\
Subject: 825440 est votre code pour changer de mot de passe Cartable\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Message-ID: <dDM1JjElhKvops2Mz6bYnVRjrNKuDzq9KE77@vm>\r\n\
Content-Transfer-Encoding: base64\r\n\
Date: Sun, 06 Dec 2026 08:01:28 +0000\r\n\
\r\n\
Qm9uam91ciwNCg0KVm9pY2kgdm90cmUgY29kZSBwb3VyIGNob2lzaXIgdW4gbm91dmVhdSBtb3Qg\r\n\
ZGUgcGFzc2UgOg0KDQo4MjU0NDANCg0KSWwgZXN0IHZhbGlkZSBwZW5kYW50IDEwIG1pbnV0ZXMg\r\n\
ZXQgbmUgcGV1dCBzZXJ2aXIgcXUndW5lIGZvaXMuDQoNClNpIHZvdXMgbidhdmV6IHBhcyBkZW1h\r\n\
bmTDqSBjZSBjb2RlLCBpZ25vcmV6IGNlIGNvdXJyaWVsIDogdm90cmUgbW90IGRlIHBhc3NlIHJl\r\n\
c3RlIGxlIG3Dqm1lLg0KDQpDYXJ0YWJsZQ0K";

    /// The "password changed" notice after that reset: no code; the subject is folded over
    /// two RFC 2047 words.
    const FR_PASSWORD_CHANGED: &str = "From: Cartable <ne-pas-repondre@cartable.localhost>\r\n\
To: fr.reset@exemple.ca\r\n\
Subject: Le mot de passe de votre compte Cartable a =?utf-8?b?w6l0w6kg?=\r\n\
\x20=?utf-8?b?Y2hhbmfDqQ==?=\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Message-ID: <07ZkPG0HdCZueW7TyeSdsmBHSjMdWVVTDovF@vm>\r\n\
Content-Transfer-Encoding: base64\r\n\
Date: Sun, 06 Dec 2026 08:01:29 +0000\r\n\
\r\n\
Qm9uam91ciwNCg0KTGUgbW90IGRlIHBhc3NlIGRlIHZvdHJlIGNvbXB0ZSBwYXJlbnQgYSDDqXTD\r\n\
qSBjaGFuZ8OpIGxlIDYgZMOpY2VtYnJlIDIwMjYgw6AgMyBoIDAxIChoZXVyZSBkZSBsJ0VzdCku\r\n\
DQoNClNpIGMnw6l0YWl0IHZvdXMsIHZvdXMgbidhdmV6IHJpZW4gw6AgZmFpcmUuIFBhciBzw6lj\r\n\
dXJpdMOpLCBsZXMgYXV0cmVzIGFwcGFyZWlscyBjb25uZWN0w6lzIMOgIHZvdHJlIGNvbXB0ZSBk\r\n\
ZXZyb250IHNlIHJlY29ubmVjdGVyIGF2ZWMgbGUgbm91dmVhdSBtb3QgZGUgcGFzc2UuDQoNClNp\r\n\
IGNlIG4nw6l0YWl0IHBhcyB2b3VzLCBjaG9pc2lzc2V6IHRvdXQgZGUgc3VpdGUgdW4gbm91dmVh\r\n\
dSBtb3QgZGUgcGFzc2UgOiBvdXZyZXogQ2FydGFibGUsIGNob2lzaXNzZXogwqsgTW90IGRlIHBh\r\n\
c3NlIG91Ymxpw6k/IMK7IGV0IGVudHJleiBjZXR0ZSBhZHJlc3NlLiBVbiBjb2RlIHZvdXMgc2Vy\r\n\
YSBlbnZvecOpIGljaS4gQ2hhbmdleiBhdXNzaSBsZSBtb3QgZGUgcGFzc2UgZGUgY2V0dGUgYm/D\r\n\
rnRlIGNvdXJyaWVsIDogYydlc3QgZWxsZSBxdWkgcmXDp29pdCBsZXMgY29kZXMuDQoNCkNhcnRh\r\n\
YmxlDQo=";

    /// To `élève@école.example`: a UTF-8 local part, the domain in Punycode.
    const FR_SIGN_UP_IDN: &str = "From: Cartable <ne-pas-repondre@cartable.localhost>\r\n\
To: élève@xn--cole-9oa.example\r\n\
Subject: 977976 est votre code de =?utf-8?b?dsOpcmlmaWNhdGlvbg==?= Cartable\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Message-ID: <MpCsVuZMpr35YK51chdOZ7Hp50cTNrvtW8kZ@vm>\r\n\
Content-Transfer-Encoding: base64\r\n\
Date: Sun, 06 Dec 2026 08:01:18 +0000\r\n\
\r\n\
Qm9uam91ciwNCg0KVm9pY2kgdm90cmUgY29kZSBkZSB2w6lyaWZpY2F0aW9uIHBvdXIgY3LDqWVy\r\n\
IHZvdHJlIGNvbXB0ZSBwYXJlbnQgOg0KDQo5Nzc5NzYNCg0KSWwgZXN0IHZhbGlkZSBwZW5kYW50\r\n\
IDEwIG1pbnV0ZXMgZXQgbmUgcGV1dCBzZXJ2aXIgcXUndW5lIGZvaXMuDQoNClNpIHZvdXMgbidh\r\n\
dmV6IHBhcyBkZW1hbmTDqSBjZSBjb2RlLCBpZ25vcmV6IGNlIGNvdXJyaWVsIDogYXVjdW4gY29t\r\n\
cHRlIG5lIHNlcmEgY3LDqcOpIHNhbnMgbHVpLg0KDQpDYXJ0YWJsZQ0K";

    /// With `--mail-from "Centre de services scolaire des Découvreurs <…>"`: the display name
    /// in two RFC 2047 words over a folded line, split inside "Découvreurs".
    const FR_SIGN_UP_NAMED_FROM: &str = "From: \
=?utf-8?b?Q2VudHJlIGRlIHNlcnZpY2VzIHNjb2xhaXJlIGRlcyBEw6ljb3V2cmV1?=\r\n\
\x20=?utf-8?b?cnM=?= <ne-pas-repondre@cssexemple.ca>\r\n\
To: x@exemple.ca\r\n\
Subject: 943766 est votre code de =?utf-8?b?dsOpcmlmaWNhdGlvbg==?= Cartable\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Message-ID: <tfZ7UDF4RJgXGbiaowfYviJdWXhN2aeuBTFG@vm>\r\n\
Content-Transfer-Encoding: base64\r\n\
Date: Sun, 06 Dec 2026 08:01:55 +0000\r\n\
\r\n\
Qm9uam91ciwNCg0KVm9pY2kgdm90cmUgY29kZSBkZSB2w6lyaWZpY2F0aW9uIHBvdXIgY3LDqWVy\r\n\
IHZvdHJlIGNvbXB0ZSBwYXJlbnQgOg0KDQo5NDM3NjYNCg0KSWwgZXN0IHZhbGlkZSBwZW5kYW50\r\n\
IDEwIG1pbnV0ZXMgZXQgbmUgcGV1dCBzZXJ2aXIgcXUndW5lIGZvaXMuDQoNClNpIHZvdXMgbidh\r\n\
dmV6IHBhcyBkZW1hbmTDqSBjZSBjb2RlLCBpZ25vcmV6IGNlIGNvdXJyaWVsIDogYXVjdW4gY29t\r\n\
cHRlIG5lIHNlcmEgY3LDqcOpIHNhbnMgbHVpLg0KDQpDYXJ0YWJsZQ0K";

    fn parse(raw: &str) -> Mail {
        Mail::parse(raw.as_bytes()).expect("a message")
    }

    #[test]
    fn a_french_code_message_is_decoded() {
        let mail = parse(FR_SIGN_UP);
        assert_eq!(mail.from, "Cartable <ne-pas-repondre@cartable.localhost>");
        assert_eq!(mail.to, "jeanne.roy@exemple.ca");
        assert_eq!(mail.subject, "897029 est votre code de vérification Cartable");
        assert_eq!(mail.code().as_deref(), Some("897029"));
        assert!(
            mail.body.starts_with(
                "Bonjour,\r\n\r\nVoici votre code de vérification pour créer votre compte parent :\
                 \r\n\r\n897029\r\n\r\n"
            ),
            "{mail:?}"
        );
        assert!(mail.body.ends_with("\r\n\r\nCartable\r\n"), "{mail:?}");
    }

    #[test]
    fn an_english_code_message_is_decoded() {
        let mail = parse(EN_SIGN_UP);
        assert_eq!(mail.to, "kim@exemple.ca");
        assert_eq!(mail.subject, "811550 is your Cartable verification code");
        assert_eq!(mail.code().as_deref(), Some("811550"));
        assert!(mail.body.starts_with("Hello,\r\n\r\n") && mail.body.contains("\r\n811550\r\n"));
    }

    #[test]
    fn a_folded_subject_without_a_code_is_decoded() {
        let mail = parse(FR_PASSWORD_CHANGED);
        assert_eq!(mail.subject, "Le mot de passe de votre compte Cartable a été changé");
        assert_eq!(mail.code(), None);
        assert!(
            mail.body.contains("a été changé le 6 décembre 2026 à 3 h 01 (heure de l'Est)."),
            "{mail:?}"
        );
        assert!(mail.body.contains("« Mot de passe oublié? »"), "{mail:?}");
        assert_eq!(code_in(&mail.body, CODE_LENGTH), None);
    }

    #[test]
    fn addresses_are_read_as_written() {
        assert_eq!(parse(FR_SIGN_UP_IDN).to, "élève@xn--cole-9oa.example");
        assert_eq!(
            parse(FR_SIGN_UP_NAMED_FROM).from,
            "Centre de services scolaire des Découvreurs <ne-pas-repondre@cssexemple.ca>"
        );
        // An ASCII display name with a space is quoted, and stays so.
        let quoted = FR_SIGN_UP.replace(
            "From: Cartable <ne-pas-repondre@cartable.localhost>",
            "From: \"Portail parents\" <ne-pas-repondre@cssexemple.ca>",
        );
        assert_eq!(parse(&quoted).from, "\"Portail parents\" <ne-pas-repondre@cssexemple.ca>");
    }

    #[test]
    fn a_message_received_over_smtp_reads_the_same() {
        assert_eq!(parse(FR_SIGN_UP_OVER_SMTP), parse(FR_SIGN_UP));
    }

    #[test]
    fn missing_fields_are_empty() {
        assert_eq!(Mail::parse(b""), None);
        let headless = Mail::parse(b"\r\n\r\n123456").expect("best effort");
        assert_eq!(
            (headless.from, headless.to, headless.subject),
            (String::new(), "".into(), "".into())
        );
    }

    #[test]
    fn a_code_is_a_run_of_exactly_its_length() {
        assert_eq!(code_in("Votre code : 042917", 6).as_deref(), Some("042917"));
        assert_eq!(code_in("2025-01-01 code 1234567 then 654321.", 6).as_deref(), Some("654321"));
        assert_eq!(code_in("897029 est votre code", 6).as_deref(), Some("897029"));
        assert_eq!(code_in("code 12345678", 8).as_deref(), Some("12345678"));
        assert_eq!(code_in("code 12345678", 6), None);
        assert_eq!(code_in("no code", 6), None);
        // Only ASCII digits: full-width ones are what a parent may paste, not what is mailed.
        assert_eq!(code_in("１２３４５６", 6), None);
    }

    #[test]
    fn an_outbox_is_read_in_sending_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = [
            ("01796544077817376520-9f670bac-d5cb-4596-8311-9cf3e80bae6a.eml", FR_SIGN_UP),
            ("01796544078057553359-7791fee5-a888-4b4e-8d74-3018fa65259d.eml", EN_SIGN_UP),
            ("01796544087910005003-3457647e-0cf2-4186-8476-f6801859acf5.eml", FR_SIGN_UP_IDN),
            ("01796544088890493510-edac86bb-fa8a-4f9e-a3aa-c7688fc6e7ce.eml", FR_RESET),
            ("01796544089725325739-01b5acb5-7079-44ce-99b5-e90c141f6a77.eml", FR_PASSWORD_CHANGED),
        ];
        // Written newest first: the order comes from the names.
        for (name, text) in files.iter().rev() {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        // Not messages: a file being written, another file, an empty `.eml`.
        std::fs::write(dir.path().join(".01796544090000000000-x.eml.tmp"), EN_SIGN_UP)
            .expect("write");
        std::fs::write(dir.path().join("notes.txt"), FR_SIGN_UP).expect("write");
        std::fs::write(dir.path().join("01796544090000000000-empty.eml"), "").expect("write");

        let subjects: Vec<String> = outbox(dir.path()).into_iter().map(|m| m.subject).collect();
        assert_eq!(
            subjects,
            [
                "897029 est votre code de vérification Cartable",
                "811550 is your Cartable verification code",
                "977976 est votre code de vérification Cartable",
                "825440 est votre code pour changer de mot de passe Cartable",
                "Le mot de passe de votre compte Cartable a été changé",
            ]
        );
        assert_eq!(mails_to(dir.path(), "Jeanne.Roy@Exemple.CA").len(), 1);
        assert_eq!(mails_to(dir.path(), "roy@exemple.ca").len(), 0, "the whole address");
        assert_eq!(latest_code(dir.path(), "KIM@exemple.ca").as_deref(), Some("811550"));
        assert_eq!(
            latest_code(dir.path(), "élève@xn--cole-9oa.example").as_deref(),
            Some("977976")
        );
        // The newest message to fr.reset is the notice: no code, not the reset's older one.
        assert_eq!(mails_to(dir.path(), "fr.reset@exemple.ca").len(), 2);
        assert_eq!(latest_code(dir.path(), "fr.reset@exemple.ca"), None);
        assert_eq!(latest_code(dir.path(), "nobody@exemple.ca"), None);
        assert!(outbox(&dir.path().join("missing")).is_empty());
    }
}
