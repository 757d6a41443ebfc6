"""Feed HTML -> Markdown for the detail pane and -> plain text for previews: real items, hostile HTML."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from reader_tui.render import html_to_text, summary_markdown

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
POST = "https://ftxj.github.io/zh/posts/2026-05-29/10-when-cloud-agents-meet-device-agents-lessons-from-hybrid-mul/"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def item_description(fixture: str, index: int) -> str:
    """The HTML of the ``index``-th item's description, as a feed parser would hand it over."""
    text = (FEEDS / fixture).read_text(encoding="utf-8")
    items = re.findall(r"<item>.*?<description>(.*?)</description>", text, re.DOTALL)
    return html.unescape(items[index])


def shown(markdown: str) -> str:
    """What the reader sees once the Markdown is rendered (CommonMark, as the detail pane does)."""
    return html_to_text(MarkdownIt("commonmark").render(markdown))


def rendered_links(markdown: str) -> list[tuple[str, str]]:
    """(text, href) of every link the rendered Markdown contains."""
    out = MarkdownIt("commonmark").render(markdown)
    return [(html_to_text(t), html.unescape(h)) for h, t in re.findall(r'<a href="([^"]*)">(.*?)</a>', out)]


# ---------------------------------------------------------------------------------------------
# Real feed items


def test_digest_item_keeps_headings_lists_and_links() -> None:
    md = summary_markdown(item_description("ftxj-2026-05-29.xml", 0), POST)
    lines = md.splitlines()
    assert "## TL;DR" in lines
    assert "## Motivation" in lines
    assert "## 核心观点" in lines
    bullets = [line for line in lines if line.startswith("* ")]
    assert len(bullets) >= 5
    assert bullets[0].startswith("* 将两种代表性 MAS 架构")
    assert ("2605.30102", "https://arxiv.org/abs/2605.30102") in rendered_links(md)
    assert ("PDF", "https://arxiv.org/pdf/2605.30102") in rendered_links(md)
    assert "**作者:** Corrado Rainone, Davide Belli, Bence Major, Arash Behboodi" in lines
    assert "<p>" not in md and "<h2" not in md and "&quot;" not in md
    # The rendered page reads like the original HTML.
    assert shown(md) == html_to_text(item_description("ftxj-2026-05-29.xml", 0))


def test_figures_become_links_not_embedded_images() -> None:
    description = item_description("ftxj-2026-04-24-duplicate-papers.xml", 0)
    assert "<img" in description
    md = summary_markdown(description, POST)
    assert "![" not in md
    images = [(text, href) for text, href in rendered_links(md) if text.startswith("image")]
    assert len(images) == 1
    text, href = images[0]
    assert text == "image: 图 1"
    assert re.fullmatch(r"https://ftxj\.github\.io/images/papers/2604\.\d+/fig1\.png", href)


def test_older_digest_layout_without_images_renders_every_section() -> None:
    description = item_description("ftxj-2026-04-20.xml", 3)
    md = summary_markdown(description, POST)
    assert md.count("\n## ") == description.count("<h2")
    assert shown(md) == html_to_text(description)


def test_arxiv_rss_abstract_with_tex_stays_text() -> None:
    abstract = "We show $p<0.05$ for $x_1 * y_2$ and $I_A^2 > 1$ when $\\alpha \\to \\infty$."
    md = summary_markdown(html.escape(abstract))
    assert shown(md) == abstract


# ---------------------------------------------------------------------------------------------
# Hostile HTML


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "vbscript:msgbox",
    ],
)
def test_links_that_are_not_http_lose_their_target_but_keep_their_text(href: str) -> None:
    md = summary_markdown(f'<p>Click <a href="{href}">here</a> now</p>', POST)
    assert rendered_links(md) == []
    assert shown(md) == "Click here now"


def test_unsafe_image_sources_are_text() -> None:
    md = summary_markdown(
        '<p><img src="javascript:alert(1)" alt="x"> and <img src="data:image/png;base64,AA"></p>'
    )
    assert rendered_links(md) == []
    assert shown(md) == "(image: x) and (image)"


def test_relative_links_and_images_resolve_against_the_page() -> None:
    source = '<p><a href="../../2026-05-28/">yesterday</a> <img src="/images/f.png" alt="fig"></p>'
    assert rendered_links(summary_markdown(source, POST)) == [
        ("yesterday", "https://ftxj.github.io/zh/posts/2026-05-28/"),
        ("image: fig", "https://ftxj.github.io/images/f.png"),
    ]
    # With no page to resolve against, a relative link cannot be opened: text only.
    assert rendered_links(summary_markdown(source)) == []
    assert shown(summary_markdown(source)) == "yesterday (image: fig)"


def test_link_with_parentheses_and_image_inside_a_link() -> None:
    source = (
        '<a href="https://en.wikipedia.org/wiki/Transformer_(deep_learning)">wiki</a> '
        '<a href="https://huggingface.co/papers/2604.26951">'
        '<img src="https://cdn.example/t.png" alt="thumb"></a>'
    )
    assert rendered_links(summary_markdown(source)) == [
        ("wiki", "https://en.wikipedia.org/wiki/Transformer_%28deep_learning%29"),
        ("(image: thumb)", "https://huggingface.co/papers/2604.26951"),
    ]


def test_active_content_is_dropped_with_everything_inside() -> None:
    source = (
        "<p>before</p><script>alert('s')</script><style>p{color:red}</style>"
        "<iframe src='https://evil.example'>frame text</iframe><object data='x'>object text</object>"
        "<form action='https://evil.example'><input value='v'>form text<button>Go</button></form>"
        "<noscript>enable js</noscript><p>after</p>"
    )
    md = summary_markdown(source)
    assert shown(md) == "before after"
    assert "evil" not in md


def test_control_characters_and_bidi_overrides_never_reach_the_screen() -> None:
    source = (
        "<p>safe\x1b[2Jtext &#x202e;gnp.exe &#27;]0;title&#7; \x9b31m</p><a href='https://e.org/\x07'>l</a>"
    )
    md = summary_markdown(source)
    assert not CONTROL.search(md)
    assert "safetext gnp.exe" in shown(md)


def test_html_looking_text_is_shown_not_interpreted() -> None:
    md = summary_markdown("<p>&lt;script&gt;alert(1)&lt;/script&gt; # not a heading</p><p>1. not a list</p>")
    assert shown(md) == "<script>alert(1)</script> # not a heading 1. not a list"


def test_blank_line_runs_collapse() -> None:
    md = summary_markdown("<p>a</p>\n\n\n<div>  </div><br><br><br>\n\n<p> </p><p>b</p>")
    assert "\n\n\n" not in md
    assert shown(md) == "a b"


# ---------------------------------------------------------------------------------------------
# Size


def test_long_summary_is_cut_at_a_paragraph_with_a_notice() -> None:
    paragraphs = [f"<p>Paragraph {i} " + "word " * 50 + f"end{i}.</p>" for i in range(200)]
    source = "".join(paragraphs)
    md = summary_markdown(source, max_chars=2_000)
    body, notice = md.rsplit("\n\n", 1)
    assert notice == f"… (summary truncated: {len(source):,} characters; press `a` to open the page)"
    assert len(body) <= 2_000
    assert body.endswith("end" + body.split("Paragraph ")[-1].split(" ")[0] + ".")  # last one whole
    assert summary_markdown(source, max_chars=10**6).count("Paragraph") == 200


def test_cut_inside_a_code_block_closes_the_fence() -> None:
    source = "<p>intro</p><pre><code>" + "line of code\n" * 500 + "</code></pre>"
    md = summary_markdown(source, max_chars=1_000)
    assert md.count("```") % 2 == 0
    assert md.endswith("press `a` to open the page)")


def test_five_megabyte_summary_returns_quickly() -> None:
    source = ("<p>" + "lorem ipsum " * 40 + '<a href="https://x.org/">l</a></p>\n') * 10_000
    assert len(source) > 5_000_000
    start = time.perf_counter()
    md = summary_markdown(source)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    assert md.endswith(f"(summary truncated: {len(source):,} characters; press `a` to open the page)")
    assert len(md) < 20_200


@pytest.mark.parametrize("unit", ["<a ", '<a href="', "<!--", "<?", "<abc", "<a b=", "<div>", "<b>x"])
def test_unclosed_markup_does_not_make_the_parser_crawl(unit: str) -> None:
    # Python's html.parser needs minutes for 100 kB of "<a ": the input is made well-formed first.
    source = unit * (300_000 // len(unit))
    start = time.process_time()  # CPU: the wall clock of a busy machine says more of the others
    summary_markdown(source)
    html_to_text(source)
    assert time.process_time() - start < 2.0


# ---------------------------------------------------------------------------------------------
# Plain text


def test_html_to_text() -> None:
    assert html_to_text("<p>H<sub>2</sub>O is <b>wet</b></p><p>and&nbsp;cold &amp; clear</p>") == (
        "H2O is wet and cold & clear"
    )
    assert html_to_text("<style>p{}</style><!-- hidden --><script>x<y</script>We show $p<0.05$.") == (
        "We show $p<0.05$."
    )
    assert html_to_text("line\x1b[31m one\n\n  two\u202e") == "line one two"
    assert html_to_text("") == ""


def test_html_to_text_is_fast_on_five_megabytes() -> None:
    source = ("<p>" + "lorem ipsum " * 40 + "<a href='x'>l</a></p>\n") * 10_000
    start = time.perf_counter()
    text = html_to_text(source)
    assert time.perf_counter() - start < 2.0
    assert text.startswith("lorem ipsum lorem") and "<" not in text


# ---------------------------------------------------------------------------------------------
# Never raises

tag_soup = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<a href='javascript:x'>",
                "<a href='/rel'>",
                "</a>",
                "<img src=x alt='[a]'>",
                "<ul><li>",
                "</li>",
                "<h2>",
                "<pre><code>",
                "</code></pre>",
                "<table><tr><td>",
                "<script>",
                "<!--",
                "-->",
                "<br/>",
                "&",
                "&#x202e;",
                "\x1b[",
                "<",
                ">",
                "`",
                "$x_1$",
            ]
        ),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(source=tag_soup, max_chars=st.integers(min_value=1, max_value=500), base=st.sampled_from([None, POST]))
def test_summary_markdown_never_raises(source: str, max_chars: int, base: str | None) -> None:
    md = summary_markdown(source, base, max_chars=max_chars)
    assert not CONTROL.search(md)
    assert all(re.match(r"https?://", href) for _, href in rendered_links(md))
    if base is None:
        assert rendered_links(md) == []  # every link and image in the soup is relative or javascript:
    assert "\n\n\n" not in md
    assert not CONTROL.search(html_to_text(source))
