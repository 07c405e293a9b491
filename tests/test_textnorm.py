"""Text normalisation before matching (text layers and OCR text alike)."""
from ocr_core.textnorm import normalize


def test_hyphen_like_characters_become_hyphens():
    assert normalize("UDYAM\u00adKA\u00ad01\u20137695115") == "UDYAM-KA-01-7695115"
    assert normalize("12\u221234 a\u2010b c\u2015d") == "12-34 a-b c-d"


def test_zero_width_removed_and_compatibility_forms_folded():
    assert normalize("AB\u200bC\u200dD\ufeff") == "ABCD"
    assert normalize("ＡＢＣ１２３") == "ABC123"
    assert normalize("Legal\u00a0Name") == "Legal Name"
    assert normalize("plain ASCII stays as it is") == "plain ASCII stays as it is"
