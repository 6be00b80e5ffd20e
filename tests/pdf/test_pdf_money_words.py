"""Amounts in words: a fixed table written from the grammar in grants/money_words.py, not from its output."""
from decimal import Decimal

import pytest

from grants.money_words import amount_in_words

# (amount, currency, lang, expected)
TABLE = [
    (1, "SYP", "ar", "فقط ليرة سورية واحدة لا غير"),
    (2, "SYP", "ar", "فقط ليرتان سوريتان لا غير"),
    (3, "SYP", "ar", "فقط ثلاث ليرات سورية لا غير"),
    (10, "SYP", "ar", "فقط عشر ليرات سورية لا غير"),
    (11, "SYP", "ar", "فقط إحدى عشرة ليرةً سوريةً لا غير"),
    (100, "SYP", "ar", "فقط مئة ليرة سورية لا غير"),
    (250, "SYP", "ar", "فقط مئتان وخمسون ليرةً سوريةً لا غير"),
    (1000, "SYP", "ar", "فقط ألف ليرة سورية لا غير"),
    (1500, "SYP", "ar", "فقط ألف وخمسمئة ليرة سورية لا غير"),
    (250000, "SYP", "ar", "فقط مئتان وخمسون ألف ليرة سورية لا غير"),
    (2500000, "SYP", "ar", "فقط مليونان وخمسمئة ألف ليرة سورية لا غير"),
    (1, "USD", "ar", "فقط دولار أمريكي واحد لا غير"),
    (2, "USD", "ar", "فقط دولاران أمريكيان لا غير"),
    (3, "USD", "ar", "فقط ثلاثة دولارات أمريكية لا غير"),
    (10, "USD", "ar", "فقط عشرة دولارات أمريكية لا غير"),
    (11, "USD", "ar", "فقط أحد عشر دولاراً أمريكياً لا غير"),
    (100, "USD", "ar", "فقط مئة دولار أمريكي لا غير"),
    (250, "USD", "ar", "فقط مئتان وخمسون دولاراً أمريكياً لا غير"),
    (1000, "USD", "ar", "فقط ألف دولار أمريكي لا غير"),
    (1500, "USD", "ar", "فقط ألف وخمسمئة دولار أمريكي لا غير"),
    (250000, "USD", "ar", "فقط مئتان وخمسون ألف دولار أمريكي لا غير"),
    (2500000, "USD", "ar", "فقط مليونان وخمسمئة ألف دولار أمريكي لا غير"),
    (1, "SYP", "en", "One Syrian pound only"),
    (2, "SYP", "en", "Two Syrian pounds only"),
    (3, "SYP", "en", "Three Syrian pounds only"),
    (10, "SYP", "en", "Ten Syrian pounds only"),
    (11, "SYP", "en", "Eleven Syrian pounds only"),
    (100, "SYP", "en", "One hundred Syrian pounds only"),
    (250, "SYP", "en", "Two hundred and fifty Syrian pounds only"),
    (1000, "SYP", "en", "One thousand Syrian pounds only"),
    (1500, "SYP", "en", "One thousand five hundred Syrian pounds only"),
    (250000, "SYP", "en", "Two hundred and fifty thousand Syrian pounds only"),
    (2500000, "SYP", "en", "Two million five hundred thousand Syrian pounds only"),
    (1, "USD", "en", "One US dollar only"),
    (2, "USD", "en", "Two US dollars only"),
    (3, "USD", "en", "Three US dollars only"),
    (10, "USD", "en", "Ten US dollars only"),
    (11, "USD", "en", "Eleven US dollars only"),
    (100, "USD", "en", "One hundred US dollars only"),
    (250, "USD", "en", "Two hundred and fifty US dollars only"),
    (1000, "USD", "en", "One thousand US dollars only"),
    (1500, "USD", "en", "One thousand five hundred US dollars only"),
    (250000, "USD", "en", "Two hundred and fifty thousand US dollars only"),
    (2500000, "USD", "en", "Two million five hundred thousand US dollars only"),
]

# Rules the fixed table does not reach: last two digits decide the noun's form,
# construct forms before the currency, tanween on a thousand that is not last.
GRAMMAR = [
    (8, "SYP", "فقط ثماني ليرات سورية لا غير"),
    (12, "SYP", "فقط اثنتا عشرة ليرةً سوريةً لا غير"),
    (21, "SYP", "فقط إحدى وعشرون ليرةً سوريةً لا غير"),
    (21, "USD", "فقط واحد وعشرون دولاراً أمريكياً لا غير"),
    (103, "SYP", "فقط مئة وثلاث ليرات سورية لا غير"),
    (111, "SYP", "فقط مئة وإحدى عشرة ليرةً سوريةً لا غير"),
    (200, "SYP", "فقط مئتا ليرة سورية لا غير"),
    (101, "USD", "فقط مئة دولار أمريكي ودولار واحد لا غير"),
    (2000, "SYP", "فقط ألفا ليرة سورية لا غير"),
    (3000, "USD", "فقط ثلاثة آلاف دولار أمريكي لا غير"),
    (11500, "SYP", "فقط أحد عشر ألفاً وخمسمئة ليرة سورية لا غير"),
    (103000, "SYP", "فقط مئة وثلاثة آلاف ليرة سورية لا غير"),
    (200000, "USD", "فقط مئتا ألف دولار أمريكي لا غير"),
    (1300000000, "SYP", "فقط مليار وثلاثمئة مليون ليرة سورية لا غير"),
]


def test_table_has_every_combination():
    assert len(TABLE) == 44
    assert len({row[:3] for row in TABLE}) == 44


@pytest.mark.parametrize("amount, currency, lang, expected", TABLE)
def test_fixed_table(amount, currency, lang, expected):
    assert amount_in_words(amount, currency, lang) == expected


@pytest.mark.parametrize("amount, currency, expected", GRAMMAR)
def test_arabic_counting_rules(amount, currency, expected):
    assert amount_in_words(amount, currency, "ar") == expected


def test_never_writes_riyal():
    # num2words' Arabic currency mode falls back to «ريال» for unknown currencies.
    for amount in (1, 3, 11, 100, 12345678):
        for currency in ("SYP", "USD"):
            assert "ريال" not in amount_in_words(amount, currency, "ar")


def test_whole_decimal_accepted():
    assert amount_in_words(Decimal(1500), "SYP", "en") == "One thousand five hundred Syrian pounds only"


@pytest.mark.parametrize("amount, error", [(-1, ValueError), (Decimal("1.5"), ValueError), (1.0, TypeError),
                                           (True, TypeError), (10**15, ValueError)])
def test_bad_amounts(amount, error):
    with pytest.raises(error):
        amount_in_words(amount, "SYP", "ar")


def test_bad_currency_and_language():
    with pytest.raises(ValueError):
        amount_in_words(5, "EUR", "ar")
    with pytest.raises(ValueError):
        amount_in_words(5, "SYP", "fr")
