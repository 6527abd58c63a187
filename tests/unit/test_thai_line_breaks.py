"""Where the documents may wrap a Thai line: between likely syllables, never inside the words
the syllable rule would split wrongly."""

from __future__ import annotations

from documents.pdf import WHOLE_WORDS, ZWSP, breakable


def hints(text: str) -> str:
    return breakable(text).replace(ZWSP, "|")


def test_syllables_are_break_opportunities() -> None:
    assert hints("ส่งเสริมให้มีการจัดกิจกรรม") == "ส่ง|เส|ริม|ให้|มี|การ|จัด|กิจกรรม"


def test_words_the_rule_would_split_stay_whole() -> None:
    assert hints("การปฏิบัติราชการ") == "การปฏิบัติ|ราชการ"
    assert hints("ผลการพิจารณาอุทธรณ์") == "ผล|การ|พิจารณา|อุทธรณ์"
    assert "มาตรฐานส|ถาน" not in hints("มาตรฐานสถานพัฒนาเด็กปฐมวัยแห่งชาติ")
    for word in WHOLE_WORDS:
        assert ZWSP not in breakable(word), word
