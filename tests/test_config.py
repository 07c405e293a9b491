"""Settings: one pydantic-settings object; comma lists in the environment become sets."""
from __future__ import annotations

from ocr_core.config import Settings


def test_comma_lists_from_the_environment_are_sets(monkeypatch):
    monkeypatch.setenv("OCR_API_KEYS", " k1, k2,,k1 ")
    monkeypatch.setenv("UNMASK_ALLOWED", "ravi,meena")
    s = Settings()
    assert s.ocr_api_keys == {"k1", "k2"}
    assert s.unmask_allowed == {"ravi", "meena"}
    assert s.may_unmask("ravi") and not s.may_unmask("asha") and not s.may_unmask("")


def test_unset_comma_lists_are_empty_and_star_allows_everyone(monkeypatch):
    monkeypatch.delenv("OCR_API_KEYS", raising=False)
    monkeypatch.setenv("UNMASK_ALLOWED", "*")
    s = Settings()
    assert s.ocr_api_keys == set()
    assert s.may_unmask("anyone") and not s.may_unmask("")
    assert Settings(ocr_api_keys="a,b", unmask_allowed=["x"]).ocr_api_keys == {"a", "b"}
