"""Telegram HTML parse mode: text, entities (UTF-16 offsets) and Telegram's error texts."""

import pytest

from bot.playground.botapi.html_entities import HtmlParseError, parse_html, utf16_len


@pytest.mark.parametrize(
    ("markup", "text", "entities"),
    [
        ("plain", "plain", []),
        ("", "", []),
        ("<b>bold</b>", "bold", [{"type": "bold", "offset": 0, "length": 4}]),
        ("<strong>x</strong>", "x", [{"type": "bold", "offset": 0, "length": 1}]),
        (
            "a<i>b</i><em>c</em>",
            "abc",
            [
                {"type": "italic", "offset": 1, "length": 1},
                {"type": "italic", "offset": 2, "length": 1},
            ],
        ),
        (
            "<u>u</u><ins>i</ins>",
            "ui",
            [
                {"type": "underline", "offset": 0, "length": 1},
                {"type": "underline", "offset": 1, "length": 1},
            ],
        ),
        (
            "<s>1</s><strike>2</strike><del>3</del>",
            "123",
            [
                {"type": "strikethrough", "offset": 0, "length": 1},
                {"type": "strikethrough", "offset": 1, "length": 1},
                {"type": "strikethrough", "offset": 2, "length": 1},
            ],
        ),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            "<b>bo<i>th</i></b>",
            "both",
            [
                {"type": "bold", "offset": 0, "length": 4},
                {"type": "italic", "offset": 2, "length": 2},
            ],
        ),
        (
            "<b><i>x</i></b>",
            "x",
            [
                {"type": "bold", "offset": 0, "length": 1},
                {"type": "italic", "offset": 0, "length": 1},
            ],
        ),
        (
            '<a href="https://example.org/x?a=1&amp;b=2">link</a>',
            "link",
            [
                {
                    "type": "text_link",
                    "offset": 0,
                    "length": 4,
                    "url": "https://example.org/x?a=1&b=2",
                },
            ],
        ),
        (
            '<a href="https://example.org">x</a>',
            "x",
            [
                {"type": "text_link", "offset": 0, "length": 1, "url": "https://example.org/"},
            ],
        ),
        (
            "<a href='tg://user?id=42'>Sanne</a>",
            "Sanne",
            [
                {
                    "type": "text_mention",
                    "offset": 0,
                    "length": 5,
                    "user": {"id": 42, "is_bot": False, "first_name": ""},
                },
            ],
        ),
        ('<a href="javascript:alert(1)">x</a>', "x", []),
        ("<code>c</code>", "c", [{"type": "code", "offset": 0, "length": 1}]),
        ("<pre>p</pre>", "p", [{"type": "pre", "offset": 0, "length": 1}]),
        (
            '<pre><code class="language-python">print()</code></pre>',
            "print()",
            [
                {"type": "pre", "offset": 0, "length": 7, "language": "python"},
            ],
        ),
        ("<blockquote>q</blockquote>", "q", [{"type": "blockquote", "offset": 0, "length": 1}]),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [
                {"type": "expandable_blockquote", "offset": 0, "length": 1},
            ],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "type": "custom_emoji",
                    "offset": 0,
                    "length": 2,
                    "custom_emoji_id": "5368324170671202286",
                },
            ],
        ),
        ("👋 <b>hoi 😀</b> x", "👋 hoi 😀 x", [{"type": "bold", "offset": 3, "length": 6}]),
        ("&lt;b&gt; &amp; &quot; &#65;&#x42; &foo; & x", '<b> & " AB &foo; & x', []),
        ("&#128512;<i>i</i>", "😀i", [{"type": "italic", "offset": 2, "length": 1}]),
        ("<B>x</B>", "x", [{"type": "bold", "offset": 0, "length": 1}]),
        ("<b>x</>", "x", [{"type": "bold", "offset": 0, "length": 1}]),
        ("<b></b>empty", "empty", []),
        (
            '<a href="https://e.org" target=blank>x</a>',
            "x",
            [
                {"type": "text_link", "offset": 0, "length": 1, "url": "https://e.org/"},
            ],
        ),
    ],
)
def test_parses_valid_markup(markup, text, entities):
    parsed = parse_html(markup)
    assert parsed.text == text
    assert parsed.entities == entities


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("a <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 2'),
        ("é <foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ("<a =x>y</a>", 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<tg-emoji emoji-id=abc>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_rejects_invalid_markup_with_telegrams_words(markup, error):
    with pytest.raises(HtmlParseError) as info:
        parse_html(markup)
    assert str(info.value) == error


@pytest.mark.parametrize(("text", "units"), [("abc", 3), ("😀", 2), ("é", 1), ("👍🏽", 4)])
def test_counts_utf16_code_units(text, units):
    assert utf16_len(text) == units
