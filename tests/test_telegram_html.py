"""Telegram's HTML parse mode, checked against the Bot API documentation, not against our code.

The oracle is https://core.telegram.org/bots/api#html-style: its example block, taken verbatim,
must give the entities a reader of the documentation expects, and each rule its "Please note"
list states must hold.
"""

from __future__ import annotations

import pytest

from bot.i18n import Catalogs
from bot.services.formatting import FormattingError, parse_html
from bot.telegram_html import Entity, Formatted, HtmlError, Reason, parse, utf16_length

# The "HTML style" section's example, verbatim. The documentation writes the line breaks
# inside the two quotations as "\n"; they stand for real line breaks.
DOCUMENTED_EXAMPLE = r"""<b>bold</b>, <strong>bold</strong>
<i>italic</i>, <em>italic</em>
<u>underline</u>, <ins>underline</ins>
<s>strikethrough</s>, <strike>strikethrough</strike>, <del>strikethrough</del>
<span class="tg-spoiler">spoiler</span>, <tg-spoiler>spoiler</tg-spoiler>
<b>bold <i>italic bold <s>italic bold strikethrough <span class="tg-spoiler">italic bold strikethrough spoiler</span></s> <u>underline italic bold</u></i> bold</b>
<a href="http://www.example.com/">inline URL</a>
<a href="tg://user?id=123456789">inline mention of a user</a>
<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>
<tg-time unix="1647531900" format="wDT">22:45 tomorrow</tg-time>
<tg-time unix="1647531900" format="t">22:45 tomorrow</tg-time>
<tg-time unix="1647531900" format="r">22:45 tomorrow</tg-time>
<tg-time unix="1647531900">22:45 tomorrow</tg-time>
<code>inline fixed-width code</code>
<pre>pre-formatted fixed-width code block</pre>
<pre><code class="language-python">pre-formatted fixed-width code block written in the Python programming language</code></pre>
<blockquote>Block quotation started\nBlock quotation continued\nThe last line of the block quotation</blockquote>
<blockquote expandable>Expandable block quotation started\nExpandable block quotation continued\nExpandable block quotation continued\nHidden by default part of the block quotation started\nExpandable block quotation continued\nThe last line of the block quotation</blockquote>"""  # noqa: E501

NESTED = (
    "bold italic bold italic bold strikethrough italic bold strikethrough spoiler "
    "underline italic bold bold"
)
QUOTE = "Block quotation started\nBlock quotation continued\nThe last line of the block quotation"
EXPANDABLE = (
    "Expandable block quotation started\nExpandable block quotation continued\n"
    "Expandable block quotation continued\nHidden by default part of the block quotation "
    "started\nExpandable block quotation continued\nThe last line of the block quotation"
)
PYTHON = "pre-formatted fixed-width code block written in the Python programming language"


def covered(result: Formatted, entity: Entity) -> str:
    """The text an entity covers, found from its UTF-16 offset and length."""
    units = result.text.encode("utf-16-le")
    return units[2 * entity.offset : 2 * (entity.offset + entity.length)].decode("utf-16-le")


def refusal(html: str) -> HtmlError:
    with pytest.raises(HtmlError) as caught:
        parse(html)
    return caught.value


def test_the_documented_example_gives_the_documented_text() -> None:
    """What a reader sees of the example: every tag gone, every line kept."""
    result = parse(DOCUMENTED_EXAMPLE.replace("\\n", "\n"))
    assert result.text.split("\n") == [
        "bold, bold",
        "italic, italic",
        "underline, underline",
        "strikethrough, strikethrough, strikethrough",
        "spoiler, spoiler",
        NESTED,
        "inline URL",
        "inline mention of a user",
        "👍",
        "22:45 tomorrow",
        "22:45 tomorrow",
        "22:45 tomorrow",
        "22:45 tomorrow",
        "inline fixed-width code",
        "pre-formatted fixed-width code block",
        PYTHON,
        *QUOTE.split("\n"),
        *EXPANDABLE.split("\n"),
    ]


def test_the_documented_example_gives_the_documented_entities() -> None:
    """Each tag of the example becomes its entity, over the text between its tags, in order."""
    result = parse(DOCUMENTED_EXAMPLE.replace("\\n", "\n"))
    assert [(e.type, covered(result, e)) for e in result.entities] == [
        ("bold", "bold"),
        ("bold", "bold"),
        ("italic", "italic"),
        ("italic", "italic"),
        ("underline", "underline"),
        ("underline", "underline"),
        ("strikethrough", "strikethrough"),
        ("strikethrough", "strikethrough"),
        ("strikethrough", "strikethrough"),
        ("spoiler", "spoiler"),
        ("spoiler", "spoiler"),
        ("bold", NESTED),
        ("italic", NESTED.removeprefix("bold ").removesuffix(" bold")),
        ("strikethrough", "italic bold strikethrough italic bold strikethrough spoiler"),
        ("spoiler", "italic bold strikethrough spoiler"),
        ("underline", "underline italic bold"),
        ("text_link", "inline URL"),
        ("text_mention", "inline mention of a user"),
        ("custom_emoji", "👍"),
        ("date_time", "22:45 tomorrow"),
        ("date_time", "22:45 tomorrow"),
        ("date_time", "22:45 tomorrow"),
        ("date_time", "22:45 tomorrow"),
        ("code", "inline fixed-width code"),
        ("pre", "pre-formatted fixed-width code block"),
        ("pre", PYTHON),
        ("blockquote", QUOTE),
        ("expandable_blockquote", EXPANDABLE),
    ]


def test_the_documented_example_carries_its_attributes() -> None:
    """The link's address, the mentioned user, the emoji id, the times and the language."""
    entities = parse(DOCUMENTED_EXAMPLE.replace("\\n", "\n")).entities
    found = {e.type: e for e in entities if e.type != "date_time"}
    assert found["text_link"].url == "http://www.example.com/"
    assert found["text_mention"].user_id == 123456789
    assert found["custom_emoji"].custom_emoji_id == "5368324170671202286"
    assert [(e.unix_time, e.date_time_format) for e in entities if e.type == "date_time"] == [
        (1647531900, "wDT"),
        (1647531900, "t"),
        (1647531900, "r"),
        (1647531900, None),
    ]
    assert [e.language for e in entities if e.type == "pre"] == [None, "python"]


@pytest.mark.parametrize(
    ("html", "reason", "message"),
    [
        # "All <, > and & symbols that are not a part of a tag or an HTML entity must be
        # replaced with the corresponding HTML entities"
        (
            "Q&amp;A: <5 minutes per city",
            Reason.BARE_LESS_THAN,
            'Unsupported start tag "5" at byte offset 9',
        ),
        ("Length: 3 < 5", Reason.BARE_LESS_THAN, 'Unsupported start tag "" at byte offset 10'),
        ("Ends with <", Reason.BARE_LESS_THAN, "Unclosed start tag at byte offset 10"),
        (
            "Q&A: <5 minutes per city",
            Reason.BARE_AMPERSAND,
            'Character "&" must be replaced with "&amp;" at byte offset 1',
        ),
        (
            "2 > 1",
            Reason.BARE_GREATER_THAN,
            'Character ">" must be replaced with "&gt;" at byte offset 2',
        ),
        # "The API currently supports only the following named HTML entities: &lt;, &gt;,
        # &amp; and &quot;"
        (
            "a&nbsp;b",
            Reason.UNSUPPORTED_ENTITY,
            'Unsupported HTML entity "&nbsp;" at byte offset 1',
        ),
        ("&copy; 2026", Reason.UNSUPPORTED_ENTITY, 'Unsupported HTML entity "&copy;"'),
        ("&#0;", Reason.UNSUPPORTED_ENTITY, 'Invalid numeric HTML entity "&#0;"'),
        # "Only the tags mentioned above are currently supported."
        ("<div>x</div>", Reason.UNSUPPORTED_TAG, 'Unsupported start tag "div" at byte offset 0'),
        ("line<br>line", Reason.UNSUPPORTED_TAG, 'Unsupported start tag "br" at byte offset 4'),
        ("<!-- note -->x", Reason.UNSUPPORTED_TAG, 'Unsupported start tag "!--"'),
        # The tags' documented attributes
        ("<span>x</span>", Reason.MISSING_ATTRIBUTE, 'Tag "span" must have class "tg-spoiler"'),
        ('<span class="red">x</span>', Reason.MISSING_ATTRIBUTE, 'class "tg-spoiler"'),
        ("<tg-emoji>👍</tg-emoji>", Reason.MISSING_ATTRIBUTE, "Invalid custom emoji identifier"),
        ('<tg-emoji emoji-id="x">👍</tg-emoji>', Reason.MISSING_ATTRIBUTE, "custom emoji"),
        ('<tg-emoji emoji-id="5368324170671202286"></tg-emoji>', Reason.EMPTY_EMOJI, "emoji"),
        ("<a>x</a>", Reason.MISSING_ATTRIBUTE, 'Tag "a" must have attribute "href"'),
        ('<tg-time format="t">x</tg-time>', Reason.MISSING_ATTRIBUTE, 'attribute "unix"'),
        ('<tg-time unix="1" format="x">y</tg-time>', Reason.BAD_TAG, 'date-time format "x"'),
        (
            "<b x>y</b>",
            Reason.BAD_TAG,
            'Expected equal sign in declaration of an attribute of the tag "b"',
        ),
        (
            '<a href="https://example.org>x</a>',
            Reason.BAD_TAG,
            "Unclosed start tag at byte offset 0",
        ),
        # "Programming language can't be specified for standalone code tags."
        (
            '<code class="language-python">x = 1</code>',
            Reason.LANGUAGE_OUTSIDE_PRE,
            'Programming language can\'t be specified for standalone "code" tag',
        ),
        # Nesting: "bold, italic, underline, strikethrough, and spoiler entities can contain
        # and can be part of any other entities, except pre and code"; "blockquote and
        # expandable_blockquote entities can't be nested"; "All other entities can't contain
        # each other."
        ("<b><code>x</code></b>", Reason.NESTING, 'Tag "code" can\'t be nested in tag "b"'),
        ("<code><i>x</i></code>", Reason.NESTING, 'Tag "i" can\'t be nested in tag "code"'),
        (
            "<blockquote><blockquote expandable>x</blockquote></blockquote>",
            Reason.NESTING,
            "nested",
        ),
        ('<a href="https://a.org"><code>x</code></a>', Reason.NESTING, 'in tag "a"'),
        ("<pre>a <code>b</code></pre>", Reason.NESTING, 'Tag "code" can\'t be nested in tag "pre"'),
        # Tags properly nested and closed
        (
            "<b><i>x</b></i>",
            Reason.MISNESTED,
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
        ("x</b>", Reason.UNEXPECTED_END_TAG, "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", Reason.UNEXPECTED_END_TAG, 'expected "</b>", found "</i>"'),
        ("<b>Registration is open", Reason.UNCLOSED_TAG, 'start tag "b"'),
        (
            "<b>a <i>b</i>",
            Reason.UNCLOSED_TAG,
            'Can\'t find end tag corresponding to start tag "b"',
        ),
    ],
)
def test_what_the_documentation_forbids_is_refused(html: str, reason: Reason, message: str) -> None:
    """Each documented rule refuses its breach, with Telegram's wording and a reason."""
    error = refusal(html)
    assert error.reason is reason
    assert message in str(error) and str(error).startswith("Can't parse entities: ")


def test_byte_offsets_count_utf8_bytes() -> None:
    """Telegram points at a refusal in bytes of UTF-8, as the server reads the text."""
    assert refusal("Ваш код <x>").byte_offset == len("Ваш код ".encode())
    assert "at byte offset 14" in str(refusal("Ваш код <x>"))


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("&lt;b&gt; is bold, &amp; &quot;quoted&quot;", '<b> is bold, & "quoted"'),
        ("&#60;&#x3C;&#X3c; &#127754; &#x1F30A;", "<<< 🌊 🌊"),
        ('<a href="https://example.org/?a=1&b=2">link</a>', "link"),
        ("<b></b>nothing bold", "nothing bold"),
        ("<B>loud</b>", "loud"),
        ("<b >x</b >", "x"),
    ],
)
def test_what_the_documentation_allows_is_accepted(html: str, text: str) -> None:
    """Named and numeric entities, a & inside an attribute, empty tags, spaces in tags pass."""
    assert parse(html).text == text


def test_a_link_keeps_its_address_as_written() -> None:
    """Entities inside a quoted attribute are decoded; the address is what the link opens."""
    [link] = parse('<a href="https://example.org/?a=1&amp;b=2">x</a>').entities
    assert link.url == "https://example.org/?a=1&b=2"


def test_pre_with_a_nested_code_is_one_pre_entity() -> None:
    """'Use nested pre and code tags, to define programming language for pre entity'."""
    [with_language] = parse('<pre><code class="language-sql">SELECT 1</code></pre>').entities
    [without] = parse("<pre><code>SELECT 1</code></pre>").entities
    assert (with_language.type, with_language.language) == ("pre", "sql")
    assert (without.type, without.language) == ("pre", None)


def test_offsets_and_lengths_are_in_utf16_units() -> None:
    """An astral emoji counts two units; Arabic and Chinese letters count one each."""
    result = parse("🌍 <b>مرحبا</b> <i>你好</i> 👩‍💻 <u>x</u> &#x1F30A;<s>y</s>")
    found = [(e.type, e.offset, e.length, covered(result, e)) for e in result.entities]
    assert found == [
        ("bold", 3, 5, "مرحبا"),
        ("italic", 9, 2, "你好"),
        ("underline", 18, 1, "x"),
        ("strikethrough", 22, 1, "y"),
    ]
    assert utf16_length(result.text) == 23


def test_entities_come_in_telegrams_order() -> None:
    """By offset, longer first, and for the same span in Telegram's fixed order of types."""
    result = parse('<i><b>x</b></i> <u><a href="https://example.org">y</a></u>')
    assert [e.type for e in result.entities] == ["bold", "italic", "text_link", "underline"]


def test_an_organizer_is_told_why_in_their_language() -> None:
    """The broadcast check names the problem and where it is, translated."""
    with pytest.raises(FormattingError) as caught:
        parse_html("Q&A with the mayors of Dakar and Hanoi")
    problem = caught.value.problem
    catalogs = Catalogs()
    assert problem.render(catalogs.get("en")) == (
        "a “&” must be written &amp; (near “Q&A with the mayors…”)"
    )
    assert problem.render(catalogs.get("fr")) == (
        "un «\u00a0&\u00a0» doit s’écrire &amp; (près de «\u00a0Q&A with the mayors…\u00a0»)"
    )
    assert caught.value.error.reason is Reason.BARE_AMPERSAND
