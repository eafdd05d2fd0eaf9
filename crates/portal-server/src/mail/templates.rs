//! The texts of the portal's emails, French and English (`docs/contract.md §8`).
//!
//! The code stands in the subject line (§8). The "no account" notice of a reset for an unknown
//! address contains no code and says how to create an account (§3). The "password changed"
//! notice after a completed reset or password change (§3) says what happened and when, and
//! what to do if it was not the parent; it carries no code and never the password.

use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::Lang;

/// What a message says.
#[derive(Clone, PartialEq, Eq)]
pub enum MailKind {
    /// The code that proves the address at sign-up (§1 step 2).
    SignUpCode {
        /// The 6 digits.
        code: String,
    },
    /// The code that proves the address for a password reset (§3 step 2).
    ResetCode {
        /// The 6 digits.
        code: String,
    },
    /// A reset was asked for an address no account uses (§3): no code, how to sign up instead.
    ResetNoAccount,
    /// The code that proves an address the parent links to the account (§5, "Linking the
    /// school email").
    LinkEmailCode {
        /// The 6 digits.
        code: String,
    },
    /// The account's password was just changed by a completed reset or a password change (§3):
    /// when, and "if it was not you, use « Mot de passe oublié? » now". No code, no password.
    PasswordChanged,
}

impl std::fmt::Debug for MailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl MailKind {
    /// A short name for logs (never the code).
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignUpCode { .. } => "signup_code",
            Self::ResetCode { .. } => "reset_code",
            Self::ResetNoAccount => "reset_no_account",
            Self::LinkEmailCode { .. } => "link_email_code",
            Self::PasswordChanged => "password_changed",
        }
    }

    /// The code the message carries, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::SignUpCode { code } | Self::ResetCode { code } | Self::LinkEmailCode { code } => {
                Some(code)
            }
            Self::ResetNoAccount | Self::PasswordChanged => None,
        }
    }
}

/// A message's subject and plain-text body.
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The body, plain text with `\n` line ends.
    pub body: String,
}

/// The subject and body of `kind` in `lang`; `sent_at` is the time the message is sent, which
/// the "password changed" notice states in Québec's time ([`eastern`]).
pub fn render(kind: &MailKind, lang: Lang, sent_at: OffsetDateTime) -> Rendered {
    let (subject, body) = match (kind, lang) {
        (MailKind::SignUpCode { code }, Lang::Fr) => (
            format!("{code} est votre code de vérification Cartable"),
            format!(
                "Bonjour,\n\n\
                 Voici votre code de vérification pour créer votre compte parent :\n\n\
                 {code}\n\n\
                 Il est valide pendant 10 minutes et ne peut servir qu'une fois.\n\n\
                 Si vous n'avez pas demandé ce code, ignorez ce courriel : aucun compte ne sera \
                 créé sans lui.\n\n\
                 Cartable\n"
            ),
        ),
        (MailKind::SignUpCode { code }, Lang::En) => (
            format!("{code} is your Cartable verification code"),
            format!(
                "Hello,\n\n\
                 Here is your verification code to create your parent account:\n\n\
                 {code}\n\n\
                 It is valid for 10 minutes and can be used once.\n\n\
                 If you did not ask for this code, ignore this email: no account will be created \
                 without it.\n\n\
                 Cartable\n"
            ),
        ),
        (MailKind::ResetCode { code }, Lang::Fr) => (
            format!("{code} est votre code pour changer de mot de passe Cartable"),
            format!(
                "Bonjour,\n\n\
                 Voici votre code pour choisir un nouveau mot de passe :\n\n\
                 {code}\n\n\
                 Il est valide pendant 10 minutes et ne peut servir qu'une fois.\n\n\
                 Si vous n'avez pas demandé ce code, ignorez ce courriel : votre mot de passe \
                 reste le même.\n\n\
                 Cartable\n"
            ),
        ),
        (MailKind::ResetCode { code }, Lang::En) => (
            format!("{code} is your Cartable password reset code"),
            format!(
                "Hello,\n\n\
                 Here is your code to choose a new password:\n\n\
                 {code}\n\n\
                 It is valid for 10 minutes and can be used once.\n\n\
                 If you did not ask for this code, ignore this email: your password stays the \
                 same.\n\n\
                 Cartable\n"
            ),
        ),
        (MailKind::ResetNoAccount, Lang::Fr) => (
            "Aucun compte Cartable n'utilise cette adresse".to_owned(),
            "Bonjour,\n\n\
             Quelqu'un a demandé à changer le mot de passe du compte parent lié à cette adresse \
             courriel. Aucun compte n'utilise cette adresse.\n\n\
             Pour créer un compte, ouvrez Cartable et choisissez « Créer un compte », puis \
             entrez cette adresse : un code de vérification vous sera envoyé.\n\n\
             Si vous n'avez rien demandé, ignorez ce courriel.\n\n\
             Cartable\n"
                .to_owned(),
        ),
        (MailKind::ResetNoAccount, Lang::En) => (
            "No Cartable account uses this address".to_owned(),
            "Hello,\n\n\
             Someone asked to change the password of the parent account of this email address. \
             No account uses this address.\n\n\
             To create one, open Cartable, choose \"Create an account\" and enter this address: \
             a verification code will be sent to you.\n\n\
             If you did not ask for anything, ignore this email.\n\n\
             Cartable\n"
                .to_owned(),
        ),
        (MailKind::LinkEmailCode { code }, Lang::Fr) => (
            format!("{code} est votre code pour ajouter ce courriel à Cartable"),
            format!(
                "Bonjour,\n\n\
                 Voici votre code pour ajouter cette adresse courriel à votre compte parent :\n\n\
                 {code}\n\n\
                 Il est valide pendant 10 minutes et ne peut servir qu'une fois.\n\n\
                 Si vous n'avez pas demandé ce code, ignorez ce courriel : l'adresse ne sera pas \
                 ajoutée sans lui.\n\n\
                 Cartable\n"
            ),
        ),
        (MailKind::LinkEmailCode { code }, Lang::En) => (
            format!("{code} is your code to add this email to Cartable"),
            format!(
                "Hello,\n\n\
                 Here is your code to add this email address to your parent account:\n\n\
                 {code}\n\n\
                 It is valid for 10 minutes and can be used once.\n\n\
                 If you did not ask for this code, ignore this email: the address will not be \
                 added without it.\n\n\
                 Cartable\n"
            ),
        ),
        (MailKind::PasswordChanged, Lang::Fr) => (
            "Le mot de passe de votre compte Cartable a été changé".to_owned(),
            format!(
                "Bonjour,\n\n\
                 Le mot de passe de votre compte parent a été changé {when}.\n\n\
                 Si c'était vous, vous n'avez rien à faire. Par sécurité, les autres appareils \
                 connectés à votre compte devront se reconnecter avec le nouveau mot de passe.\n\n\
                 Si ce n'était pas vous, choisissez tout de suite un nouveau mot de passe : \
                 ouvrez Cartable, choisissez « Mot de passe oublié? » et entrez cette adresse. \
                 Un code vous sera envoyé ici. Changez aussi le mot de passe de cette boîte \
                 courriel : c'est elle qui reçoit les codes.\n\n\
                 Cartable\n",
                when = when_fr(sent_at)
            ),
        ),
        (MailKind::PasswordChanged, Lang::En) => (
            "Your Cartable password was changed".to_owned(),
            format!(
                "Hello,\n\n\
                 The password of your parent account was changed {when}.\n\n\
                 If it was you, there is nothing to do. For your security, the other devices \
                 signed in to your account will have to sign in again with the new password.\n\n\
                 If it was not you, choose a new password right away: open Cartable, choose \
                 \"Forgot your password?\" and enter this address. A code will be sent to you \
                 here. Also change the password of this mailbox: it is the one that receives the \
                 codes.\n\n\
                 Cartable\n",
                when = when_en(sent_at)
            ),
        ),
    };
    Rendered { subject, body }
}

/// `at` in Québec's time (most of the province; Eastern Time, the America/Toronto rules): UTC−4
/// from the second Sunday of March at 2:00 standard time to the first Sunday of November at
/// 2:00 daylight time, UTC−5 otherwise (the Canadian and US rule in force since 2007). Computed
/// here so the server needs no time zone database.
pub fn eastern(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    let year = utc.year();
    // 2:00 EST = 07:00 UTC; 2:00 EDT = 06:00 UTC.
    let starts = nth_sunday(year, Month::March, 2).map(|d| d.with_hms(7, 0, 0));
    let ends = nth_sunday(year, Month::November, 1).map(|d| d.with_hms(6, 0, 0));
    let daylight = match (starts, ends) {
        (Some(Ok(starts)), Some(Ok(ends))) => {
            let naive = time::PrimitiveDateTime::new(utc.date(), utc.time());
            naive >= starts && naive < ends
        }
        _ => false,
    };
    let hours = if daylight { -4 } else { -5 };
    UtcOffset::from_hms(hours, 0, 0).map_or(utc, |offset| utc.to_offset(offset))
}

/// The `n`-th Sunday (1-based) of `month` in `year`.
fn nth_sunday(year: i32, month: Month, n: u8) -> Option<Date> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let to_sunday = (7 - first.weekday().number_days_from_sunday()) % 7;
    Date::from_calendar_date(year, month, 1 + to_sunday + 7 * (n - 1)).ok()
}

/// "le 9 mars 2025 à 3 h 05 (heure de l'Est)", the OQLF's style for dates and times.
fn when_fr(at: OffsetDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let t = eastern(at);
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    let day = if t.day() == 1 { "1er".to_owned() } else { t.day().to_string() };
    format!("le {day} {month} {} à {} h {:02} (heure de l'Est)", t.year(), t.hour(), t.minute())
}

/// "on March 9, 2025, at 3:05 a.m. Eastern Time", Canadian English style.
fn when_en(at: OffsetDateTime) -> String {
    let t = eastern(at);
    let (hour, half) = match t.hour() {
        0 => (12, "a.m."),
        h @ 1..=11 => (h, "a.m."),
        12 => (12, "p.m."),
        h => (h - 12, "p.m."),
    };
    format!(
        "on {} {}, {}, at {hour}:{:02} {half} Eastern Time",
        t.month(),
        t.day(),
        t.year(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const AT: OffsetDateTime = datetime!(2025-03-14 13:05 UTC);

    /// A run of exactly 6 ASCII digits, as a code would appear.
    fn has_six_digits(text: &str) -> bool {
        test_support::code_in(text, test_support::CODE_LENGTH).is_some()
    }

    #[test]
    fn codes_stand_in_the_subject_and_the_notice_has_none() {
        for lang in [Lang::Fr, Lang::En] {
            for kind in [
                MailKind::SignUpCode { code: "123456".into() },
                MailKind::ResetCode { code: "123456".into() },
                MailKind::LinkEmailCode { code: "123456".into() },
            ] {
                let r = render(&kind, lang, AT);
                assert!(r.subject.contains("123456") && r.body.contains("123456"));
            }
            let r = render(&MailKind::ResetNoAccount, lang, AT);
            assert!(!r.body.chars().any(|c| c.is_ascii_digit()));
        }
        assert!(render(&MailKind::ResetNoAccount, Lang::Fr, AT).body.contains("Créer un compte"));
    }

    #[test]
    fn password_changed_says_what_when_and_what_to_do_without_a_code() {
        let kind = MailKind::PasswordChanged;
        assert_eq!(kind.code(), None);
        assert_eq!(kind.name(), "password_changed");
        assert_eq!(format!("{kind:?}"), "password_changed");

        let fr = render(&kind, Lang::Fr, AT);
        assert_eq!(fr.subject, "Le mot de passe de votre compte Cartable a été changé");
        assert!(fr.body.starts_with("Bonjour,\n\n"), "{}", fr.body);
        assert!(
            fr.body.contains("a été changé le 14 mars 2025 à 9 h 05 (heure de l'Est)."),
            "{}",
            fr.body
        );
        assert!(fr.body.contains("Si ce n'était pas vous"), "{}", fr.body);
        assert!(fr.body.contains("« Mot de passe oublié? »"), "{}", fr.body);
        assert!(fr.body.ends_with("Cartable\n"));

        let en = render(&kind, Lang::En, AT);
        assert_eq!(en.subject, "Your Cartable password was changed");
        assert!(en.body.starts_with("Hello,\n\n"), "{}", en.body);
        assert!(
            en.body.contains("was changed on March 14, 2025, at 9:05 a.m. Eastern Time."),
            "{}",
            en.body
        );
        assert!(en.body.contains("If it was not you"), "{}", en.body);
        assert!(en.body.contains("\"Forgot your password?\""), "{}", en.body);

        for r in [&fr, &en] {
            // Readable from a notification: a short subject with no digits; no code anywhere.
            assert!(r.subject.len() < 60 && !r.subject.chars().any(|c| c.is_ascii_digit()));
            assert!(!has_six_digits(&r.subject) && !has_six_digits(&r.body), "{}", r.body);
            // Plain text, one paragraph per line.
            assert!(!r.body.contains('<') && !r.body.contains("  "), "{}", r.body);
        }
    }

    #[test]
    fn eastern_time_follows_daylight_saving() {
        let offset = |at: OffsetDateTime| eastern(at).offset().whole_hours();
        // 2025: daylight time from Sunday 9 March 2:00 EST to Sunday 2 November 2:00 EDT.
        assert_eq!(offset(datetime!(2025-01-15 12:00 UTC)), -5);
        assert_eq!(offset(datetime!(2025-03-09 06:59:59 UTC)), -5);
        assert_eq!(offset(datetime!(2025-03-09 07:00 UTC)), -4);
        assert_eq!(offset(datetime!(2025-07-01 12:00 UTC)), -4);
        assert_eq!(offset(datetime!(2025-11-02 05:59:59 UTC)), -4);
        assert_eq!(offset(datetime!(2025-11-02 06:00 UTC)), -5);
        // 2026: 8 March and 1 November (a month starting on a Sunday).
        assert_eq!(offset(datetime!(2026-03-08 06:59 UTC)), -5);
        assert_eq!(offset(datetime!(2026-03-08 07:00 UTC)), -4);
        assert_eq!(offset(datetime!(2026-11-01 05:59 UTC)), -4);
        assert_eq!(offset(datetime!(2026-11-01 06:00 UTC)), -5);
        // Any input offset is the same instant.
        let t = eastern(datetime!(2025-07-01 08:30 -4));
        assert_eq!((t.hour(), t.minute()), (8, 30));
        // New Year's Eve in Québec while it is already 1 January in UTC.
        let t = eastern(datetime!(2026-01-01 03:00 UTC));
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2025, Month::December, 31, 22));
    }

    #[test]
    fn when_is_written_in_each_language_style() {
        assert_eq!(
            when_fr(datetime!(2025-11-01 04:00 UTC)),
            "le 1er novembre 2025 à 0 h 00 (heure de l'Est)"
        );
        assert_eq!(
            when_fr(datetime!(2025-08-20 21:45 UTC)),
            "le 20 août 2025 à 17 h 45 (heure de l'Est)"
        );
        assert_eq!(
            when_en(datetime!(2025-11-01 04:00 UTC)),
            "on November 1, 2025, at 12:00 a.m. Eastern Time"
        );
        assert_eq!(
            when_en(datetime!(2025-12-24 17:07 UTC)),
            "on December 24, 2025, at 12:07 p.m. Eastern Time"
        );
        assert_eq!(
            when_en(datetime!(2025-08-20 21:45 UTC)),
            "on August 20, 2025, at 5:45 p.m. Eastern Time"
        );
    }
}
