"""Scrubbing free text: people write names, numbers and addresses into open answers.

Replaced, in this order: the record's own identifier values (whatever the form asked:
a name, a code, a phone) wherever they occur; personal identification numbers (14
digits, first 1 or 2); participant codes; e-mail addresses; phone numbers and any
other run of seven or more digits; then names — those given to the scrubber (rosters,
staff) and those of the record's own direct identifiers — in Cyrillic and in the Latin
spellings people use for them, also with case endings and Kyrgyz suffixes
(``Асанов`` catches ``Асановой``, ``Asanov``, ``Асановдун``); and, known or not, any
capitalised word shaped like a surname or patronymic (``…ов``, ``…ева``, ``…ович``,
``…овна``, ``… уулу``, ``… кызы``, and their Latin spellings) together with the
capitalised words right next to it (``Бактыгүл Абдыкадырова``). A given name alone,
known to no roster, cannot be recognised; that limit is documented.
"""
from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable

PIN = re.compile(r"(?<!\d)[12](?:[ \-]?\d){13}(?!\d)")
CODE = re.compile(r"(?<!\d)\d{6}\s*-\s*[SGTHEsgthe]\s*\d{3}(?!\d)")
EMAIL = re.compile(r"[\w.+\-]+\s*@\s*[\w\-]+(?:\s*\.\s*[\w\-]+)+")
LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[ \-().]*\d){6,}(?!\d)")
WORD = re.compile(r"\w+")
# A capitalised word shaped like a surname or patronymic (digits after it are part of the word).
SURNAME = re.compile(r"^[А-ЯЁӨҮҢA-Z][а-яёөүңa-z]{2,}(?:ов|ова|ев|ева|ёв|ёва|ин|ина|ович|овна|евич|евна|"
                     r"ov|ova|ev|eva|in|ina|ovich|ovna|evich|evna)\d*$")
# Kyrgyz "son of" / "daughter of": the capitalised word before them is a father's name.
PARENT_WORDS = {"уулу", "кызы", "uulu", "kyzy", "qizi", "o'g'li", "угли", "кизи"}
CAPITALISED = re.compile(r"^[А-ЯЁӨҮҢA-Z][а-яёөүңa-z]+\d*$")
MIN_TOKEN = 3       # shorter name parts (initials, "Ли") are not matched: too many ordinary words
MIN_STEM = 4        # a name part this long also matches with up to MAX_ENDING letters of ending
MAX_ENDING = 4
MAX_SPELLINGS = 512  # Latin spellings of one name part, every mix of the schemes below (more: one per scheme)

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
    """The usual Latin spellings of a Cyrillic word (lower case); a Latin word is its own spelling.

    People mix the schemes within one word (a passport's ``Aizhan``: й as i, ж as zh; Uzbek
    ``Xojiev``: х as x, ж as j), so every letter takes each of its spellings, up to a bound."""
    lower = word.lower()
    choices = [_LETTER_SPELLINGS.get(ch, (ch,)) for ch in lower]
    if math.prod(len(c) for c in choices) <= MAX_SPELLINGS:
        return {"".join(letters) for letters in itertools.product(*choices)}
    return {"".join(table.get(ch, ch) for ch in lower) for table in _TABLES}


_TABLES = [{**_SCHEMES[0], **scheme} for scheme in _SCHEMES]
_LETTER_SPELLINGS = {ch: tuple(sorted({table.get(ch, ch) for table in _TABLES})) for ch in _SCHEMES[0]}


def _normal(word: str) -> str:
    """Lower case with the letters people swap between Kyrgyz and Russian spellings made one."""
    return word.lower().translate(_FOLD)


_FOLD = str.maketrans({"ё": "е", "ү": "у", "ө": "о", "ң": "н", "ь": None, "ъ": None, "ö": "o", "ü": "u",
                       "ғ": "г", "қ": "к", "ҳ": "х", "ў": "у"})    # Uzbek letters, written without in Kyrgyz/Russian
_VOWELS = "аеиоуыэюяйaeiouy"     # and й: Сергей, Сергея, Сергеем
_CASE_ENDINGS = ("а", "ы", "и", "е", "у", "ю", "я", "ой", "ей", "ою", "ею", "ом", "ем")


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
                elif len(stem) >= MIN_TOKEN and stem != spelling and not stem.isascii():
                    tokens.update(stem + ending for ending in _CASE_ENDINGS)   # Ольга (олга): олги, олгой
    return tokens


class Scrubber:
    """Scrubs free text against the patterns above and the names it knows."""

    def __init__(self, known_names: Iterable[str] = ()):
        self.tokens = frozenset(name_tokens(known_names))
        self._known: dict[str, bool] = {}       # word -> whether it is a known name (a bounded memo)
        self._record: tuple[tuple, frozenset] = ((), frozenset())   # the last record's own name tokens

    def scrub(self, text: str | None, identifiers: Iterable[str] = ()) -> str | None:
        """``text`` with everything personal replaced; ``identifiers`` are the record's own values."""
        if not text:
            return text
        identifiers = tuple(i for i in identifiers if i and len(i) >= MIN_TOKEN)
        folded = text.casefold()
        for value in sorted((i for i in identifiers if i.casefold() in folded), key=len, reverse=True):
            text = re.sub(re.escape(value), "[ID]", text, flags=re.IGNORECASE)
        text = PIN.sub("[PIN]", text)
        text = CODE.sub("[CODE]", text)
        text = EMAIL.sub("[EMAIL]", text)
        text = LONG_NUMBER.sub("[NUMBER]", text)
        return _replace_names(text, self._is_known, self._record_tokens(identifiers))

    def _is_known(self, word: str) -> bool:
        found = self._known.get(word)
        if found is None:
            if len(self._known) > 100_000:
                self._known.clear()
            found = self._known[word] = bool(self.tokens) and _is_name(word, self.tokens)
        return found

    def _record_tokens(self, identifiers: tuple[str, ...]) -> frozenset[str]:
        """Name tokens of the record's own identifiers that can be names (no digits); the last record's are kept,
        since a record's free-text answers come one after another."""
        names = tuple(i for i in identifiers if not any(ch.isdigit() for ch in i))
        if names != self._record[0]:
            self._record = (names, frozenset(name_tokens(names)))
        return self._record[1]


def _replace_names(text: str, known, record: frozenset[str]) -> str:
    words = list(WORD.finditer(text))
    names = set()
    for i, match in enumerate(words):
        word = match.group(0)
        if known(word) or (record and _is_name(word, record)) or (word[0].isupper() and SURNAME.match(word)):
            names.add(i)
    names |= {i - 1 for i, m in enumerate(words) if m.group(0).lower() in PARENT_WORDS and i > 0}
    for i in sorted(names):   # a capitalised neighbour across one space: a given name or patronymic
        for j in (i - 1, i + 1):
            if 0 <= j < len(words) and CAPITALISED.match(words[j].group(0)) \
                    and text[min(words[i].end(), words[j].end()):max(words[i].start(), words[j].start())] == " ":
                names.add(j)
    if not names:
        return text
    out, at = [], 0
    for i in sorted(names):
        out += [text[at:words[i].start()], "[NAME]"]
        at = words[i].end()
    return "".join(out) + text[at:]


def _is_name(word: str, tokens: frozenset[str] | set[str]) -> bool:
    lower = _normal(word)
    if lower in tokens:
        return True
    for length in range(len(lower) - 1, max(MIN_STEM, len(lower) - MAX_ENDING) - 1, -1):
        if lower[:length] in tokens:
            return True
    return False
