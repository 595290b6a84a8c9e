"""When two usernames are the same name: compared after case folding and NFKC.

`Customer`, `CUSTOMER`, `ｃｕｓｔｏｍｅｒ` (fullwidth), `ﬁ` and `fi`, `ß` and `ss`,
`é` precomposed and `e` with a combining accent are each one name. Letters
that differ (`é` and `e`, `ı` and `i`) stay different names.
"""

# The look-alikes in these docstrings are the point.
# ruff: noqa: RUF002

import unicodedata

# Django's User.username is 150 characters; the canonical form is held to the
# same bound, so a name NFKC spells out longer is refused rather than cut.
MAX_LENGTH = 150


def canonical_username(username: str) -> str:
    """The form that decides which account a name belongs to.

    NFKC first, so compatibility characters fold as the letters they stand
    for ("㎁" becomes "nA", then "na"); NFKC again after folding, since folding
    can undo a composition ("ǰ" folds to "j" and a combining caron).
    """
    folded = unicodedata.normalize("NFKC", username).casefold()
    return unicodedata.normalize("NFKC", folded)
