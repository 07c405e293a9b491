"""The shapes a person's name has in Latin letters, to tell a name from what a recogniser makes of
something else: the Latin junk of a Devanagari label or headline (`नाम` read as ``HTRA``, ``HRT``,
``HRR``), a blanked or masked value (``xXXXXXXXXXX``), a smudge.

A name's word is an initial (``A.``, ``K``) or has a vowel (``Y`` counts: ``GLYN``); it starts
with a consonant cluster names start with (``SHR``, ``KSH``, ``DHR``, ``TS``, ``MC``, ...; not
``HT``); it holds no run of one letter three long and is not mostly ``X``. Apostrophes and hyphens
part a word (``O'BRIEN``, ``D'SOUZA``, ``AL-HASAN``): each part is checked, and one letter before an
apostrophe is a prefix; full stops part initials (``A.K.``). Two letters with no vowel are an
abbreviation Indian names use (``MD``, ``SK``, ``KR``), though not a name on their own.
"""
from __future__ import annotations

import re

VOWELS = frozenset("AEIOUY")
# consonant clusters a name's word may start with (transliterated Indian names, and common
# European, Tibetan and Irish ones); a single consonant always may
ONSETS = frozenset("""BH BL BR CH CHH CHR CL CR DH DHR DR DW FL FR GH GL GN GR GY HR HY JH JN KH KHR KL KN
KR KS KSH KY LH MR NG NR NY PH PHR PL PR PS PY RH SC SCH SCHR SH SHR SHY SHW SK SL SM SN SP SPR SR ST STR SV
SW SY TH THR TR TS TSH TW TY VR VY WH WR ZH MC MCC MCD MCG MCK MCL MCM MCN MCR BHR GHR SMR SCHM LL DS""".split())
ABBREVIATIONS = frozenset("MD SK KR JR SR DR MR MRS SMT SHRI".split())


def _parts(word: str) -> list[str]:
    return [p for p in re.split(r"['\-.]", word) if p]


def word_problem(word: str) -> str | None:
    """Why one word of a name is not a name's word, or None."""
    w = word.upper()
    parts = _parts(w)
    if not parts:
        return None
    for p in parts:
        if len(p) == 1:  # an initial, or the O of O'BRIEN
            continue
        if re.search(r"(.)\1\1", p):
            return f"{word} repeats one letter"
        if not VOWELS & set(p):
            if p in ABBREVIATIONS:
                continue
            return f"{word} has no vowel"
        onset = re.match(r"[^AEIOUY]*", p).group(0)
        if len(onset) > 1 and onset not in ONSETS:
            return f"{word} starts with {onset}, as no name does"
    return None


def shape_problem(name: str) -> str | None:
    """Why a name (Latin letters, spaces, . ' -) does not have a name's shape, or None. The reason
    says what a person sees: "not a name's shape: HRT has no vowel"."""
    letters = [c for c in name.upper() if c.isalpha()]
    if not letters:
        return "no letters"
    if letters.count("X") > len(letters) / 2:
        return "not a name: mostly X (a blanked or masked value)"
    words = name.split()
    if len(words) == 1 and len(letters) <= 3 and not VOWELS & set(letters):
        return f"not a name's shape: {name} has no vowel"
    for w in words:
        bad = word_problem(w)
        if bad:
            return f"not a name's shape: {bad}"
    return None
