"""The column titles and cell values of operator lists, as the Campaign console writes them in each language.

Data only, in one table: the CSV reader (:mod:`imslint.readers.operators`) builds its
lookups from it. The client console ships in English, French, German and Japanese,
and its list export (``Export...`` on the operator list, the export wizard, a Data
extraction activity with "Use first lines as column titles") writes the column
titles and the labels of enumerations in the console's language.

Sources (AdobeDocs repositories, as of 2026): the console labels quoted by the
documentation of each language. English from ``campaign-classic.en`` (technotes
migrate-users-to-ims.md: "Account Disabled", "Authentication Type"; the ims_1.png
field tree: "Name (@name)", "Label (@label)", "Email"; access-management-operators.md).
French from ``campaign-classic.fr-FR`` (migrate-users-to-ims.md: "Compte désactivé",
"Type d’authentification"; access-management-operators.md: "Bloquer le compte",
"Interdire l'accès depuis la console cliente", "Points de contact"). German from
``campaign-classic.de-DE`` (migrate-users-to-ims.md: "Account deaktiviert",
"Authentifizierungstyp"; access-management-operators.md: "Konto sperren", "Zugriff
von der Clientkonsole aus sperren", "Benutzer"). Japanese from
``campaign-classic.ja-JP`` (migrate-users-to-ims.md: "無効なアカウント", "認証タイプ";
access-management-operators.md: "アカウントを無効にする", "リッチクライアントからのアクセスを禁止",
"オペレーター"). Entries marked ``# seen`` come from exports administrators sent
(issue 17); the others are the usual console words for the same field. The
documentation is partly machine-translated, so a console may differ: a user maps
any other title in ``[tool.imslint.operators.columns]`` (see docs/operator-exports.md).

Titles are compared after :func:`imslint.readers.operators.normalise_title`
(case-folded, blanks collapsed, typographic apostrophes made straight, a trailing
colon and an ``(@xpath)`` suffix set apart), so each is written once here.
"""

from __future__ import annotations

from typing import Dict, List

__all__ = ["FIELDS", "COLUMN_TITLES", "STRONG_FIELDS", "VALUES", "LANGUAGES"]

LANGUAGES = ("en", "fr", "de", "ja")

# The fields of an operator record a column can hold (the keys users write in the configuration).
FIELDS = (
    "login",
    "label",
    "email",
    "disabled",
    "authentication-type",
    "type",
    "ims-user-id",
    "no-console",
    "security-zone",
    "ignore",
)

# field -> language -> column titles ("internal" holds the XPaths of the export wizard's
# "internal values" mode and of hand-made exports).
COLUMN_TITLES: Dict[str, Dict[str, List[str]]] = {
    "login": {
        "internal": ["@name"],
        "en": ["name", "login", "name (login)", "login name", "operator"],
        "fr": ["nom", "identifiant", "login", "nom (identifiant)", "opérateur"],
        "de": ["name", "login", "anmeldename", "benutzer", "name (login)"],
        "ja": ["名前", "ログイン", "ログイン名", "オペレーター"],
    },
    "label": {
        "internal": ["@label"],
        "en": ["label"],
        "fr": ["libellé", "libelle"],
        "de": ["bezeichnung", "beschriftung"],  # seen: "Bezeichnung"
        "ja": ["ラベル"],
    },
    "email": {
        "internal": ["@email", "contact/@email"],
        "en": ["email", "e-mail", "email address", "e-mail address"],
        "fr": ["email", "e-mail", "adresse email", "adresse e-mail", "courriel"],
        "de": ["e-mail", "email", "e-mail-adresse"],
        "ja": ["メール", "メールアドレス", "eメール"],
    },
    "disabled": {
        "internal": ["@disable", "@disabled"],
        "en": ["account disabled", "disabled"],
        "fr": ["compte désactivé", "compte bloqué", "bloquer le compte", "désactivé"],
        "de": ["account deaktiviert", "konto deaktiviert", "konto sperren", "konto gesperrt", "deaktiviert"],
        "ja": ["無効なアカウント", "アカウントを無効にする", "アカウント無効", "無効"],
    },
    "authentication-type": {
        "internal": ["access/@authenticationtype", "@authenticationtype"],
        "en": ["authentication type", "authentication"],
        "fr": ["type d'authentification", "authentification"],
        "de": ["authentifizierungstyp", "authentifizierungsart", "authentifizierung"],
        "ja": ["認証タイプ", "認証の種類", "認証"],
    },
    "type": {
        "internal": ["@type"],
        "en": ["type"],
        "fr": ["type"],
        "de": ["typ"],
        "ja": ["タイプ", "種類"],
    },
    "ims-user-id": {
        "internal": ["@imsuserid", "access/@imsuserid"],
        "en": ["ims user id"],
        "fr": [],
        "de": [],
        "ja": [],
    },
    "no-console": {
        "internal": ["access/@noconsolecnx", "@noconsolecnx"],
        "en": ["forbid access from the rich client", "no access from the rich client"],
        "fr": ["interdire l'accès depuis la console cliente", "interdire l'accès depuis le client riche"],
        "de": ["zugriff von der clientkonsole aus sperren"],
        "ja": ["リッチクライアントからのアクセスを禁止"],
    },
    "security-zone": {
        "internal": ["@securityzone"],
        "en": ["authorized connection zone", "security zone"],
        "fr": ["zone de connexion autorisée", "zone de sécurité"],
        "de": ["autorisierte verbindungszone", "sicherheitszone"],
        "ja": ["許可された接続ゾーン", "セキュリティゾーン"],
    },
}

# Fields only an operator list has: one of these columns next to a login column makes a header an
# operator export. (Name + Label, or Login + Email alone, is also a list of contacts: see the reader.)
STRONG_FIELDS = frozenset({"disabled", "authentication-type", "ims-user-id", "no-console", "security-zone"})

# Cell values, compared case-folded and trimmed. "Export labels instead of internal values of
# enumerations" writes the labels; the internal values (native, ims, 0/1, true/false) are read too.
VALUES: Dict[str, Dict[str, List[str]]] = {
    # access/@authenticationType: the console shows "Native" and "IMS" (ims_3.png); IMS stays "IMS" in
    # every language.
    "ims": {"internal": ["ims"], "en": ["ims"], "fr": ["ims"], "de": ["ims"], "ja": ["ims"]},
    "native": {
        "internal": ["native"],
        "en": ["native"],
        "fr": ["natif", "native"],  # seen: "Natif"
        "de": ["nativ", "native"],
        "ja": ["ネイティブ"],
    },
    # Booleans (Account disabled, Forbid access from the rich client).
    "true": {
        "internal": ["1", "true"],
        "en": ["yes", "y"],
        "fr": ["oui", "o", "vrai"],
        "de": ["ja", "j", "wahr"],
        "ja": ["はい", "真"],
    },
    "false": {
        "internal": ["0", "false", ""],
        "en": ["no", "n"],
        "fr": ["non", "faux"],
        "de": ["nein", "falsch"],
        "ja": ["いいえ", "偽"],
    },
    # @type: 0 operator, 1 group.
    "operator": {
        "internal": ["0"],
        "en": ["operator"],
        "fr": ["opérateur", "operateur"],
        "de": ["benutzer", "operator"],
        "ja": ["オペレーター"],
    },
    "group": {
        "internal": ["1"],
        "en": ["group", "operator group"],
        "fr": ["groupe", "groupe d'opérateurs"],
        "de": ["gruppe", "benutzergruppe"],
        "ja": ["グループ", "オペレーターグループ"],
    },
}
