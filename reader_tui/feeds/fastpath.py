"""A fast reader for well-formed RSS 2.0, RSS 1.0 and Atom: the format modules get what feedparser gives.

feedparser spends ~0.6 ms an item on a digest feed, nearly all of it in Python callbacks for every run of
text expat reports (thousands per item: each ``&lt;`` is one), so a 10,000-item feed took ~6 s. Here
expat runs inside ``xml.etree.ElementTree``'s C tree builder, which joins the text in C; Python only sees
each element once. The output is a :class:`FastParsed` shaped like ``feedparser.parse()``'s result, with
the entry keys the format modules read (``title``/``title_detail``, ``link``/``links``, ``id``,
``summary``/``summary_detail``, ``content``, ``published_parsed``/``updated_parsed``, ``author``/
``authors``, ``tags``, and namespaced leftovers such as ``arxiv_announce_type`` or ``dc_identifier``),
computed the way feedparser 6 computes them, quirks included: which of two titles wins, when a title
"looks like HTML", the Latin-1/UTF-8 and cp1252 repairs, ``&amp;`` in links, guid-as-link.

It reproduces only what it knows exactly. Anything else makes :func:`parse` return None and the caller
uses feedparser, as before: a DOCTYPE or entity declaration (expat would expand entities; feedparser's
path defuses them), any XML error (feedparser's lenient parser then reads what it can), an encoding other
than UTF-8, ``xml:base``, an element feedparser has a special handler for that is not reproduced here
(``media:*``, ``itunes:*``, ``source``, Atom ``content``...), markup nested inside a text element, an
unparseable date. Elements feedparser has no handler for are reproduced generically, as it does:
``<prefix:name>`` text becomes ``prefix_name``, or its attributes when it has some. The test suite
checks that every fixture gives the same papers both ways and that the handler and namespace tables
below still match the installed feedparser.
"""

from __future__ import annotations

import html.entities
import re
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_CHUNK = 1 << 16

# --- tables copied from feedparser 6.0 (tests/test_feeds_fastpath.py checks them against it) -----------

# feedparser's names for namespaces it knows (keys lower-cased, as it matches them).
NAMESPACES: dict[str, str] = {
    "": "",
    "http://backend.userland.com/rss": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    "http://purl.org/rss/1.0/": "",
    "http://my.netscape.com/rdf/simple/0.9/": "",
    "http://example.com/newformat#": "",
    "http://example.com/necho": "",
    "http://purl.org/echo/": "",
    "uri/of/echo/namespace#": "",
    "http://purl.org/pie/": "",
    "http://purl.org/atom/ns#": "",
    "http://www.w3.org/2005/atom": "",
    "http://purl.org/rss/1.0/modules/rss091#": "",
    "http://webns.net/mvcb/": "admin",
    "http://purl.org/rss/1.0/modules/aggregation/": "ag",
    "http://purl.org/rss/1.0/modules/annotate/": "annotate",
    "http://media.tangent.org/rss/1.0/": "audio",
    "http://backend.userland.com/blogchannelmodule": "blogChannel",
    "http://creativecommons.org/ns#license": "cc",
    "http://web.resource.org/cc/": "cc",
    "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html": "creativeCommons",
    "http://backend.userland.com/creativecommonsrssmodule": "creativeCommons",
    "http://purl.org/rss/1.0/modules/company": "co",
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://my.theinfo.org/changed/1.0/rss/": "cp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://purl.org/rss/1.0/modules/email/": "email",
    "http://purl.org/rss/1.0/modules/event/": "ev",
    "http://rssnamespace.org/feedburner/ext/1.0": "feedburner",
    "http://freshmeat.net/rss/fm/": "fm",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "geo",
    "http://www.georss.org/georss": "georss",
    "http://www.opengis.net/gml": "gml",
    "http://postneo.com/icbm/": "icbm",
    "http://purl.org/rss/1.0/modules/image/": "image",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://example.com/dtds/podcast-1.0.dtd": "itunes",
    "http://purl.org/rss/1.0/modules/link/": "l",
    "http://search.yahoo.com/mrss": "media",
    "http://search.yahoo.com/mrss/": "media",
    "http://madskills.com/public/xml/rss/module/pingback/": "pingback",
    "http://prismstandard.org/namespaces/1.2/basic/": "prism",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://purl.org/rss/1.0/modules/reference/": "ref",
    "http://purl.org/rss/1.0/modules/richequiv/": "reqv",
    "http://purl.org/rss/1.0/modules/search/": "search",
    "http://purl.org/rss/1.0/modules/slash/": "slash",
    "http://schemas.xmlsoap.org/soap/envelope/": "soap",
    "http://purl.org/rss/1.0/modules/servicestatus/": "ss",
    "http://hacks.benhammersley.com/rss/streaming/": "str",
    "http://purl.org/rss/1.0/modules/subscription/": "sub",
    "http://purl.org/rss/1.0/modules/syndication/": "sy",
    "http://schemas.pocketsoap.com/rss/mydescmodule/": "szf",
    "http://purl.org/rss/1.0/modules/taxonomy/": "taxo",
    "http://purl.org/rss/1.0/modules/threading/": "thr",
    "http://purl.org/rss/1.0/modules/textinput/": "ti",
    "http://madskills.com/public/xml/rss/module/trackback/": "trackback",
    "http://wellformedweb.org/commentapi/": "wfw",
    "http://purl.org/rss/1.0/modules/wiki/": "wiki",
    "http://www.w3.org/1999/xhtml": "xhtml",
    "http://www.w3.org/1999/xlink": "xlink",
    "http://www.w3.org/xml/1998/namespace": "xml",
    "http://podlove.org/simple-chapters": "psc",
}

# Element names feedparser has a _start_/_end_ handler for. An element not listed is "generic".
HANDLED: frozenset[str] = frozenset(
    """abstract author body category cc_license channel cloud content content_encoded contributor copyright
    created creativeCommons_license creativecommons_license dc_author dc_contributor dc_creator dc_date
    dc_description dc_language dc_publisher dc_rights dc_subject dc_title dcterms_created dcterms_issued
    dcterms_modified dcterms_valid description email enclosure entry expirationdate feed
    feedburner_browserfriendly fullitem generator geom georss_box georss_line georss_point georss_polygon
    georss_where georssgeom gml_exterior gml_linearring gml_linestring gml_point gml_polygon gml_pos
    gml_poslist guid height homepage id image info issued item itunes_author itunes_block itunes_category
    itunes_email itunes_explicit itunes_image itunes_keywords itunes_link itunes_name itunes_owner
    itunes_subtitle itunes_summary keywords language lastbuilddate link managingeditor media_category
    media_content media_credit media_description media_group media_keywords media_license media_player
    media_rating media_restriction media_thumbnail media_title modified name newlocation psc_chapter
    psc_chapters pubdate published rights rss source subtitle summary tagline tags textInput textinput
    title updated uri url webmaster where width xhtml_body""".split()
)

# FeedParserDict stores these keys under another name.
KEYMAP: dict[str, str] = {
    "channel": "feed",
    "items": "entries",
    "guid": "id",
    "date": "updated",
    "date_parsed": "updated_parsed",
    "description": "summary",
    "description_detail": "summary_detail",
    "url": "href",
    "modified": "updated",
    "modified_parsed": "updated_parsed",
    "issued": "published",
    "issued_parsed": "published_parsed",
    "copyright": "rights",
    "copyright_detail": "rights_detail",
    "tagline": "subtitle",
    "tagline_detail": "subtitle_detail",
}

# _HTMLSanitizer.acceptable_elements: the tags a "plain text" RSS title may use and still count as HTML.
HTML_ELEMENTS: frozenset[str] = frozenset(
    """a abbr acronym address area article aside audio b big blockquote br button canvas caption center
    cite code col colgroup command datagrid datalist dd del details dfn dialog dir div dl dt em
    event-source fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header hr i img input ins
    kbd keygen label legend li m map menu meter multicol nav nextid noscript ol optgroup option output p
    pre progress q s samp section select small sound source spacer span strike strong sub sup table tbody
    td textarea tfoot th thead time tr tt u ul var video""".split()
)

# feedparser maps C1 control characters to what cp1252 has in those places.
CP1252: dict[int, str] = {
    128: "\u20ac", 130: "\u201a", 131: "\u0192", 132: "\u201e", 133: "\u2026", 134: "\u2020",
    135: "\u2021", 136: "\u02c6", 137: "\u2030", 138: "\u0160", 139: "\u2039", 140: "\u0152",
    142: "\u017d", 145: "\u2018", 146: "\u2019", 147: "\u201c", 148: "\u201d", 149: "\u2022",
    150: "\u2013", 151: "\u2014", 152: "\u02dc", 153: "\u2122", 154: "\u0161", 155: "\u203a",
    156: "\u0153", 158: "\u017e", 159: "\u0178",
}  # fmt: skip

_RELATIVE_URI_ELEMENTS = frozenset(
    {"comments", "docs", "href", "icon", "id", "link", "logo", "url", "wfw_comment", "wfw_commentrss"}
)
# feedparser's e-mail pattern after the "@". Its local part, ``[a-zA-Z0-9_\-.+]+@``, is found by
# :func:`find_email` without a regex: searched as feedparser does, it is quadratic in a run of those
# characters (35 s for a 100,000-character author).
_EMAIL_DOMAIN = re.compile(
    r"""((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?)"""
    r"""(\?subject=\S+)?"""
)
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+")
FIELD_MAX = 100_000
"""Characters of one text element read (titles, authors, dates, ids); bodies get :data:`BODY_MAX`."""
BODY_MAX = 1_000_000
_BODIES = frozenset({"description", "summary", "content_encoded", "content", "dc_description"})
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_CLOSE_TAG = re.compile(r"</(\w+)>")
_ENTITY_REF = re.compile(r"&#?\w+;")
_ANY_TAG = re.compile(r"</?(\w+)")
_NAMED_REF = re.compile(r"&(\w+);")
_C1 = re.compile("[\x80-\x9f]")

_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_USERLAND = "backend.userland.com/rss"


def find_email(text: str) -> str | None:
    """What ``re.search`` of feedparser's e-mail pattern finds in ``text``, in linear time.

    The leftmost match starts where the run of local-part characters before the first workable "@"
    starts; each "@" is looked at once, and each character scanned left of one at most once (the
    scan stops at the previous "@", which is not a local-part character).
    """
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        if start < at and (domain := _EMAIL_DOMAIN.match(text, at + 1)):
            return text[start : domain.end()]
        at = text.find("@", at + 1)
    return None


class FastParsed(dict[str, Any]):
    """The result of :func:`parse`: ``version``, ``feed``, ``entries`` and ``bozo``, like feedparser's."""

    @property
    def feed(self) -> dict[str, Any]:
        feed: dict[str, Any] = self["feed"]
        return feed

    @property
    def entries(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self["entries"]
        return entries


class Unsupported(Exception):
    """Something this reader does not reproduce exactly; the document goes to feedparser instead."""


def eligible(content: bytes) -> bool:
    """Whether the document may take the fast path: no DOCTYPE or entity declaration, UTF-8 (or undeclared).

    Markup declarations are looked for anywhere, not just before the first tag (which a comment could
    fake): outside the prolog they can only sit in comments or CDATA, and then falling back costs only
    time. With no DTD, expat has no entities to expand.
    """
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return False
    if content[:2] in (b"\xff\xfe", b"\xfe\xff") or content[:1] == b"\x00":
        return False  # UTF-16/32
    declared = _XML_ENCODING.match(content, 0, 1024)
    return declared is None or declared.group(1).lower() == b"utf-8"


def parse(content: bytes) -> FastParsed | None:
    """The feed read with the fast reader, or None when feedparser must read it."""
    if not eligible(content):
        return None
    from xml.etree.ElementTree import XMLPullParser

    reader = _Reader()
    parser: XMLPullParser[Any] = XMLPullParser(events=("start-ns", "start", "end"))
    try:
        for offset in range(0, len(content), _CHUNK):
            parser.feed(content[offset : offset + _CHUNK])
            reader.handle(parser.read_events())
        parser.close()
        reader.handle(parser.read_events())
    except Exception:
        # An XML error, something this reader does not follow (Unsupported) or a shape it mishandles:
        # each costs only speed, since feedparser then reads the feed.
        return None
    return reader.result()


# --- text as feedparser delivers it ------------------------------------------------------------------


def repair(text: str) -> str:
    """feedparser's last step on every text value: undo UTF-8 read as Latin-1, map C1 controls via cp1252."""
    if text.isascii():
        return text
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if _C1.search(text):
        text = text.translate(CP1252)
    return text


def fix_uri(uri: str) -> str:
    """feedparser's ``_urljoin`` with no base URI: only drops extra slashes after ``scheme://``."""
    match = _URI_FIXER.match(uri)
    return uri[: match.end(1)] + uri[match.end(2) :] if match and match.end(2) > match.end(1) else uri


def looks_like_html(text: str) -> bool:
    """feedparser's guess whether a nominally plain RSS text (a title) is really HTML."""
    if not (_CLOSE_TAG.search(text) or _ENTITY_REF.search(text)):
        return False
    if any(tag.lower() not in HTML_ELEMENTS for tag in _ANY_TAG.findall(text)):
        return False
    return all(name in html.entities.entitydefs for name in _NAMED_REF.findall(text))


def map_content_type(content_type: str) -> str:
    content_type = content_type.lower()
    return {
        "text": "text/plain",
        "plain": "text/plain",
        "html": "text/html",
        "xhtml": "application/xhtml+xml",
    }.get(content_type, content_type)


# --- dates as feedparser parses them ------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{4}) (\d\d):(\d\d):(\d\d) ([+-]\d{4}|GMT|UTC?|Z)"
)
_W3CDTF = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)")


def parse_date(value: str) -> time.struct_time | None:
    """feedparser's ``_parse_date``: computed here for the two common strict forms, else by feedparser."""
    try:
        match = _RFC822.fullmatch(value)
        if match:
            day, month, year, hh, mm, ss, zone = match.groups()
            stamp = datetime(int(year), _MONTHS[month.lower()], int(day), int(hh), int(mm), int(ss))
            return (stamp - _offset(zone, zone[3:])).utctimetuple()
        match = _W3CDTF.fullmatch(value)
        if match:
            year, month, day, hh, mm, ss, zone = match.groups()
            stamp = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss))
            return (stamp - _offset(zone, zone[4:])).utctimetuple()
    except (ValueError, OverflowError):
        pass  # out of range: feedparser's other date handlers get their turn
    from feedparser.datetimes import _parse_date

    parsed: time.struct_time | None = _parse_date(value)
    return parsed


def _offset(zone: str, minutes: str) -> timedelta:
    if zone[0] not in "+-":
        return timedelta(0)
    hours, mins = int(zone[1:3]), int(minutes)
    return -timedelta(hours=hours, minutes=mins) if zone[0] == "-" else timedelta(hours=hours, minutes=mins)


# --- the reader ------------------------------------------------------------------------------------------

# What an element is to the reader (one frame per open element).
_ROOT, _CHANNEL, _ENTRY, _LEAF, _AUTHOR, _IMAGE, _TEXTINPUT, _GENERIC, _INERT = range(9)

_TITLE = frozenset({"title", "dc_title"})
_PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms_issued"})
_UPDATED = frozenset({"lastbuilddate", "updated", "modified", "dc_date", "dcterms_modified"})
_GUID = frozenset({"guid", "id"})
_CATEGORY = frozenset({"category", "dc_subject", "keywords"})
_AUTHOR_TEXT = frozenset({"author", "dc_creator", "dc_author"})
_DESCRIPTION = frozenset({"description", "dc_description"})
# Handled elements whose effects touch only keys no format module reads: skipped (they must be leaves).
_INERT_IN_ENTRY = frozenset({"rights", "dc_rights", "copyright", "language", "dc_language"})
_INERT_IN_FEED = _INERT_IN_ENTRY | frozenset(
    {
        "dc_publisher",
        "author",
        "description",
        "dc_description",
        "subtitle",
        "tagline",
        "generator",
        "managingeditor",
        "webmaster",
        "dc_creator",
        "dc_author",
        "category",
        "dc_subject",
        "cloud",
        "info",
        "created",
        "dcterms_created",
        "expirationdate",
        "newlocation",
    }
)
_IMAGE_CHILDREN = frozenset({"title", "link", "description", "url", "width", "height"})
_TEXTINPUT_CHILDREN = frozenset({"title", "link", "description", "name"})
# Keys the reader sets itself or the formats read as feedparser's own: a generic element must not collide.
_ENTRY_RESERVED = frozenset(
    """title title_detail link links id guidislink summary summary_detail content published
    published_parsed updated updated_parsed tags author authors author_detail href email category
    enclosures license dc_title""".split()
)
_FEED_RESERVED = frozenset(
    "title title_detail link links id guidislink published published_parsed updated updated_parsed".split()
)


class _Reader:
    """feedparser's state machine, cut down to the elements listed above."""

    def __init__(self) -> None:
        self.version = ""
        self.feed: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.namespacemap: dict[str | None, str] = {}
        self.in_use: dict[str, str] = {}
        self.keys: dict[str, str] = {}  # tag -> feedparser element name, reset when a prefix is declared
        self.stack: list[tuple[int, str, Element, dict[str, str]]] = []
        self.title_depth = -1
        self.entry: dict[str, Any] | None = None
        self.depths: dict[str, int] = {}
        self.guidislink = False
        self.has_content = False
        self.root = ""

    def result(self) -> FastParsed | None:
        if not self.root:
            return None
        return FastParsed(version=self.version, feed=self.feed, entries=self.entries, bozo=False)

    # -- events

    def handle(self, events: Iterable[Any]) -> None:
        for event, payload in events:
            if event == "start":
                self.start(payload)
            elif event == "end":
                self.end(payload)
            else:
                self.declare(*payload)

    def declare(self, prefix: str, uri: str) -> None:
        """feedparser's ``track_namespace``: also how a namespace can set the version."""
        if not uri:
            return
        lower = uri.lower()
        if not self.version:
            if not prefix and lower == "http://my.netscape.com/rdf/simple/0.9/":
                self.version = "rss090"
            elif lower == "http://purl.org/rss/1.0/":
                self.version = "rss10"
            elif lower == "http://www.w3.org/2005/atom":
                self.version = "atom10"
        if _USERLAND in lower:
            uri = lower = "http://backend.userland.com/rss"
        known = NAMESPACES.get(lower)
        if known is not None:
            self.namespacemap[prefix or None] = known
            self.in_use[known] = uri
        else:
            self.in_use[prefix or ""] = uri
        self.keys.clear()

    def key_of(self, tag: str) -> str:
        """The element name feedparser dispatches on: ``dc_creator``, ``arxiv_announce_type``, ``title``."""
        key = self.keys.get(tag)
        if key is not None:
            return key
        if tag[0] == "{":
            uri, local = tag[1:].split("}", 1)
        else:
            uri, local = "", tag
        lower = uri.lower()
        if _USERLAND in lower:
            uri = lower = "http://backend.userland.com/rss"
        prefix = NAMESPACES.get(lower)
        name = local
        if prefix:
            name = prefix.lower() + ":" + local
        elif uri:
            for declared, value in self.in_use.items():
                if declared and value == uri:
                    name = declared + ":" + local
                    break
        name = name.lower()
        if ":" in name:
            prefix, suffix = name.split(":", 1)
            prefix = self.namespacemap.get(prefix, prefix)
            key = f"{prefix}_{suffix}" if prefix else suffix
        else:
            key = name
        self.keys[tag] = key
        return key

    @staticmethod
    def attributes(attrib: dict[str, str]) -> dict[str, str]:
        """Attributes as feedparser's strict parser passes them: lower-case names, ``rel``/``type`` values."""
        out: dict[str, str] = {}
        if not attrib:
            return out
        pairs: list[tuple[str, str]] = []
        for name, value in attrib.items():
            if name[0] == "{":
                uri, local = name[1:].split("}", 1)
                prefix = NAMESPACES.get(uri.lower(), "")
                pairs.append(((prefix + ":" + local) if prefix else local, value))
            else:
                pairs.append((name, value))
        for name in attrib:
            pairs.append((name.split("}", 1)[1] if name[0] == "{" else name, attrib[name]))
        for name, value in pairs:
            name = name.lower()
            out[name] = value.lower() if name in ("rel", "type") else value
        if "xml:base" in out or "base" in out:
            raise Unsupported("xml:base")
        return out

    def start(self, elem: Element) -> None:
        key = self.key_of(elem.tag)
        attrs = self.attributes(elem.attrib)
        depth = len(self.stack) + 1
        if not self.stack:
            self.start_root(elem, key, attrs)
            return
        parent = self.stack[-1][0]
        if parent == _CHANNEL or (parent == _ROOT and self.root == "atom"):
            kind = self.start_in_feed(key, attrs)
        elif parent == _ROOT:
            kind = self.start_in_root(key, attrs)
        elif parent == _ENTRY:
            kind = self.start_in_entry(key, attrs, depth)
        elif parent == _AUTHOR:
            if key not in ("name", "email") and (
                key in HANDLED or key in KEYMAP or self.reserved(key, _ENTRY_RESERVED)
            ):
                raise Unsupported(f"<{key}> in an author")
            kind = _LEAF
        elif parent == _IMAGE:
            if key not in _IMAGE_CHILDREN:
                raise Unsupported(f"<{key}> in an image")
            kind = _INERT
        elif parent == _TEXTINPUT:
            if key not in _TEXTINPUT_CHILDREN:
                raise Unsupported(f"<{key}> in a text input")
            kind = _INERT
        elif parent == _GENERIC:
            self.generic_only(key, _FEED_RESERVED)
            kind = _GENERIC
        else:  # markup inside a text element: feedparser would keep it as (X)HTML
            raise Unsupported(f"<{key}> inside a text element")
        self.stack.append((kind, key, elem, attrs))

    def start_root(self, elem: Element, key: str, attrs: dict[str, str]) -> None:
        if key == "rss" and elem.tag == "rss":
            if not self.version.startswith("rss"):
                version = attrs.get("version", "")
                mapped = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}.get(
                    version
                )
                self.version = mapped or ("rss20" if version.startswith("2.") else "rss")
            self.root = "rss"
        elif elem.tag == f"{{{_RDF}}}RDF" and self.version == "rss10":
            self.root = "rdf"
        elif key == "feed" and elem.tag == "{http://www.w3.org/2005/Atom}feed" and self.version == "atom10":
            self.root = "atom"
        else:
            raise Unsupported(f"root <{key}>")
        self.stack.append((_ROOT, key, elem, attrs))

    def start_in_root(self, key: str, attrs: dict[str, str]) -> int:
        """A child of ``<rss>`` or ``<rdf:RDF>``."""
        if key == "channel":
            self.check_cdf(attrs)
            return _CHANNEL
        if key == "item" and self.root == "rdf":
            self.start_entry(attrs)
            return _ENTRY
        return self.start_container(key, attrs) or self.generic_only(key, _FEED_RESERVED)

    def start_container(self, key: str, attrs: dict[str, str]) -> int:
        if key == "image":
            self.title_depth = -1
            return _IMAGE
        if key == "textinput":
            self.title_depth = -1
            return _TEXTINPUT
        return 0

    def start_in_feed(self, key: str, attrs: dict[str, str]) -> int:
        """A child of the RSS ``<channel>`` or the Atom ``<feed>``."""
        if key == "item" or key == "entry":
            if self.root == "rdf":
                raise Unsupported("an item inside an RSS 1.0 channel")
            self.start_entry(attrs)
            return _ENTRY
        if key in _TITLE or key in _PUBLISHED or key in _UPDATED or key in _GUID or key == "link":
            return _LEAF
        if key == "author" and self.root == "atom":
            self.feed.setdefault("authors", []).append({})
            return _AUTHOR
        if key in _INERT_IN_FEED:
            return _INERT
        return self.start_container(key, attrs) or self.generic_only(key, _FEED_RESERVED)

    def start_in_entry(self, key: str, attrs: dict[str, str], depth: int) -> int:
        entry = self.entry
        assert entry is not None
        if key == "author" and self.root == "atom":
            entry.setdefault("authors", []).append({})
            return _AUTHOR
        if key in _INERT_IN_ENTRY:
            return _INERT
        if key in HANDLED:
            if key in _ENTRY_LEAVES:
                return _LEAF
            raise Unsupported(f"<{key}> in an item")
        if key in KEYMAP or self.reserved(key, _ENTRY_RESERVED):
            raise Unsupported(f"<{key}> in an item")
        return _LEAF

    def generic_only(self, key: str, reserved: frozenset[str]) -> int:
        if key in HANDLED or self.reserved(key, reserved):
            raise Unsupported(f"<{key}> where the fast reader does not follow feedparser")
        return _GENERIC

    @staticmethod
    def reserved(key: str, reserved: frozenset[str]) -> bool:
        """Whether a generic element would land on a key that feedparser's own handlers (and ours) set."""
        return key in reserved or KEYMAP.get(key, key) in reserved

    @staticmethod
    def check_cdf(attrs: dict[str, str]) -> None:
        if "lastmod" in attrs or "href" in attrs:
            raise Unsupported("CDF attributes")

    def start_entry(self, attrs: dict[str, str]) -> None:
        self.check_cdf(attrs)
        entry: dict[str, Any] = {}
        about = attrs.get(self.standard_prefix("rdf:about"))
        if about:
            entry["id"] = about
        self.entries.append(entry)
        self.entry = entry
        self.depths = {}
        self.guidislink = False
        self.title_depth = -1

    def standard_prefix(self, name: str) -> str:
        prefix, _, suffix = name.partition(":")
        return f"{self.namespacemap.get(prefix, prefix)}:{suffix}"

    def end(self, elem: Element) -> None:
        kind, key, _elem, attrs = self.stack.pop()
        depth = len(self.stack) + 1
        if kind == _LEAF:
            parent = self.stack[-1][0]
            text = elem.text or ""
            if len(text) > FIELD_MAX:
                text = text[: BODY_MAX if key in _BODIES else FIELD_MAX]
            if parent == _ENTRY:
                self.entry_leaf(key, text, attrs, depth)
            elif parent == _AUTHOR:
                grand = self.stack[-2][0]
                self.author_child(self.entry if grand == _ENTRY else self.feed, key, text, attrs, depth)
            else:
                self.feed_leaf(key, text, attrs, depth)
        elif kind == _INERT:
            if key in _TITLE and elem.text and elem.text.strip():
                self.title_depth = depth
        elif kind == _ENTRY:
            self.entry = None
            self.has_content = False
        elif kind == _AUTHOR:
            context = self.entry if self.stack[-1][0] == _ENTRY else self.feed
            assert context is not None
            own_text = "".join([elem.text or "", *(child.tail or "" for child in elem)])[:FIELD_MAX]
            if context is self.entry:
                self.store_entry("author", repair(own_text.strip()), depth)
            else:
                context["author"] = repair(own_text.strip())
            self.sync_author(context)
        if self.stack and self.stack[-1][0] in (_ROOT, _CHANNEL):
            self.stack[-1][2].remove(elem)  # keep memory flat: nothing below needs the element again

    # -- entry elements

    def store_entry(self, key: str, value: Any, depth: int) -> None:
        """feedparser keeps the shallowest occurrence of a key (later ones at the same depth win)."""
        entry = self.entry
        assert entry is not None
        old = self.depths.get(key)
        if old is None or depth <= old:
            self.depths[key] = depth
            entry[key] = value

    def entry_leaf(self, key: str, text: str, attrs: dict[str, str], depth: int) -> None:
        entry = self.entry
        assert entry is not None
        handler = _ENTRY_LEAVES.get(key)
        if handler is not None:
            handler(self, entry, key, text, attrs, depth)
            return
        # generic: text (or attributes, when it has some) under the element's own name
        if attrs:
            entry[key] = attrs
            return
        value = text.strip()
        if key in _RELATIVE_URI_ELEMENTS and value:
            value = fix_uri(value)
        self.store_entry(key, repair(value), depth)

    def content_type(self, attrs: dict[str, str], default: str, *, typed: bool = True) -> str:
        """The content type feedparser gives a text element; only plain text and HTML are followed here.

        feedparser reads ``type`` and ``mode`` (base64) of a text element and ignores the rest
        (``rdf:parseType``...).
        """
        if "mode" in attrs or (not typed and "type" in attrs):
            raise Unsupported("a text element with a mode or type of its own")
        ctype = map_content_type(attrs.get("type", default))
        if ctype not in ("text/plain", "text/html"):
            raise Unsupported(f"content of type {ctype}")
        return ctype

    def title(self, context: dict[str, Any], text: str, attrs: dict[str, str], depth: int) -> None:
        ctype = self.content_type(attrs, "text/plain")
        raw = text.strip()
        if ctype == "text/plain" and not self.version.startswith("atom") and looks_like_html(raw):
            ctype = "text/html"
        value = repair(raw)
        if not (-1 < self.title_depth <= depth):
            if context is self.entry:
                self.store_entry("title", value, depth)
            else:
                context["title"] = value
            context["title_detail"] = {"type": ctype, "value": value}
        if value:
            self.title_depth = depth

    def _entry_title(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        self.title(entry, text, attrs, depth)

    def _entry_link(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        if self.link_attributes(entry, attrs):
            return
        value = repair(fix_uri(text.strip()) if text.strip() else "")
        if "&" in value:
            value = _LINK_ENTITY.sub(r"&\g<1>", value.replace("&amp;", "&"))
        entry["link"] = value
        if value:
            entry["links"][-1]["href"] = value

    def link_attributes(self, context: dict[str, Any], attrs: dict[str, str]) -> bool:
        """feedparser's ``_start_link``; True when the link was an attribute one (no text to read)."""
        attrs = dict(attrs)
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self" else "text/html")
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))
        if href:
            attrs.pop("url", None)
            attrs.pop("uri", None)
            attrs["href"] = href
        if "href" in attrs:
            attrs["href"] = fix_uri(attrs["href"])
        context.setdefault("links", []).append(attrs)
        if "href" not in attrs:
            return False
        if attrs.get("rel") == "alternate" and map_content_type(attrs.get("type", "")) in (
            "text/html",
            "application/xhtml+xml",
        ):
            context["link"] = attrs["href"]
        return True

    def _entry_guid(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        self.guid(entry, text, attrs, depth)

    def guid(self, context: dict[str, Any], text: str, attrs: dict[str, str], depth: int) -> None:
        self.guidislink = attrs.get("ispermalink", "true") == "true"
        value = text.strip()
        if value and self.guidislink:
            value = fix_uri(value)
        value = repair(value)
        if context is self.entry:
            self.store_entry("id", value, depth)
        else:
            context["id"] = value
        context.setdefault("guidislink", self.guidislink and "link" not in context)
        if self.guidislink:
            context.setdefault("link", value)

    def _entry_description(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        if "summary" in entry and not self.has_content:
            raise Unsupported("a second description")  # feedparser would read it as content
        ctype = self.content_type(attrs, "text/html", typed=False)
        value = repair(text.strip())
        self.store_entry("summary", value, depth)
        entry["summary_detail"] = {"type": ctype, "value": value}

    def _entry_summary(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        if "summary" in entry and not self.has_content:
            raise Unsupported("a second summary")
        ctype = self.content_type(attrs, "text/plain")
        raw = text.strip()
        if ctype == "text/plain" and not self.version.startswith("atom") and looks_like_html(raw):
            ctype = "text/html"
        value = repair(raw)
        self.store_entry("summary", value, depth)
        entry["summary_detail"] = {"type": ctype, "value": value}

    def _entry_content(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        self.has_content = True
        ctype = self.content_type(attrs, "text/html", typed=False)
        value = repair(text.strip())
        entry.setdefault("content", []).append({"type": ctype, "value": value})
        entry.setdefault("summary", value)

    def _entry_published(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        value = repair(text.strip())
        self.store_entry("published", value, depth)
        entry["published_parsed"] = parse_date(value) if value else None

    def _entry_updated(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        value = repair(text.strip())
        self.store_entry("updated", value, depth)
        entry["updated_parsed"] = parse_date(value) if value else None

    def _entry_category(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        add_tag(entry, attrs.get("term"), attrs.get("scheme", attrs.get("domain")), attrs.get("label"))
        value = repair(text.strip())
        if not value:
            return
        tags = entry["tags"]
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            add_tag(entry, value, None, None)

    def _entry_author(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        entry.setdefault("authors", []).append({})
        self.store_entry("author", repair(text.strip()), depth)
        self.sync_author(entry)

    def _entry_publisher(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        value = repair(text.strip())
        entry["publisher"] = value
        entry["publisher_detail"] = {"name": value} if value else {}

    def _entry_enclosure(
        self, entry: dict[str, Any], key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        attrs = dict(attrs)
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))
        if href:
            attrs.pop("url", None)
            attrs.pop("uri", None)
            attrs["href"] = href
        attrs["rel"] = "enclosure"
        entry.setdefault("links", []).append(attrs)

    # -- authors (feedparser's _save_author and _sync_author_detail, verbatim in effect)

    def author_child(
        self, context: dict[str, Any] | None, key: str, text: str, attrs: dict[str, str], depth: int
    ) -> None:
        assert context is not None
        if key in ("name", "email"):
            value = text.strip()  # feedparser reads these without its text repairs
            context.setdefault("author_detail", {})[key] = value
            self.sync_author(context)
            context.setdefault("authors", [{}])[-1][key] = value
        elif context is self.entry:  # a generic child (arxiv:affiliation) lands on the entry itself
            if attrs:
                context[key] = attrs
            else:
                self.store_entry(key, repair(text.strip()), depth)

    @staticmethod
    def sync_author(context: dict[str, Any]) -> None:
        detail = context.get("authors", [{}])[-1]
        if detail:
            name, email = detail.get("name"), detail.get("email")
            if name and email:
                context["author"] = f"{name} ({email})"
            elif name:
                context["author"] = name
            elif email:
                context["author"] = email
            return
        author, email = context.get("author"), None
        if not author:
            return
        email = find_email(author)
        if email:
            author = author.replace(email, "").replace("()", "").replace("<>", "").replace("&lt;&gt;", "")
            author = author.strip()
            if author and author[0] == "(":
                author = author[1:]
            if author and author[-1] == ")":
                author = author[:-1]
            author = author.strip()
        if author or email:
            context.setdefault("author_detail", detail)
        if author:
            detail["name"] = author
        if email:
            detail["email"] = email

    # -- feed-level elements

    def feed_leaf(self, key: str, text: str, attrs: dict[str, str], depth: int) -> None:
        feed = self.feed
        if key in _TITLE:
            self.title(feed, text, attrs, depth)
        elif key == "link":
            if not self.link_attributes(feed, attrs):
                value = repair(fix_uri(text.strip()) if text.strip() else "")
                feed["link"] = value = _LINK_ENTITY.sub(r"&\g<1>", value)
                feed["links"][-1]["href"] = value
        elif key in _GUID:
            self.guid(feed, text, attrs, depth)
        elif key in _PUBLISHED:
            feed["published"] = value = repair(text.strip())
            feed["published_parsed"] = parse_date(value) if value else None
        elif key in _UPDATED:
            feed["updated"] = value = repair(text.strip())
            feed["updated_parsed"] = parse_date(value) if value else None


def add_tag(context: dict[str, Any], term: str | None, scheme: str | None, label: str | None) -> None:
    tags: list[dict[str, Any]] = context.setdefault("tags", [])
    if not term and not scheme and not label:
        return
    value = {"term": term, "scheme": scheme, "label": label}
    if value not in tags:
        tags.append(value)


_EntryHandler = Any
_ENTRY_LEAVES: dict[str, _EntryHandler] = {
    **dict.fromkeys(_TITLE, _Reader._entry_title),
    "link": _Reader._entry_link,
    **dict.fromkeys(_GUID, _Reader._entry_guid),
    **dict.fromkeys(_DESCRIPTION, _Reader._entry_description),
    "summary": _Reader._entry_summary,
    "content_encoded": _Reader._entry_content,
    **dict.fromkeys(_PUBLISHED, _Reader._entry_published),
    **dict.fromkeys(_UPDATED, _Reader._entry_updated),
    **dict.fromkeys(_CATEGORY, _Reader._entry_category),
    **dict.fromkeys(_AUTHOR_TEXT, _Reader._entry_author),
    "enclosure": _Reader._entry_enclosure,
    "dc_publisher": _Reader._entry_publisher,
}
