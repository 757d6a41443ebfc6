"""Feed HTML -> Markdown for the detail pane, and -> plain text for previews and search.

Summaries are written by strangers and shown in a terminal, so the conversion is also a filter:
active content (script, style, iframe, object, form, …) is dropped whole, images become links
rather than being fetched, only http(s) links keep their target (relative ones are resolved
against the paper's page first), and control characters and BiDi overrides never reach the
screen. A huge summary is cut cheaply before parsing, so a 5 MB item cannot freeze the UI, and the
cut is announced at the end.

markdownify and BeautifulSoup are imported lazily: this module is imported at start-up.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from .safety import UnsafeURLError, check_url, clean_line, clean_text

DEFAULT_MAX_CHARS = 20_000
# HTML is cut to this many characters per character of Markdown wanted before it is parsed: the
# Markdown is shorter than its HTML, so the cut never shows unless the output is truncated anyway.
_HTML_BUDGET_FACTOR = 5
_HTML_BUDGET_MIN = 100_000

# Active or invisible content, dropped with everything inside it.
_DROPPED_TAGS = frozenset(
    "script style iframe frame frameset object embed applet form noscript template head svg canvas "
    "audio video".split()
)
_BLANK_LINES = re.compile(r"\n{3,}")


def _safe_url(url: str | None, base_url: str | None) -> str | None:
    """The absolute http(s) URL ``url`` points to, or None (javascript:, data:, junk, …)."""
    if not url:
        return None
    url = url.strip(" \t\n\r\f")
    try:
        return check_url(url, base_url)
    except UnsafeURLError:
        return None


def _cut_html(html: str, limit: int) -> str:
    """The first ``limit`` characters of ``html``, backed up to the start of a tag if one is open."""
    if len(html) <= limit:
        return html
    head = html[:limit]
    last_open, last_close = head.rfind("<"), head.rfind(">")
    return head[:last_open] if last_open > last_close else head


# Python's html.parser is quadratic on unclosed constructs (100 kB of "<a " takes minutes), so the
# HTML is first rewritten in one linear pass into a form it handles in linear time: every "<…>" is
# either a well-formed tag or escaped text, and comments, declarations and script/style are gone.
_ANGLE = re.compile(r"<[^<>]*+>?")
_NAME = r"[A-Za-z][\w:-]*+"
_START_TAG = re.compile(
    rf"<({_NAME})(?:\s*+[^\s\"'>/=]++(?:\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\s\"'=<>`]++))?+)*+\s*+/?>"
)
_END_TAG = re.compile(rf"</({_NAME})\s*+>")
_TAG_NAME = re.compile(rf"<(/?)({_NAME})")


def _well_formed_tag(m: re.Match[str]) -> str:
    tag = m.group(0)
    if _START_TAG.fullmatch(tag) or _END_TAG.fullmatch(tag):
        return tag
    if tag.startswith(("<!", "<?")) and tag.endswith(">"):
        return ""  # a declaration or processing instruction: never shown
    if (name := _TAG_NAME.match(tag)) and tag.endswith(">"):
        return f"<{name.group(1)}{name.group(2)}>"  # garbled attributes: keep the element, drop them
    return "&lt;" + tag[1:].replace(">", "&gt;")


def _sanitize_markup(html: str) -> str:
    return _ANGLE.sub(_well_formed_tag, _without_hidden(html))


def _link_target(url: str) -> str:
    """A URL that cannot end a Markdown link destination early."""
    for ch, code in (("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), ("\\", "%5C")):
        url = url.replace(ch, code)
    return url


_converter_class: type[Any] | None = None


def _converter(base_url: str | None) -> Any:
    """A markdownify converter that drops active content and only links to safe http(s) URLs.

    Defined on first use so markdownify is imported lazily. Works on the tree without changing
    its shape: bs4's node removal is linear in the number of siblings, which made 10k images slow.
    """
    global _converter_class
    if _converter_class is None:
        from markdownify import MarkdownConverter

        base: Any = MarkdownConverter  # its type stub declares only the public entry points

        class SafeConverter(base):
            base_url: str | None = None

            def process_tag(self, node: Any, parent_tags: set[str] | None = None) -> str:
                if node.name in _DROPPED_TAGS:
                    return ""
                return str(super().process_tag(node, parent_tags=parent_tags))

            def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
                href = _safe_url(str(el.get("href") or ""), self.base_url)
                el.attrs = {"href": _link_target(href)} if href else {}
                return str(super().convert_a(el, text, parent_tags))

            def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
                alt = clean_line(str(el.get("alt") or ""))
                label = self.escape(f"image: {alt}" if alt else "image", parent_tags)
                src = _safe_url(str(el.get("src") or ""), self.base_url)
                if src and "a" not in parent_tags and "_noformat" not in parent_tags:
                    return f"[{label}]({_link_target(src)})"
                return f"({label})"  # inside another link, or nowhere safe to point

        _converter_class = SafeConverter
    converter = _converter_class(heading_style="ATX", bullets="*", escape_misc=True, autolinks=False)
    converter.base_url = base_url
    return converter


def _convert(html: str, base_url: str | None) -> str:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    # A summary that is just a URL or starts with "<?xml" is fine here; bs4 would warn on stderr.
    warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
    warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
    # Escape sequences go before parsing: once Markdown escaping splits "\x1b[2J" its tail would stay.
    soup = BeautifulSoup(_sanitize_markup(clean_text(html)), "html.parser")
    return str(_converter(base_url).convert_soup(soup))


def _truncate(markdown: str, max_chars: int) -> str:
    """Cut to at most ``max_chars`` at a paragraph break (else a line break, else a space)."""
    if len(markdown) <= max_chars:
        return markdown
    head = markdown[:max_chars]
    for sep in ("\n\n", "\n", " "):
        cut = head.rfind(sep)
        if cut >= max_chars // 2:
            head = head[:cut]
            break
    if head.count("```") % 2:
        head += "\n```"
    return head.rstrip()


def _tidy(markdown: str) -> str:
    markdown = clean_text(markdown)
    # Whitespace-only lines become empty so blank runs collapse; "  " before a newline is a <br>.
    markdown = "\n".join(line if line.strip() else "" for line in markdown.split("\n"))
    return _BLANK_LINES.sub("\n\n", markdown).strip("\n")


def _escape_text(text: str) -> str:
    """Plain text that reads the same once rendered as Markdown."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~&$])", r"\\\1", text)


def summary_markdown(html: str, base_url: str | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Markdown for a feed summary: safe to render, at most about ``max_chars`` long.

    Headings are ATX (``## TL;DR``), bullets ``*``; TeX such as ``$x_1$`` is left as text. When
    anything was cut the result ends with a line like ``… (summary truncated: 5,000,000 characters;
    press `a` to open the page)``. Never raises: HTML no parser can take (say, nesting too deep for
    the converter) falls back to its plain text.
    """
    if not html:
        return ""
    max_chars = max(max_chars, 1)
    source = _cut_html(html, max(max_chars * _HTML_BUDGET_FACTOR, _HTML_BUDGET_MIN))
    try:
        markdown = _tidy(_convert(source, base_url))
    except Exception:  # RecursionError on absurd nesting, or a parser bug: show the text instead
        markdown = _tidy(_escape_text(html_to_text(source)))
    truncated = len(source) < len(html) or len(markdown) > max_chars
    if not truncated:
        return markdown
    notice = f"… (summary truncated: {len(html):,} characters; press `a` to open the page)"
    return f"{_truncate(markdown, max_chars)}\n\n{notice}".lstrip("\n")


# ---------------------------------------------------------------------------------------------
# Plain text

_SKIPPED_BLOCK = re.compile(r"<!--|<(script|style)\b", re.IGNORECASE)
_SKIPPED_END = {
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
}
# As in HTML, "<" starts a tag only before a letter, "/", "!" or "?", so "$p<0.05$" is text.
# "[^<>]" keeps this linear: a stray "<" cannot make the engine scan to the end once per "<".
_TAG = re.compile(r"</?([A-Za-z][\w:-]*+)[^<>]*>|<[!?/][^<>]*>")
_INLINE = frozenset(
    "a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span strike strong "
    "sub sup time tt u var wbr".split()
)


def _without_hidden(html: str) -> str:
    """``html`` minus comments and script/style bodies, in one left-to-right pass."""
    parts: list[str] = []
    pos = 0
    while (m := _SKIPPED_BLOCK.search(html, pos)) is not None:
        parts.append(html[pos : m.start()])
        if m.group(1) is None:
            end = html.find("-->", m.end())
            pos = len(html) if end < 0 else end + 3
        else:
            close = _SKIPPED_END[m.group(1).lower()].search(html, m.end())
            pos = len(html) if close is None else close.end()
        parts.append(" ")
    parts.append(html[pos:])
    return "".join(parts)


def html_to_text(html: str) -> str:
    """One line of plain text from feed HTML, fast (regex, no parser): for TL;DR previews and search.

    Tags go (block tags leave a space, inline ones nothing, so ``H<sub>2</sub>O`` stays ``H2O``),
    entities are decoded, whitespace is folded, control characters are dropped.
    """
    if not html:
        return ""
    import html as html_lib  # html.entities is a large table: loaded on first use, not at start-up

    text = _without_hidden(html)
    text = _TAG.sub(lambda m: "" if (m.group(1) or "").lower() in _INLINE else " ", text)
    return clean_line(html_lib.unescape(text))
