"""Scrubbing free text: people write names, numbers and addresses into open answers.

Replaced, in this order: the record's own identifier values (whatever the form asked:
a name, a code, a phone) wherever they occur; personal identification numbers (14
digits, first 1 or 2); participant codes; e-mail addresses; phone numbers and any
other run of seven or more digits; then names — those given to the scrubber (rosters,
staff) and those of the record's own direct identifiers — in Cyrillic and in the Latin
spellings people use for them, also with case endings and Kyrgyz suffixes
(``Асанов`` catches ``Асановой``, ``Asanov``, ``Асановдун``). A name that appears
nowhere in the data or the rosters cannot be recognised; that limit is documented.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

PIN = re.compile(r"(?<!\d)[12](?:[ \-]?\d){13}(?!\d)")
CODE = re.compile(r"(?<!\d)\d{6}\s*-\s*[SGTHEsgthe]\s*\d{3}(?!\d)")
EMAIL = re.compile(r"[\w.+\-]+\s*@\s*[\w\-]+(?:\s*\.\s*[\w\-]+)+")
LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[ \-().]*\d){6,}(?!\d)")
WORD = re.compile(r"\w+")
MIN_TOKEN = 3       # shorter name parts (initials, "Ли") are not matched: too many ordinary words
MIN_STEM = 4        # a name part this long also matches with up to MAX_ENDING letters of ending
MAX_ENDING = 4

# Cyrillic letters of Kyrgyz, Russian and Uzbek in the Latin spellings people actually use.
_SCHEMES = (
    {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
     "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "ng", "о": "o", "ө": "o", "п": "p", "р": "r",
     "с": "s", "т": "t", "у": "u", "ү": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
     "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "o", "қ": "q", "ғ": "gh",
     "ҳ": "h"},
    {"ж": "j", "х": "h", "й": "i", "ы": "i", "щ": "sh", "ю": "iu", "я": "ia", "ё": "e", "ө": "ö", "ү": "ü",
     "ң": "n", "ғ": "g", "қ": "k"},
    {"ж": "dj", "х": "x", "ц": "c", "ш": "sh", "ч": "ch", "ө": "oe", "ү": "ue", "ғ": "g'", "ў": "o'"},
)


def latin_spellings(word: str) -> set[str]:
    """The usual Latin spellings of a Cyrillic word (lower case); a Latin word is its own spelling."""
    lower = word.lower()
    spellings = set()
    base = _SCHEMES[0]
    for scheme in _SCHEMES:
        table = {**base, **scheme}
        spellings.add("".join(table.get(ch, ch) for ch in lower))
    return spellings


def _normal(word: str) -> str:
    """Lower case with the letters people swap between Kyrgyz and Russian spellings made one."""
    return word.lower().translate(_FOLD)


_FOLD = str.maketrans({"ё": "е", "ү": "у", "ө": "о", "ң": "н", "ь": None, "ъ": None, "ö": "o", "ü": "u"})
_VOWELS = "аеиоуыэюяaeiouy"


def name_tokens(names: Iterable[str]) -> set[str]:
    """The parts of full names, folded, in Cyrillic and their Latin spellings, with and without a final vowel
    (``Асанова`` also gives the stem ``асанов``, so ``Асановой`` is caught)."""
    tokens: set[str] = set()
    for name in names:
        for part in WORD.findall(name or ""):
            if len(part) < MIN_TOKEN or part.isdigit():
                continue
            for spelling in {part.lower()} | latin_spellings(part):
                spelling = _normal(spelling)
                if len(spelling) >= MIN_TOKEN:
                    tokens.add(spelling)
                stem = spelling.rstrip(_VOWELS)
                if len(stem) >= MIN_STEM + 1 and stem != spelling:
                    tokens.add(stem)
    return tokens


class Scrubber:
    """Scrubs free text against the patterns above and the names it knows."""

    def __init__(self, known_names: Iterable[str] = ()):
        self.tokens = frozenset(name_tokens(known_names))

    def scrub(self, text: str | None, identifiers: Iterable[str] = ()) -> str | None:
        """``text`` with everything personal replaced; ``identifiers`` are the record's own values."""
        if not text:
            return text
        identifiers = [i for i in identifiers if i and len(i) >= MIN_TOKEN]
        for value in sorted(identifiers, key=len, reverse=True):
            text = re.sub(re.escape(value), "[ID]", text, flags=re.IGNORECASE)
        text = PIN.sub("[PIN]", text)
        text = CODE.sub("[CODE]", text)
        text = EMAIL.sub("[EMAIL]", text)
        text = LONG_NUMBER.sub("[NUMBER]", text)
        tokens = self.tokens | name_tokens(identifiers) if identifiers else self.tokens
        if not tokens:
            return text
        return WORD.sub(lambda m: "[NAME]" if _is_name(m.group(0), tokens) else m.group(0), text)


def _is_name(word: str, tokens: frozenset[str] | set[str]) -> bool:
    lower = _normal(word)
    if lower in tokens:
        return True
    for length in range(len(lower) - 1, max(MIN_STEM, len(lower) - MAX_ENDING) - 1, -1):
        if lower[:length] in tokens:
            return True
    return False
