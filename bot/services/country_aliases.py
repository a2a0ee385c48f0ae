"""The reviewed exceptions to the country names of CLDR (babel) and ISO 3166 (pycountry).

Only what neither source has belongs here, each entry with the reason it is needed. Names are
written as people type them; `countries` folds them like any answer (case, accents, dots,
spaces, Arabic marks), so "R.D. Congo" and "rd congo" are the same entry. Babel drops CLDR's
"alt" forms (short and variant names such as "UK", "Ivory Coast", "Swaziland", "Turkey"), so
those are listed here too.
"""

from __future__ import annotations

from typing import Final

ALIASES: Final[dict[str, str]] = {
    # --- abbreviations, which neither source lists ---
    "DRC": "CD",  # Democratic Republic of the Congo, English usage (UN, press)
    "DR Congo": "CD",  # CLDR's English variant is "Congo (DRC)"; the press writes "DR Congo"
    "Congo DRC": "CD",  # CLDR's English variant "Congo (DRC)", which babel drops
    "RDC": "CD",  # République démocratique du Congo / República Democrática del Congo
    "RD Congo": "CD",  # the usual French short form (also "Congo RDC" below)
    "Congo RDC": "CD",  # French usage, also written "Congo (RDC)"
    "ДРК": "CD",  # Демократическая Республика Конго
    "ДР Конго": "CD",  # the usual Russian short form
    "الكونغو الديمقراطية": "CD",  # the usual Arabic short form
    "جمهورية الكونغو الديمقراطية": "CD",  # pycountry writes ديموقراطية; this is commoner
    "民主刚果": "CD",  # Chinese colloquial short form
    "UAE": "AE",  # United Arab Emirates
    "EAU": "AE",  # Émirats arabes unis / Emiratos Árabes Unidos
    "UK": "GB",  # CLDR's English short form, which babel drops
    "EEUU": "US",  # Estados Unidos, written "EE. UU." or "EEUU"
    "США": "US",  # Соединённые Штаты Америки
    "РФ": "RU",  # Российская Федерация
    "КНР": "CN",  # Китайская Народная Республика
    "PRC": "CN",  # People's Republic of China
    "DPRK": "KP",  # Democratic People's Republic of Korea (UN usage)
    "ROK": "KR",  # Republic of Korea
    "ЮАР": "ZA",  # Южно-Африканская Республика
    "RSA": "ZA",  # Republic of South Africa
    "KSA": "SA",  # Kingdom of Saudi Arabia
    "CAR": "CF",  # Central African Republic (UN usage); not an ISO alpha-3 code
    # --- CLDR variants that babel drops, and names changed without a new ISO code ---
    "Ivory Coast": "CI",  # CLDR English variant
    "Берег Слоновой Кости": "CI",  # the Russian name until the 1980s, still typed
    "Swaziland": "SZ",  # renamed Eswatini in 2018 (CLDR English variant; same ISO code)
    "Suazilandia": "SZ",  # Spanish for Swaziland
    "Свазиленд": "SZ",  # Russian for Swaziland
    "سوازيلاند": "SZ",  # Arabic for Swaziland
    "Turkey": "TR",  # renamed Türkiye in 2022 (CLDR English variant; same ISO code)
    # North Macedonia's name until 2019; in English, French, Spanish and Arabic the current
    # name begins with it, so only these two need listing
    "Македония": "MK",
    "马其顿": "MK",
    "FYROM": "MK",  # "former Yugoslav Republic of Macedonia", UN usage until 2019
    "Острова Зелёного Мыса": "CV",  # the Russian name of Cabo Verde until 2013
    # --- colloquial names of a whole country ---
    "Белоруссия": "BY",  # Russian usage in Russia (the official Russian name is Беларусь)
    "Кыргызстан": "KG",  # the country's own official Russian name (CLDR and ISO say Киргизия)
    "Holland": "NL",  # the Netherlands, colloquially
    "Hollande": "NL",  # French, the same
    "Holanda": "NL",  # Spanish, the same
    "Голландия": "NL",  # Russian, the same
    # people from the United Kingdom often name their part of it, or Britain
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "Angleterre": "GB",  # French for England
    "Grande-Bretagne": "GB",  # French for Great Britain
    "Inglaterra": "GB",  # Spanish for England
    "Gran Bretaña": "GB",  # Spanish for Great Britain
    "Англия": "GB",  # Russian for England
    "بريطانيا": "GB",  # Arabic, Britain
    "فلسطين": "PS",  # CLDR's Arabic short form, which babel drops (pycountry: دولة فلسطين)
    "المالديف": "MV",  # the Maldives' usual Arabic name (CLDR: جزر المالديف); see NOT_NAMES
    # Palestine's two parts, which people living there name (World Bank: "West Bank and Gaza")
    "Gaza": "PS",
    "West Bank": "PS",
    "West Bank and Gaza": "PS",
    "غزة": "PS",
    "قطاع غزة": "PS",
    "الضفة الغربية": "PS",
    "Centrafrique": "CF",  # the usual French name of the Central African Republic
    # The United States as people say it in everyday Arabic and Russian (English "America"
    # stays unanswered: it is also the continents)
    "أمريكا": "US",
    "امريكا": "US",
    "أميركا": "US",
    "Америка": "US",
    "سورية": "SY",  # Syria as Syria's own institutions spell it (CLDR writes سوريا)
    "南韩": "KR",  # South Korea in simplified characters (CLDR has only 南韓)
    "北韩": "KP",  # North Korea in simplified characters (CLDR has only 北韓)
    "俄国": "RU",  # Russia, colloquially
    "中国大陆": "CN",  # "mainland China", as people from Hong Kong, Macao and Taiwan write
    "Mainland China": "CN",  # the same in English
}

# Answers that stand for more than one country: the participant chooses, nothing is guessed.
# Each is a country's exact name in one of the sources, so without this entry it would be
# taken as that country; the most populous first.
AMBIGUOUS: Final[dict[str, tuple[str, ...]]] = {
    # both Congos are officially "Congo"; pycountry and French, Russian and Arabic CLDR
    # call only Brazzaville so
    "Congo": ("CD", "CG"),
    "Конго": ("CD", "CG"),
    "الكونغو": ("CD", "CG"),
    "刚果": ("CD", "CG"),
    "剛果": ("CD", "CG"),
    # "Guinea" is Guinea's name, but Spanish speakers call Equatorial Guinea "Guinea" too,
    # and people from Guinea-Bissau shorten theirs
    "Guinea": ("GN", "GW", "GQ"),
    "Guinée": ("GN", "GW", "GQ"),
    "Гвинея": ("GN", "GW", "GQ"),
    "غينيا": ("GN", "GW", "GQ"),
    "几内亚": ("GN", "GW", "GQ"),
    "幾內亞": ("GN", "GW", "GQ"),
    # both Koreas are offered anyway (pycountry names them "Korea, …"); listed to offer the
    # more populous first
    "Korea": ("KR", "KP"),
    "Corée": ("KR", "KP"),
    "Corea": ("KR", "KP"),
    "Корея": ("KR", "KP"),
    "كوريا": ("KR", "KP"),
    # Taiwan's own official name, which people also type for the People's Republic of China
    # shortened; the sources name Taiwan otherwise, so without this only China is offered
    "Republic of China": ("TW", "CN"),
    "中华民国": ("TW", "CN"),
}

# Names the sources give a country by mistake, which would send an answer elsewhere.
NOT_NAMES: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        # pycountry's Arabic catalogue translates Moldova's common name as the Maldives
        ("MD", "المالديف"),
    }
)

# How a country is shown (profile, questions) where CLDR's name reads as a label rather than
# a name: "Congo - Kinshasa", "Hong Kong SAR China", "Myanmar (Burma)" with its brackets
# inside the bot's own. Each is the short form the language's press and the UN use.
DISPLAY_NAMES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "CD": "DR Congo",
        "CG": "Republic of the Congo",
        "MM": "Myanmar",
        "HK": "Hong Kong",
        "MO": "Macao",
        "PS": "Palestine",
    },
    "fr": {"CD": "RD Congo", "CG": "Congo", "MM": "Myanmar", "HK": "Hong Kong", "MO": "Macao"},
    "es": {"MM": "Myanmar", "HK": "Hong Kong", "MO": "Macao", "PS": "Palestina"},
    "ar": {
        "CD": "جمهورية الكونغو الديمقراطية",
        "CG": "جمهورية الكونغو",
        "MM": "ميانمار",
        "HK": "هونغ كونغ",
        "MO": "ماكاو",
        "PS": "فلسطين",
    },
    "zh": {
        "CD": "刚果民主共和国",
        "CG": "刚果共和国",
        "HK": "中国香港",
        "MO": "中国澳门",
        "PS": "巴勒斯坦",
    },
    "ru": {
        "CD": "ДР Конго",
        "CG": "Республика Конго",
        "MM": "Мьянма",
        "HK": "Гонконг",
        "MO": "Макао",
        "PS": "Палестина",
        "US": "США",
    },
}
