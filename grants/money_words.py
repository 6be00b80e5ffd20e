"""Amounts in words for letters and cheques: «فقط … ليرة سورية لا غير» and "… Syrian pounds only".

Arabic grammar followed (Modern Standard Arabic, as on Syrian banknotes: «مئتا ليرة
سورية», «خمسمئة ليرة سورية», «ألفا ليرة سورية»). The counted noun takes the form
the number governs, decided by the last two digits of the whole amount:

* 1 and 2 do not count, the noun says it: «ليرة سورية واحدة», «ليرتان سوريتان».
* 3–10: plural genitive, and the number takes the opposite gender of the noun's
  singular: «ثلاث ليرات سورية» (ليرة is feminine), «ثلاثة دولارات أمريكية».
* 11–99: singular accusative with tanween (tamyeez): «إحدى عشرة ليرةً سوريةً»,
  «أحد عشر دولاراً أمريكياً». In 11–19 the units part takes the opposite gender
  (3–9) and «عشر/عشرة» agrees with the noun; 1 and 2 agree: إحدى/أحد, اثنتا/اثنا.
  Tens (عشرون…تسعون) do not change; units before them follow the 3–10 rule.
* Last two digits 00 (100, 1000, 250000…): singular genitive «ليرة سورية», and the
  number word right before it is in construct: «مئتا», «ألفا», «مليونا»; a thousand
  counted by 11–99 loses its tanween: «خمسون ألف ليرة».
* Last two digits 01/02 above 100 repeat the noun, as in «ألف ليلة وليلة»:
  101 → «مئة ليرة سورية وليرة واحدة», 102 → «مئة ليرة سورية وليرتان».
* ألف/مليون/مليار/تريليون are masculine nouns counted by the same rules:
  «ثلاثة آلاف», «أحد عشر ألفاً وخمسمئة», «مئتا ألف».
Parts are joined with «و» attached to the next word; «مئة» is spelt without alif.

Why not num2words for Arabic: 0.5.14 has neither SYP nor USD (it writes «ريال»), no
feminine numbers, and wrong large numbers (101000 → «مائة و ألف ألف», 103000 →
«مائة و ثلاثة ألف», 200500 → «مئتا ألفاً»). English uses num2words, commas dropped.
"""
from decimal import Decimal
from typing import NamedTuple

from num2words import num2words


class _Noun(NamedTuple):
    feminine: bool
    one: str              # 1 alone
    two: str              # 2 alone
    two_construct: str    # 2 followed by another noun («ألفا ليرة»)
    plural: str           # after 3–10
    accusative: str       # after 11–99
    acc_construct: str    # after 11–99, followed by another noun
    genitive: str         # after 100, 1000…
    and_one: str          # «… ليرة سورية وليرة واحدة»
    and_two: str
    and_two_construct: str


_CURRENCIES_AR = {
    "SYP": _Noun(True, "ليرة سورية واحدة", "ليرتان سوريتان", "ليرتان سوريتان", "ليرات سورية",
                 "ليرةً سوريةً", "ليرةً سوريةً", "ليرة سورية", "ليرة واحدة", "ليرتان", "ليرتان"),
    "USD": _Noun(False, "دولار أمريكي واحد", "دولاران أمريكيان", "دولاران أمريكيان", "دولارات أمريكية",
                 "دولاراً أمريكياً", "دولاراً أمريكياً", "دولار أمريكي", "دولار واحد", "دولاران", "دولاران"),
}


def _scale(one, two, two_construct, plural, accusative):
    return _Noun(False, one, two, two_construct, plural, accusative, one, one, one, two, two_construct)


# Largest first. مليار (not بليون) is the Levantine word for 10^9.
_SCALES = (
    (10**12, _scale("تريليون", "تريليونان", "تريليونا", "تريليونات", "تريليوناً")),
    (10**9, _scale("مليار", "ملياران", "مليارا", "مليارات", "ملياراً")),
    (10**6, _scale("مليون", "مليونان", "مليونا", "ملايين", "مليوناً")),
    (10**3, _scale("ألف", "ألفان", "ألفا", "آلاف", "ألفاً")),
)
_LIMIT = 10**15

# Units 3–10 before a masculine noun (feminine-looking form) and before a feminine one.
_UNITS_FOR_MASC = {3: "ثلاثة", 4: "أربعة", 5: "خمسة", 6: "ستة", 7: "سبعة", 8: "ثمانية", 9: "تسعة", 10: "عشرة"}
_UNITS_FOR_FEM = {3: "ثلاث", 4: "أربع", 5: "خمس", 6: "ست", 7: "سبع", 8: "ثماني", 9: "تسع", 10: "عشر"}
_TENS = {2: "عشرون", 3: "ثلاثون", 4: "أربعون", 5: "خمسون", 6: "ستون", 7: "سبعون", 8: "ثمانون", 9: "تسعون"}
_HUNDREDS = {1: "مئة", 2: "مئتان", 3: "ثلاثمئة", 4: "أربعمئة", 5: "خمسمئة",
             6: "ستمئة", 7: "سبعمئة", 8: "ثمانمئة", 9: "تسعمئة"}


def _units(n: int, feminine: bool) -> str:
    return (_UNITS_FOR_FEM if feminine else _UNITS_FOR_MASC)[n]


def _eleven_to_99(n: int, feminine: bool) -> str:
    tens, unit = divmod(n, 10)
    if tens == 1:
        if unit == 1:
            return "إحدى عشرة" if feminine else "أحد عشر"
        if unit == 2:
            return "اثنتا عشرة" if feminine else "اثنا عشر"
        return f"{_units(unit, feminine)} {'عشرة' if feminine else 'عشر'}"
    if unit == 0:
        return _TENS[tens]
    if unit == 1:
        first = "إحدى" if feminine else "واحد"
    elif unit == 2:
        first = "اثنتان" if feminine else "اثنان"
    elif unit == 8 and feminine:
        first = "ثمانٍ"  # indefinite nominative of ثماني
    else:
        first = _units(unit, feminine)
    return f"{first} و{_TENS[tens]}"


def _small(n: int, noun: _Noun, construct: bool) -> str:
    """1–99 of `noun`; construct: another noun follows (the amount's currency)."""
    if n == 1:
        return noun.one
    if n == 2:
        return noun.two_construct if construct else noun.two
    if n <= 10:
        return f"{_units(n, noun.feminine)} {noun.plural}"
    return f"{_eleven_to_99(n, noun.feminine)} {noun.acc_construct if construct else noun.accusative}"


def _hundreds_and_up(n: int, construct: bool) -> str:
    """Words for a multiple of 100; construct: a noun follows right after the last word."""
    parts = [(n // value % 1000, noun) for value, noun in _SCALES if n // value % 1000]
    hundreds = n // 100 % 10
    words = []
    for i, (count, noun) in enumerate(parts):
        last = i == len(parts) - 1 and not hundreds
        words.append(_count(count, noun, construct and last))
    if hundreds:
        words.append("مئتا" if hundreds == 2 and construct else _HUNDREDS[hundreds])
    return " و".join(words)


def _count(n: int, noun: _Noun, construct: bool = False) -> str:
    """n ≥ 1 of `noun`, noun in the form the last two digits of n require."""
    rest = n % 100
    hundreds = n - rest
    if not hundreds:
        return _small(rest, noun, construct)
    if rest == 0:
        return f"{_hundreds_and_up(hundreds, True)} {noun.genitive}"
    if rest in (1, 2):
        tail = noun.and_one if rest == 1 else (noun.and_two_construct if construct else noun.and_two)
        return f"{_hundreds_and_up(hundreds, True)} {noun.genitive} و{tail}"
    return f"{_hundreds_and_up(hundreds, False)} و{_small(rest, noun, construct)}"


_CURRENCIES_EN = {"SYP": ("Syrian pound", "Syrian pounds"), "USD": ("US dollar", "US dollars")}


def _english(amount: int, currency: str) -> str:
    singular, plural = _CURRENCIES_EN[currency]
    # num2words writes "one thousand, five hundred"; cheques carry no commas.
    number = num2words(amount, lang="en").replace(",", "")
    return f"{number[0].upper()}{number[1:]} {singular if amount == 1 else plural} only"


def _whole(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)):
        raise TypeError(f"amount must be a whole number, not {amount!r}")
    if amount != int(amount):
        raise ValueError(f"amount must be whole currency units, not {amount}")
    amount = int(amount)
    if not 0 <= amount < _LIMIT:
        raise ValueError(f"amount out of range: {amount}")
    return amount


def amount_in_words(amount: int, currency: str, lang: str) -> str:
    """Whole `amount` of SYP or USD in words, lang 'ar' or 'en'.

    ar: «فقط ألف وخمسمئة ليرة سورية لا غير»; en: "One thousand five hundred Syrian pounds only".
    """
    amount = _whole(amount)
    if currency not in _CURRENCIES_AR:
        raise ValueError(f"unsupported currency {currency!r}")
    if lang == "en":
        return _english(amount, currency)
    if lang != "ar":
        raise ValueError(f"unsupported language {lang!r}")
    noun = _CURRENCIES_AR[currency]
    words = f"صفر {noun.genitive}" if amount == 0 else _count(amount, noun)
    return f"فقط {words} لا غير"
