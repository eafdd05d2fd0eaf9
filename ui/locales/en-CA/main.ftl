## Cartable — English (Canada) texts.
## err-* keys follow the error codes: err- + code with "_" replaced by "-".

app-name = Cartable
skip-to-content = Skip to content
nav-label = Main navigation
nav-children = My children
nav-help = Sign-in help
nav-settings = Settings
nav-other-language = Français
accounts-signed-in-as = Parent: { $label }
accounts-choose = Switch parent
accounts-title = Parents signed in on this device
accounts-shown = { $label } (shown)
accounts-switch-to = Switch to { $label }
accounts-add = Add a parent
footer-text = Cartable helps parents reach their school's portal. Cartable is not affiliated with GRICS or your school service centre.

common-busy = One moment…
common-back = Back
common-cancel = Cancel
common-save = Save
common-retry = Try again
common-loading = Loading…
common-yes = Yes
common-no = No
common-optional = (optional)

demo-banner-title = Demo mode:
demo-banner-text = a fictional portal; nothing is sent to any school.
demo-banner-mailbox = Open the demo mailbox
demo-mail-title = Demo mailbox
demo-mail-intro = The emails the demo portal "sent", newest first. Verification codes are in the subject line.
demo-mail-refresh = Refresh
demo-mail-empty = No email yet.

form-has-errors = Please correct the following:
field-email = Email
field-password = Password
field-new-password = New password
field-confirmation = Confirm the new password
password-show = Show
password-hide = Hide

notice-session-expired = Your session has expired. Please sign in again.
notice-adding-parent = Sign the new parent in or create their account. The previous parent stays signed in: find them in the “Switch parent” menu at the top.
notice-no-portal = This build of Cartable has no demo portal. To begin, enter your school service centre's portal address in Settings, “Advanced settings”.

login-title = Parent access
login-subscribe-reminder = To use the portal, your child's school must subscribe to the service.
login-help-link = Sign-in help
login-social-title = Sign in with your social account
login-social-with = Continue with
login-social-waiting = Continue in your browser…
login-social-waiting-hint = Sign in in the browser window that just opened, then come back to Cartable.
browser-fallback-continue = Continue in the browser
browser-not-opened = Your browser did not open.
browser-not-opened-hint = Copy the link below, paste it into your browser's address bar and sign in: Cartable is waiting for you to come back.
browser-link-intro = Nothing opened? Copy this link into your browser's address bar, or open it again.
browser-link-label = Sign-in address
browser-link-copy = Copy the link
browser-reopen = Open again
browser-link-copied = Link copied. Paste it into your browser's address bar, then sign in.
browser-reopened = Cartable asked your browser again to open the sign-in page. If nothing opens, copy the link.
browser-reopen-failed = Your browser still does not open. Copy the link and paste it into a browser.
login-local-title = Sign in with your email
login-forgot = Forgot your password?
login-submit = Sign in
login-no-account = Don't have an account?
login-create-account = Create your account

signup-title = Create your account
signup-intro = Three steps: your email, the code we email you, then your password.
signup-email-warning = Use the email you gave your child's school: it is what links your child to your account.
signup-exists = An account already exists for { $email }. Sign in, or choose "Forgot your password?" if you don't remember it.
reset-title = Forgot your password
reset-intro = We email you a code, then you choose a new password.
reset-email-hint = Your account's email.

flow-step = Step { $step } of { $total }
flow-email-title = Your email
flow-get-code = Get a verification code
flow-code-title = Verification code
flow-code-sent = We sent a code to { $target }.
flow-code-resent = A new code was sent. Only the latest one works.
code-label = Verification code
code-hint = You can paste the whole email or subject line: we will find the code in it.
flow-code-expires = The code is valid for { $time } more.
flow-code-expired = The code has expired. Ask for a new code.
flow-verify-code = Verify the code
flow-resend = Send a new code
flow-resend-in = Send a new code (in { $time })
flow-change-email = Change email
flow-no-code-title = The code doesn't arrive?
flow-no-code-junk = Look in your junk (spam) folder.
flow-no-code-wait = Wait a few minutes: some providers delay emails.
flow-no-code-typo = Check the address: { $email }. If it has a typo, choose "Change email".
flow-no-code-resend = Ask for a new code; only the latest one works.
flow-password-title = New password
flow-password-for = For the account { $email }.

pw-rules-title = Your password must follow these rules:
pw-met = Met:
pw-unmet = Not met:
pw-length = { $min } to { $max } characters (now { $length })
pw-classes = At least { $needed } of these 4 kinds of characters ({ $met } of 4):
pw-class-lowercase = a lowercase letter (a to z)
pw-class-uppercase = an uppercase letter (A to Z)
pw-class-digit = a digit (0 to 9)
pw-class-symbol = a symbol
pw-offending = { $character ->
    [space] A space (position { $position }) is not allowed
   *[other] The character "{ $character }" (position { $position }) is not allowed
}
pw-symbols = Allowed symbols: { $symbols }. Accented letters and spaces are not allowed.

children-title = My children
children-empty = No child is linked to your account yet.
children-add = Link a child
children-remove = Remove
children-remove-named = Remove { $name }
children-remove-confirm = Remove { $name } from your account? You can link them again later.
dossier-title = Child's file
dossier-empty = The school has not published anything yet.
dossier-count = { $count ->
    [0] No items
    [one] { $count } item
   *[other] { $count } items
}

associate-title = Link a child
associate-intro = Answer exactly as the school registered your child.
associate-done = Your child is now linked to your account.
associate-already = This child was already linked to your account.
associate-nip-question = I received a PIN (NIP) from the school
associate-private-question = My child attends a private school
associate-board = School service centre or school board
associate-private-school = Private school
picker-search-label = Search
picker-search-hint = Type part of the name, for example "affluents" or "CS des Affluents".
picker-count = { $count ->
    [0] No results
    [one] { $count } result
   *[other] { $count } results
}
picker-not-subscribed = not subscribed to the portal
picker-chosen-not-subscribed = { $name } does not subscribe to the portal: linking cannot be done online. Contact the school.
associate-nip = PIN (NIP)
associate-nip-hint = The 8 characters of the PIN the school gave you (dashes and spaces are ignored).
associate-last-name = Child's last name
associate-first-name = Child's first name
associate-names-hint = The legal name, with accents, hyphens and spaces, as on the report card.
associate-birth-date = Date of birth
associate-day = Day
associate-month = Month
associate-month-choose = Choose
associate-year = Year
associate-identifier = Student record number or permanent code
associate-identifier-hint = On the report card, schedule, account statement or student card. Record number: 7 digits; permanent code: 4 letters and 8 digits.
associate-read-fiche = Read as a student record number.
associate-read-code = Read as a permanent code.
associate-looks-fiche = Looks like a student record number (7 digits).
associate-looks-code = Looks like a permanent code (4 letters and 8 digits).
associate-email = My email
associate-email-hint = The email the school has on file for you.
associate-verified-emails = Your verified emails:
associate-limit = After { $limit } attempts without a match within 24 hours, you must wait before trying again.
associate-check-title = No record matches. Please check:
associate-check-names = the legal last and first names, with accents and hyphens, as the school registered them;
associate-check-board = the school service centre of your child's school (not that of your town);
associate-check-identifier = the record number or permanent code from the latest report card;
associate-check-date = that the day and month of birth are not swapped;
associate-check-email = that your email is the one the school has on file.
associate-link-open = The school has another email
link-title = Link the email given to the school
link-intro = If the school has another email on file for you, add it to your account. We will send a code to it to confirm it is yours.
link-not-verified = This email is not verified in your account yet. Link it to use it.
link-email = Email given to the school
link-send = Send the code
link-code-sent = A { $length }-digit code was sent to { $target }.
link-verify = Confirm
link-resend = Send a new code

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

help-title = Sign-in help
help-intro = Answers to the most common questions.
help-email-title = Which email should I use?
help-email-text = Use the email you gave the school when your child was registered. That email links your account to your child's record. If you are not sure, or your email changed, ask the school office to update the record.
help-identifiers-title = Where do I find the record number or permanent code?
help-identifiers-text = The student record number (7 digits) and the permanent code (4 letters and 8 digits) are on the report card, the schedule, the account statement or the student card. For security, the school does not send them by email.
help-code-title = The verification code doesn't arrive
help-code-text = Look in your junk mail, wait a few minutes, then check the address you typed. You can ask for a new code after one minute; only the latest one works. The code is valid for 10 minutes.
help-old-account-title = My account is older than February 2017
help-old-account-text = Accounts created before February 2017 must be created again, with the same email. Choose "Create your account".
help-two-parents-title = Two parents, two emails
help-two-parents-text = Each parent has their own account. Each must give their email to the school, create their account, then link the child.
help-subscribe-title = My school is missing or not subscribed
help-subscribe-text = The portal only works when the school service centre or private school subscribes to it. Otherwise, contact the school.

settings-title = Settings
settings-language = Language
settings-language-fr = Français
settings-language-en = English
settings-keychain-title = Stay signed in
settings-keychain-yes = On this computer, Cartable can keep your session in the system keychain: you stay signed in.
settings-keychain-no = On this computer, no keychain is available: you will have to sign in each time you open Cartable.
settings-keychain-unknown = Information not available.
settings-account = My account
settings-change-password = Change password
settings-no-password = You sign in with a social account: this account has no Cartable password to change.
settings-sign-out = Sign out
settings-device = This device
settings-forget-text = Erases this account's session and email from this computer. The other parents stay signed in, and your portal account is not affected.
settings-forget = Forget this device
settings-forget-all-text = Erases every parent's session and email, your settings and the demo data from this computer. The portal accounts are not affected.
settings-forget-all = Forget all accounts
settings-delete = Delete my account
settings-delete-what = Deletes your portal account, the links to your children, your emails and your sessions, then forgets this device. The school's records are not affected.
settings-delete-confirm = This cannot be undone. Delete your account?
settings-delete-yes = Yes, delete my account
settings-deleted = Your account was deleted.
settings-advanced = Advanced settings
settings-portal = Portal address
settings-portal-hint = Leave empty for the built-in demo portal. The change applies after signing out.
settings-portal-current = Portal in use: { $origin }
settings-saved = Setting saved.
settings-version = Version { $version }
settings-updates-title = Updates
settings-updates-checking = Looking for an update…
settings-updates-off = Cartable is updated by your package manager or by the organisation that provided it: no update server is configured on this computer.
settings-updates-up-to-date = Cartable is up to date (version { $version }).
settings-update-available = An update is available (version { $version }).
settings-update-current = You are using version { $version }.
settings-update-download = Download and verify
settings-update-check = Check for updates
settings-update-downloading = Downloading and verifying version { $version }…
settings-update-verified = Update verified: version { $version } is signed by Cartable's publisher.
settings-update-saved = The package is saved here: { $file }
settings-update-install = Cartable does not install itself. Install this package with your package manager, for example with this command in a terminal, then restart Cartable:
settings-update-open = Cartable does not install itself. Open this file to install the update, then restart Cartable.

## Shell errors (cartable_core::ipc::codes)
err-portal-unreachable = The portal cannot be reached. Check your Internet connection, then try again.
err-portal-error = The portal answered in an unexpected way. Try again later.
err-keychain-unavailable = No keychain is available: your session will not be kept when you close the app.
err-invalid-credentials = The email or password is incorrect.
err-user-already-exists = An account already exists for { $email }.
err-user-not-found = No account uses this email.
err-invalid-code = This code is incorrect. { $attempts_left ->
    [0] No attempts left: ask for a new code.
    [one] { $attempts_left } attempt left.
   *[other] { $attempts_left } attempts left.
}
err-flow-expired = This step has expired. Start again: your email is already filled in.
err-throttled = Too many requests. Try again in { $minutes } min.
err-code-attempts-exceeded = Too many wrong codes. Ask for a new code in { $minutes } min.
err-code-sends-exceeded = Too many codes sent to this email. Try again in { $minutes } min.
err-account-locked = Too many attempts: the account is locked for { $minutes } min. You can also choose "Forgot your password?".
err-password-recently-used = The new password must differ from the current one.
err-redirect-required = The portal asks to finish this step on its own page, in your browser. Choose “Continue in the browser”.
err-not-signed-in = Please sign in.
err-session-expired = Your session has expired. Please sign in again.
err-no-pending-flow = Nothing is in progress: start again at the first step.
err-no-matching-record = No student record matches this information. { $attempts_left ->
    [one] You have { $attempts_left } attempt left today.
   *[other] You have { $attempts_left } attempts left today.
}
err-email-not-verified = This email is not a verified email of your account.
err-board-not-subscribed = This body does not subscribe to the portal: linking cannot be done online.
err-too-many-attempts = Daily limit reached. Try again in { $minutes } min.
err-too-many-attempts-unknown = Daily limit reached. Try again later.
err-exactly-one-required = Give exactly one of these.
err-unknown-board = The portal does not know this school board. Choose it again from the list.
err-unknown-private-school = The portal does not know this private school. Choose it again from the list.
err-child-not-found = This child is not linked to your account.
err-not-demo = The mailbox exists only with the demo portal.
err-invalid-setting = { $reason ->
    [no_portal] This build of Cartable has no demo portal. Enter your school service centre's portal address in Settings, “Portal address”.
    [insecure_url] The portal address must start with https:// (http:// is allowed only for this computer, e.g. http://127.0.0.1:8787).
    [not_an_origin] Enter only the site's address, without a path: for example https://portail.example.ca
    [unsupported_scheme] The portal address must start with https://
    [invalid_url] This portal address is not valid. Example: https://portail.example.ca
   *[other] This setting is not valid.
}
err-internal = Something unexpected happened. Try again.
err-browser-cancelled = Signing in through the browser was cancelled.
err-browser-timed-out = The browser did not come back in time. Choose “Try again” to start signing in again.
err-browser-failed = Signing in through the browser did not succeed. Try again, or use your email and password.
err-clipboard-unavailable = The link could not be copied. Select the address above, copy it (right-click, Copy) and paste it into your browser.
err-updates-off = No update server is configured: Cartable is updated by your package manager.
err-update-unreachable = The update server cannot be reached. Check your Internet connection, then try again.
err-update-invalid = The update server answered something unusable: no update is offered for this computer. Try again later.
err-update-signature-invalid = The update's signature does not match Cartable's publisher: the update was refused and nothing was installed. Try again later; if it happens again, tell the organisation that provided Cartable.
err-no-update = No update to download: check for an update first.
err-update-save-failed = The verified update could not be saved in { $folder }. Free some space or check that folder, then try again.
err-unknown = Something unexpected happened (code { $code }).
err-shell-unavailable = Cartable cannot reach the application: this page is open outside Cartable (preview).

## UI form errors
err-field-required = This field is required.
err-password-mismatch = The confirmation does not match the new password.
err-board-required = Choose a school body.

## Portal errors (parent API)
err-email-in-use = This email belongs to another account: sign in with that account to use it, or enter another email.

## Email
err-email-empty = Enter your email.
err-email-missing-at = The email is missing its "@".
err-email-multiple-at = The email has more than one "@".
err-email-empty-local-part = The part before the "@" is missing.
err-email-empty-domain = The part after the "@" is missing.
err-email-local-part-too-long = The part before the "@" is too long ({ $max } bytes at most).
err-email-invalid-character = { $character ->
    [space] A space (position { $position }) is not allowed in the email.
   *[other] The character "{ $character }" (position { $position }) is not allowed in the email.
}
err-email-bad-local-part = The part before the "@" is malformed (a dot at the start, at the end or doubled).
err-email-bad-domain = The part after the "@" is not a valid domain.
err-email-domain-missing-dot = The domain is missing its ending (for example ".ca" or ".com").

## Verification code
err-code-empty = Enter the code you received by email.
err-code-not-digits = The code has digits only: "{ $character }" (position { $position }) is not one.
err-code-too-short = The code has { $expected } digits; you entered { $length }.
err-code-too-long = The code has { $expected } digits; you entered { $length }.
err-code-ambiguous = The pasted text holds { $count } possible codes: enter only the latest one.

## Password
err-password-is-invalid = { $character ->
    [space] A space (position { $position }) is not allowed in the password.
   *[other] The character "{ $character }" (position { $position }) is not allowed in the password.
}
err-password-too-short = The password needs at least { $min } characters (it has { $length }).
err-password-too-long = The password can have at most { $max } characters (it has { $length }).
err-password-too-weak = The password needs at least { $min_classes } of the 4 kinds of characters (it has { $classes_met }).

## Date of birth
err-birth-date-bad-month = Month { $month } does not exist.
err-birth-date-no-such-day = { $day }/{ $month }/{ $year } does not exist. Are the day and month swapped?
err-birth-date-in-future = The date of birth is in the future.
err-birth-date-too-young = The child must be at least { $min_years } years old.
err-birth-date-too-old = The student must be at most { $max_years } years old.
err-birth-date-bad-format = Enter the day and year as numbers and choose the month.

## Names
err-name-empty = Enter the name.
err-name-no-letter = The name needs at least one letter.
err-name-too-long = The name is too long ({ $max } characters at most).
err-name-digit = A name has no digits: "{ $character }" (position { $position }).
err-name-control-character = Invisible character { $code_point } (position { $position }): type the name again.
err-name-invalid-character = The character "{ $character }" (position { $position }) is not allowed in a name.

## Identifiers
err-identifier-empty = Enter the student record number or the permanent code.
err-student-number-empty = Enter the student record number.
err-student-number-not-digit = The record number has digits only: "{ $character }" (position { $position }).
err-student-number-length = A record number has { $expected } digits; you entered { $length }.
err-permanent-code-empty = Enter the permanent code.
err-permanent-code-invalid-character = The character "{ $character }" (position { $position }) cannot be in a permanent code.
err-permanent-code-length = A permanent code has { $expected } characters; you entered { $length }.
err-permanent-code-expected-letter = A permanent code starts with 4 letters: "{ $character }" (position { $position }) should be a letter.
err-permanent-code-expected-digit = A permanent code ends with 8 digits: "{ $character }" (position { $position }) should be a digit.
err-nip-empty = Enter the PIN.
err-nip-invalid-character = The character "{ $character }" (position { $position }) is not in a PIN (no 0, O, 1 or I).
err-nip-length = A PIN has { $expected } characters; you entered { $length }.

## Permanent-code hints (never blocking)
err-permanent-code-day-may-not-match = The code's day ({ $code_day }) may not match the day of birth ({ $birth_day }); this is sometimes normal.
err-permanent-code-month-may-not-match = The code's month ({ $code_month }) may not match the month of birth ({ $birth_month }); this is sometimes normal.
err-permanent-code-year-may-not-match = The code's year ({ $code_year }) may not match the year of birth ({ $birth_year }); this is sometimes normal.
err-permanent-code-day-may-not-be-a-date = The day digits ({ $code_day }) don't look like a day; check the code (this is sometimes normal).
err-permanent-code-month-may-not-be-a-date = The month digits ({ $code_month }) don't look like a month; check the code (this is sometimes normal).
err-permanent-code-letters-may-not-match = The code's letters ({ $code_letters }) may not match the name ({ $name_letters }); this is sometimes normal.

## Variants without an attempt count (when the portal gives none)
err-invalid-code-unknown = This code is incorrect. Check it or ask for a new code.
err-no-matching-record-unknown = No student record matches this information.
keychain-notice-dismiss = Got it
