## Cartable — textes français (Canada), langue par défaut.
## Les clés err-* suivent les codes d'erreur : err- + code avec « _ » remplacé par « - ».

app-name = Cartable
skip-to-content = Aller au contenu
nav-label = Navigation principale
nav-children = Mes enfants
nav-help = Aide à la connexion
nav-settings = Paramètres
nav-other-language = English
accounts-signed-in-as = Parent : { $label }
accounts-choose = Changer de parent
accounts-title = Parents connectés sur cet appareil
accounts-shown = { $label } (affiché)
accounts-switch-to = Passer à { $label }
accounts-add = Ajouter un parent
footer-text = Cartable aide les parents à accéder au portail de leur école. Cartable n'est pas affilié à la GRICS ni à votre centre de services scolaire.

common-busy = Un instant…
common-back = Retour
common-cancel = Annuler
common-save = Enregistrer
common-retry = Réessayer
common-loading = Chargement…
common-yes = Oui
common-no = Non
common-optional = (facultatif)

demo-banner-title = Mode démonstration :
demo-banner-text = portail fictif, aucune donnée n'est transmise à une école.
demo-banner-mailbox = Ouvrir la boîte de courriel de démonstration
demo-mail-title = Boîte de courriel de démonstration
demo-mail-intro = Les courriels que le portail de démonstration a « envoyés », du plus récent au plus ancien. Les codes de vérification sont dans l'objet.
demo-mail-refresh = Actualiser
demo-mail-empty = Aucun courriel pour l'instant.

form-has-errors = Veuillez corriger ce qui suit :
field-email = Courriel
field-password = Mot de passe
field-new-password = Nouveau mot de passe
field-confirmation = Confirmation du nouveau mot de passe
password-show = Afficher
password-hide = Masquer

notice-session-expired = Votre session a expiré. Veuillez vous connecter de nouveau.
notice-adding-parent = Connectez le nouveau parent ou créez son compte. Le parent précédent reste connecté : retrouvez-le dans le menu « Changer de parent », en haut.
notice-no-portal = Cette version de Cartable n'a pas de portail de démonstration. Pour commencer, entrez l'adresse du portail de votre centre de services scolaire dans Paramètres, « Paramètres avancés ».

login-title = Accès aux parents
login-subscribe-reminder = Pour utiliser le portail, l'établissement scolaire de votre enfant doit être abonné au service.
login-help-link = Aide à la connexion
login-social-title = Connectez-vous avec votre compte social
login-social-with = Continuer avec
login-social-waiting = Poursuivez dans votre navigateur…
login-social-waiting-hint = Connectez-vous dans la fenêtre du navigateur qui vient de s'ouvrir, puis revenez à Cartable.
browser-fallback-continue = Continuer dans le navigateur
browser-not-opened = Le navigateur ne s'est pas ouvert.
browser-not-opened-hint = Copiez le lien ci-dessous, collez-le dans la barre d'adresse de votre navigateur et connectez-vous : Cartable attend votre retour.
browser-link-intro = Rien ne s'est ouvert? Copiez ce lien dans la barre d'adresse de votre navigateur, ou ouvrez-le de nouveau.
browser-link-label = Adresse de connexion
browser-link-copy = Copier le lien
browser-reopen = Ouvrir de nouveau
browser-link-copied = Lien copié. Collez-le dans la barre d'adresse de votre navigateur, puis connectez-vous.
browser-reopened = Cartable a demandé de nouveau à votre navigateur d'ouvrir la page de connexion. Si rien ne s'ouvre, copiez le lien.
browser-reopen-failed = Votre navigateur ne s'ouvre toujours pas. Copiez le lien et collez-le dans un navigateur.
login-local-title = Connectez-vous avec votre courriel
login-forgot = Mot de passe oublié?
login-submit = Se connecter
login-no-account = Vous n'avez pas de compte?
login-create-account = Créez votre compte

signup-title = Créez votre compte
signup-intro = Trois étapes : votre courriel, le code reçu par courriel, puis votre mot de passe.
signup-email-warning = Utilisez le courriel que vous avez donné à l'école de votre enfant : c'est lui qui permet d'associer votre enfant.
signup-exists = Un compte existe déjà pour { $email }. Connectez-vous, ou choisissez « Mot de passe oublié? » si vous ne vous en souvenez plus.
reset-title = Mot de passe oublié
reset-intro = Nous vous envoyons un code par courriel, puis vous choisissez un nouveau mot de passe.
reset-email-hint = Le courriel de votre compte.

flow-step = Étape { $step } de { $total }
flow-email-title = Votre courriel
flow-get-code = Obtenir un code de vérification
flow-code-title = Code de vérification
flow-code-sent = Nous avons envoyé un code à { $target }.
flow-code-resent = Un nouveau code a été envoyé. Seul le plus récent fonctionne.
code-label = Code de vérification
code-hint = Vous pouvez coller le courriel ou l'objet en entier : nous y trouverons le code.
flow-code-expires = Le code est valide encore { $time }.
flow-code-expired = Le code a expiré. Demandez un nouveau code.
flow-verify-code = Vérifier le code
flow-resend = Envoyer un nouveau code
flow-resend-in = Envoyer un nouveau code (dans { $time })
flow-change-email = Changer de courriel
flow-no-code-title = Le code n'arrive pas?
flow-no-code-junk = Regardez dans le dossier des courriels indésirables (pourriels).
flow-no-code-wait = Attendez quelques minutes : certains fournisseurs retardent les courriels.
flow-no-code-typo = Vérifiez l'adresse : { $email }. S'il y a une faute, choisissez « Changer de courriel ».
flow-no-code-resend = Demandez un nouveau code; seul le plus récent fonctionne.
flow-password-title = Nouveau mot de passe
flow-password-for = Pour le compte { $email }.

pw-rules-title = Votre mot de passe doit respecter ces règles :
pw-met = Respecté :
pw-unmet = Non respecté :
pw-length = De { $min } à { $max } caractères (actuellement { $length })
pw-classes = Au moins { $needed } de ces 4 types de caractères ({ $met } sur 4) :
pw-class-lowercase = une lettre minuscule (a à z)
pw-class-uppercase = une lettre majuscule (A à Z)
pw-class-digit = un chiffre (0 à 9)
pw-class-symbol = un symbole
pw-offending = { $character ->
    [space] Une espace (position { $position }) n'est pas permise
   *[other] Le caractère « { $character } » (position { $position }) n'est pas permis
}
pw-symbols = Symboles permis : { $symbols }. Les lettres accentuées et les espaces ne sont pas permises.

children-title = Mes enfants
children-empty = Aucun enfant n'est associé à votre compte pour l'instant.
children-add = Associer un enfant
children-remove = Retirer
children-remove-named = Retirer { $name }
children-remove-confirm = Retirer { $name } de votre compte? Vous pourrez l'associer de nouveau plus tard.
dossier-title = Dossier de l'enfant
dossier-empty = L'école n'a encore rien publié.
dossier-count = { $count ->
    [0] Aucun élément
    [one] { $count } élément
   *[other] { $count } éléments
}

associate-title = Associer un enfant
associate-intro = Répondez aux questions exactement comme l'école a inscrit votre enfant.
associate-done = Votre enfant est maintenant associé à votre compte.
associate-already = Cet enfant était déjà associé à votre compte.
associate-nip-question = J'ai reçu un NIP de l'établissement scolaire
associate-private-question = Mon enfant fréquente un établissement privé
associate-board = Centre de services scolaire ou commission scolaire
associate-private-school = Établissement privé
picker-search-label = Rechercher
picker-search-hint = Tapez une partie du nom, par exemple « affluents » ou « CS des Affluents ».
picker-count = { $count ->
    [0] Aucun résultat
    [one] { $count } résultat
   *[other] { $count } résultats
}
picker-not-subscribed = non abonné au portail
picker-chosen-not-subscribed = { $name } n'est pas abonné au portail : l'association ne pourra pas se faire en ligne. Communiquez avec l'école.
associate-nip = NIP
associate-nip-hint = Les 8 caractères du NIP remis par l'établissement scolaire (les tirets et les espaces sont ignorés).
associate-last-name = Nom de l'enfant
associate-first-name = Prénom de l'enfant
associate-names-hint = Le nom légal, avec les accents, les traits d'union et les espaces, comme sur le bulletin.
associate-birth-date = Date de naissance
associate-day = Jour
associate-month = Mois
associate-month-choose = Choisir
associate-year = Année
associate-identifier = Numéro de fiche ou code permanent
associate-identifier-hint = Inscrit sur le bulletin, l'horaire, l'état de compte ou la carte étudiante. Fiche : 7 chiffres; code permanent : 4 lettres et 8 chiffres.
associate-read-fiche = Lu comme un numéro de fiche.
associate-read-code = Lu comme un code permanent.
associate-looks-fiche = Ressemble à un numéro de fiche (7 chiffres).
associate-looks-code = Ressemble à un code permanent (4 lettres et 8 chiffres).
associate-email = Mon courriel
associate-email-hint = Le courriel que l'école a à votre dossier.
associate-verified-emails = Vos courriels vérifiés :
associate-limit = Après { $limit } tentatives sans correspondance en 24 heures, il faut attendre avant de réessayer.
associate-check-title = Aucun dossier ne correspond. Vérifiez :
associate-check-names = le nom et le prénom légaux, avec les accents et les traits d'union, comme l'école les a inscrits;
associate-check-board = le centre de services scolaire de l'école de votre enfant (pas celui de votre municipalité);
associate-check-identifier = le numéro de fiche ou le code permanent du plus récent bulletin;
associate-check-date = que le jour et le mois de naissance ne sont pas inversés;
associate-check-email = que votre courriel est bien celui que l'école a au dossier.
associate-link-open = L'école a un autre courriel
link-title = Lier le courriel donné à l'école
link-intro = Si l'école a un autre courriel à votre dossier, ajoutez-le à votre compte. Nous y enverrons un code pour confirmer qu'il est à vous.
link-not-verified = Ce courriel n'est pas encore vérifié dans votre compte. Liez-le pour pouvoir l'utiliser.
link-email = Courriel donné à l'école
link-send = Envoyer le code
link-code-sent = Un code de { $length } chiffres a été envoyé à { $target }.
link-verify = Confirmer
link-resend = Envoyer un nouveau code

month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

help-title = Aide à la connexion
help-intro = Les réponses aux questions les plus fréquentes.
help-email-title = Quel courriel utiliser?
help-email-text = Utilisez le courriel que vous avez donné à l'école lors de l'inscription de votre enfant. C'est ce courriel qui relie votre compte au dossier de votre enfant. Si vous n'êtes pas certain, ou si votre courriel a changé, demandez au secrétariat de mettre le dossier à jour.
help-identifiers-title = Où trouver le numéro de fiche ou le code permanent?
help-identifiers-text = Le numéro de fiche (7 chiffres) et le code permanent (4 lettres et 8 chiffres) figurent sur le bulletin, l'horaire, l'état de compte ou la carte étudiante. Par sécurité, l'école ne les envoie pas par courriel.
help-code-title = Le code de vérification n'arrive pas
help-code-text = Regardez dans vos courriels indésirables, attendez quelques minutes, puis vérifiez l'adresse saisie. Vous pouvez demander un nouveau code après une minute; seul le plus récent fonctionne. Le code est valide 10 minutes.
help-old-account-title = Mon compte date d'avant février 2017
help-old-account-text = Les comptes créés avant février 2017 doivent être créés de nouveau, avec le même courriel. Choisissez « Créez votre compte ».
help-two-parents-title = Deux parents, deux courriels
help-two-parents-text = Chaque parent a son propre compte. Chacun doit donner son courriel à l'école, créer son compte, puis associer l'enfant.
help-subscribe-title = Mon école n'apparaît pas ou n'est pas abonnée
help-subscribe-text = Le portail ne fonctionne que si le centre de services scolaire ou l'établissement privé est abonné. Sinon, communiquez avec l'école.

settings-title = Paramètres
settings-language = Langue
settings-language-fr = Français
settings-language-en = English
settings-keychain-title = Rester connecté
settings-keychain-yes = Sur cet ordinateur, Cartable peut garder votre session dans le trousseau du système : vous restez connecté.
settings-keychain-no = Sur cet ordinateur, aucun trousseau n'est disponible : il faudra vous reconnecter à chaque ouverture de Cartable.
settings-keychain-unknown = Information non disponible.
settings-account = Mon compte
settings-change-password = Changer le mot de passe
settings-no-password = Vous vous connectez avec un compte social : ce compte n'a pas de mot de passe Cartable à changer.
settings-sign-out = Se déconnecter
settings-device = Cet appareil
settings-forget-text = Efface de cet ordinateur la session et le courriel de ce compte. Les autres parents restent connectés, et votre compte au portail n'est pas touché.
settings-forget = Oublier cet appareil
settings-forget-all-text = Efface de cet ordinateur les sessions et les courriels de tous les parents, vos réglages et les données de démonstration. Les comptes au portail ne sont pas touchés.
settings-forget-all = Oublier tous les comptes
settings-delete = Supprimer mon compte
settings-delete-what = Supprime votre compte au portail, les associations avec vos enfants, vos courriels et vos sessions, puis oublie cet appareil. Les dossiers de l'école ne sont pas touchés.
settings-delete-confirm = Cette action est définitive. Supprimer votre compte?
settings-delete-yes = Oui, supprimer mon compte
settings-deleted = Votre compte a été supprimé.
settings-advanced = Paramètres avancés
settings-portal = Adresse du portail
settings-portal-hint = Laissez vide pour le portail de démonstration intégré. Le changement s'applique après la déconnexion.
settings-portal-current = Portail utilisé : { $origin }
settings-saved = Paramètre enregistré.
settings-version = Version { $version }
settings-updates-title = Mises à jour
settings-updates-checking = Recherche d'une mise à jour…
settings-updates-off = Cartable est mis à jour par votre gestionnaire de paquets ou par l'organisme qui vous l'a fourni : aucun serveur de mises à jour n'est configuré sur cet ordinateur.
settings-updates-up-to-date = Cartable est à jour (version { $version }).
settings-update-available = Une mise à jour est disponible (version { $version }).
settings-update-current = Vous utilisez la version { $version }.
settings-update-download = Télécharger et vérifier
settings-update-check = Rechercher une mise à jour
settings-update-downloading = Téléchargement et vérification de la version { $version }…
settings-update-verified = Mise à jour vérifiée : la version { $version } est bien signée par l'éditeur de Cartable.
settings-update-saved = Le paquet est enregistré ici : { $file }
settings-update-install = Cartable ne s'installe pas lui-même. Installez ce paquet avec votre gestionnaire de paquets, par exemple avec cette commande dans un terminal, puis redémarrez Cartable :
settings-update-open = Cartable ne s'installe pas lui-même. Ouvrez ce fichier pour installer la mise à jour, puis redémarrez Cartable.

## Erreurs du shell (cartable_core::ipc::codes)
err-portal-unreachable = Le portail est injoignable. Vérifiez votre connexion Internet, puis réessayez.
err-portal-error = Le portail a répondu de façon inattendue. Réessayez plus tard.
err-keychain-unavailable = Aucun trousseau n'est disponible : votre session ne sera pas conservée à la fermeture.
err-invalid-credentials = Le courriel ou le mot de passe est incorrect.
err-user-already-exists = Un compte existe déjà pour { $email }.
err-user-not-found = Aucun compte n'utilise ce courriel.
err-invalid-code = Ce code est incorrect. { $attempts_left ->
    [0] Il ne reste plus d'essai : demandez un nouveau code.
    [one] Il reste { $attempts_left } essai.
   *[other] Il reste { $attempts_left } essais.
}
err-flow-expired = Cette étape a expiré. Recommencez : votre courriel est déjà inscrit.
err-throttled = Trop de demandes. Réessayez dans { $minutes } min.
err-code-attempts-exceeded = Trop de codes incorrects. Demandez un nouveau code dans { $minutes } min.
err-code-sends-exceeded = Trop de codes envoyés à ce courriel. Réessayez dans { $minutes } min.
err-account-locked = Trop de tentatives : le compte est verrouillé pour { $minutes } min. Vous pouvez aussi choisir « Mot de passe oublié? ».
err-password-recently-used = Le nouveau mot de passe doit être différent de l'actuel.
err-redirect-required = Le portail demande de terminer cette étape sur sa propre page, dans votre navigateur. Choisissez « Continuer dans le navigateur ».
err-not-signed-in = Veuillez vous connecter.
err-session-expired = Votre session a expiré. Veuillez vous connecter de nouveau.
err-no-pending-flow = Aucune démarche en cours : recommencez à la première étape.
err-no-matching-record = Aucun dossier d'élève ne correspond à ces renseignements. { $attempts_left ->
    [one] Il vous reste { $attempts_left } tentative aujourd'hui.
   *[other] Il vous reste { $attempts_left } tentatives aujourd'hui.
}
err-email-not-verified = Ce courriel n'est pas un courriel vérifié de votre compte.
err-board-not-subscribed = Cet organisme n'est pas abonné au portail : l'association ne peut pas se faire en ligne.
err-too-many-attempts = Limite quotidienne atteinte. Réessayez dans { $minutes } min.
err-too-many-attempts-unknown = Limite quotidienne atteinte. Réessayez plus tard.
err-exactly-one-required = Donnez exactement un de ces renseignements.
err-unknown-board = Le portail ne connaît pas ce centre de services scolaire. Choisissez-le de nouveau dans la liste.
err-unknown-private-school = Le portail ne connaît pas cet établissement privé. Choisissez-le de nouveau dans la liste.
err-child-not-found = Cet enfant n'est pas associé à votre compte.
err-not-demo = La boîte de courriel n'existe qu'avec le portail de démonstration.
err-invalid-setting = { $reason ->
    [no_portal] Cette version de Cartable n'a pas de portail de démonstration. Entrez l'adresse du portail de votre centre de services scolaire dans Paramètres, « Adresse du portail ».
    [insecure_url] L'adresse du portail doit commencer par https:// (http:// n'est permis que pour cet ordinateur, par exemple http://127.0.0.1:8787).
    [not_an_origin] Entrez seulement l'adresse du site, sans chemin : par exemple https://portail.exemple.ca
    [unsupported_scheme] L'adresse du portail doit commencer par https://
    [invalid_url] Cette adresse de portail n'est pas valide. Exemple : https://portail.exemple.ca
   *[other] Ce paramètre n'est pas valide.
}
err-internal = Une erreur inattendue s'est produite. Réessayez.
err-browser-cancelled = La connexion dans le navigateur a été annulée.
err-browser-timed-out = Le navigateur n'est pas revenu à temps. Choisissez « Réessayer » pour recommencer la connexion.
err-browser-failed = La connexion dans le navigateur n'a pas abouti. Recommencez, ou utilisez votre courriel et votre mot de passe.
err-clipboard-unavailable = Le lien n'a pas pu être copié. Sélectionnez l'adresse ci-dessus, copiez-la (clic droit, Copier) et collez-la dans votre navigateur.
err-updates-off = Aucun serveur de mises à jour n'est configuré : Cartable est mis à jour par votre gestionnaire de paquets.
err-update-unreachable = Le serveur des mises à jour est injoignable. Vérifiez votre connexion Internet, puis réessayez.
err-update-invalid = Le serveur des mises à jour a répondu quelque chose d'inutilisable : aucune mise à jour n'est proposée pour cet ordinateur. Réessayez plus tard.
err-update-signature-invalid = La signature de la mise à jour ne correspond pas à celle de l'éditeur de Cartable : la mise à jour est refusée et rien n'a été installé. Réessayez plus tard; si cela se répète, prévenez l'organisme qui vous a fourni Cartable.
err-no-update = Aucune mise à jour à télécharger : recherchez d'abord une mise à jour.
err-update-save-failed = La mise à jour vérifiée n'a pas pu être enregistrée dans { $folder }. Libérez de l'espace ou vérifiez ce dossier, puis réessayez.
err-unknown = Une erreur inattendue s'est produite (code { $code }).
err-shell-unavailable = Cartable ne peut pas joindre l'application : cette page est ouverte hors de Cartable (aperçu).

## Erreurs de formulaire de l'interface
err-field-required = Ce champ est obligatoire.
err-password-mismatch = La confirmation ne correspond pas au nouveau mot de passe.
err-board-required = Choisissez un organisme scolaire.

## Erreurs du portail (API parents)
err-email-in-use = Ce courriel appartient à un autre compte : connectez-vous avec ce compte pour l'utiliser, ou entrez un autre courriel.

## Courriel
err-email-empty = Inscrivez votre courriel.
err-email-missing-at = Il manque le « @ » dans le courriel.
err-email-multiple-at = Le courriel contient plus d'un « @ ».
err-email-empty-local-part = Il manque la partie avant le « @ ».
err-email-empty-domain = Il manque la partie après le « @ ».
err-email-local-part-too-long = La partie avant le « @ » est trop longue ({ $max } octets au plus).
err-email-invalid-character = { $character ->
    [space] Une espace (position { $position }) n'est pas permise dans le courriel.
   *[other] Le caractère « { $character } » (position { $position }) n'est pas permis dans le courriel.
}
err-email-bad-local-part = La partie avant le « @ » est mal formée (point au début, à la fin ou en double).
err-email-bad-domain = La partie après le « @ » n'est pas un domaine valide.
err-email-domain-missing-dot = Il manque l'extension du domaine (par exemple « .ca » ou « .com »).

## Code de vérification
err-code-empty = Inscrivez le code reçu par courriel.
err-code-not-digits = Le code ne contient que des chiffres : « { $character } » (position { $position }) n'en est pas un.
err-code-too-short = Le code a { $expected } chiffres; vous en avez inscrit { $length }.
err-code-too-long = Le code a { $expected } chiffres; vous en avez inscrit { $length }.
err-code-ambiguous = Le texte collé contient { $count } codes possibles : inscrivez seulement le plus récent.

## Mot de passe
err-password-is-invalid = { $character ->
    [space] Une espace (position { $position }) n'est pas permise dans le mot de passe.
   *[other] Le caractère « { $character } » (position { $position }) n'est pas permis dans le mot de passe.
}
err-password-too-short = Le mot de passe doit avoir au moins { $min } caractères (il en a { $length }).
err-password-too-long = Le mot de passe doit avoir au plus { $max } caractères (il en a { $length }).
err-password-too-weak = Le mot de passe doit contenir au moins { $min_classes } des 4 types de caractères (il en contient { $classes_met }).

## Date de naissance
err-birth-date-bad-month = Le mois { $month } n'existe pas.
err-birth-date-no-such-day = Le { $day }/{ $month }/{ $year } n'existe pas. Le jour et le mois sont-ils inversés?
err-birth-date-in-future = La date de naissance est dans le futur.
err-birth-date-too-young = L'enfant doit avoir au moins { $min_years } ans.
err-birth-date-too-old = L'élève doit avoir au plus { $max_years } ans.
err-birth-date-bad-format = Inscrivez le jour et l'année en chiffres et choisissez le mois.

## Noms
err-name-empty = Inscrivez le nom.
err-name-no-letter = Le nom doit contenir au moins une lettre.
err-name-too-long = Le nom est trop long ({ $max } caractères au plus).
err-name-digit = Un nom ne contient pas de chiffre : « { $character } » (position { $position }).
err-name-control-character = Caractère invisible { $code_point } (position { $position }) : retapez le nom.
err-name-invalid-character = Le caractère « { $character } » (position { $position }) n'est pas permis dans un nom.

## Identifiants
err-identifier-empty = Inscrivez le numéro de fiche ou le code permanent.
err-student-number-empty = Inscrivez le numéro de fiche.
err-student-number-not-digit = Le numéro de fiche ne contient que des chiffres : « { $character } » (position { $position }).
err-student-number-length = Un numéro de fiche a { $expected } chiffres; vous en avez inscrit { $length }.
err-permanent-code-empty = Inscrivez le code permanent.
err-permanent-code-invalid-character = Le caractère « { $character } » (position { $position }) ne peut pas être dans un code permanent.
err-permanent-code-length = Un code permanent a { $expected } caractères; vous en avez inscrit { $length }.
err-permanent-code-expected-letter = Un code permanent commence par 4 lettres : « { $character } » (position { $position }) devrait être une lettre.
err-permanent-code-expected-digit = Un code permanent finit par 8 chiffres : « { $character } » (position { $position }) devrait être un chiffre.
err-nip-empty = Inscrivez le NIP.
err-nip-invalid-character = Le caractère « { $character } » (position { $position }) n'est pas dans un NIP (pas de 0, O, 1 ni I).
err-nip-length = Un NIP a { $expected } caractères; vous en avez inscrit { $length }.

## Indices sur le code permanent (jamais bloquants)
err-permanent-code-day-may-not-match = Le jour du code permanent ({ $code_day }) ne correspond peut-être pas au jour de naissance ({ $birth_day }); c'est parfois normal.
err-permanent-code-month-may-not-match = Le mois du code permanent ({ $code_month }) ne correspond peut-être pas au mois de naissance ({ $birth_month }); c'est parfois normal.
err-permanent-code-year-may-not-match = L'année du code permanent ({ $code_year }) ne correspond peut-être pas à l'année de naissance ({ $birth_year }); c'est parfois normal.
err-permanent-code-day-may-not-be-a-date = Les chiffres du jour ({ $code_day }) ne ressemblent pas à un jour; vérifiez le code (c'est parfois normal).
err-permanent-code-month-may-not-be-a-date = Les chiffres du mois ({ $code_month }) ne ressemblent pas à un mois; vérifiez le code (c'est parfois normal).
err-permanent-code-letters-may-not-match = Les lettres du code ({ $code_letters }) ne correspondent peut-être pas au nom ({ $name_letters }); c'est parfois normal.

## Variantes sans nombre d'essais (quand le portail ne le donne pas)
err-invalid-code-unknown = Ce code est incorrect. Vérifiez-le ou demandez un nouveau code.
err-no-matching-record-unknown = Aucun dossier d'élève ne correspond à ces renseignements.
keychain-notice-dismiss = Compris
