//! The texts of the portal's emails, French and English (`docs/contract.md §8`).
//!
//! The code stands in the subject line (§8). The "no account" notice of a reset for an unknown
//! address contains no code and says how to create an account (§3).

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
        }
    }

    /// The code the message carries, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::SignUpCode { code } | Self::ResetCode { code } | Self::LinkEmailCode { code } => {
                Some(code)
            }
            Self::ResetNoAccount => None,
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

/// The subject and body of `kind` in `lang`.
pub fn render(kind: &MailKind, lang: Lang) -> Rendered {
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
    };
    Rendered { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_stand_in_the_subject_and_the_notice_has_none() {
        for lang in [Lang::Fr, Lang::En] {
            for kind in [
                MailKind::SignUpCode { code: "123456".into() },
                MailKind::ResetCode { code: "123456".into() },
                MailKind::LinkEmailCode { code: "123456".into() },
            ] {
                let r = render(&kind, lang);
                assert!(r.subject.contains("123456") && r.body.contains("123456"));
            }
            let r = render(&MailKind::ResetNoAccount, lang);
            assert!(!r.body.chars().any(|c| c.is_ascii_digit()));
        }
        assert!(render(&MailKind::ResetNoAccount, Lang::Fr).body.contains("Créer un compte"));
    }
}
