"""Citations for papers: BibTeX exactly as arXiv's "Export BibTeX citation" writes it, plus RIS,
Markdown, APA-like plain text and JSON.

Researchers paste these straight into a ``.bib`` file next to entries they copied from arXiv, so
the BibTeX for an arXiv paper follows arXiv's own generator (arxiv-browse,
``browse/formatting/cite.py``) to the byte: same six-space layout, same trailing spaces after
``title`` and ``url``, same citation key (first author's surname + year + the first four title words
that are not stopwords, all letters and digits kept, accented ones included), same
``doi={https://doi.org/…}`` form for a journal DOI. Where arXiv has data we lack (no primary
category, no date) the line is left out rather than guessed.

Everything else is ours and is built for safety first: feed text is untrusted, so every value is
stripped of control characters, ``&``/``%``/``#`` are escaped and unbalanced braces are removed so the
``.bib`` always parses, both by BibTeX (which counts every brace) and by bibtexparser (which skips
a brace after a backslash).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from .cite_names import Name, names_of
from .model import Paper, PaperState
from .safety import UnsafeURLError, check_url, clean_data, clean_line
from .tex import bib_url as _bib_url
from .tex import bib_value as _bib_value

FORMATS: tuple[str, ...] = ("bibtex", "ris", "markdown", "plain", "json")


class CiteError(ValueError):
    """An export format this module does not know; ``str(error)`` names the ones it does."""


# --------------------------------------------------------------------------------------------
# Citation keys (arXiv's rules)

# The stop-word list arXiv's key generator uses (the Glasgow IR group's English list, typos such
# as "fify" and "thickv" included): a title word in it is skipped when picking the four key words.
_STOPWORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond bill both bottom but by call can
    cannot cant co con could couldnt cry de describe detail do done down due during each eg eight
    either eleven else elsewhere empty enough etc even ever every everyone everything everywhere
    except few fifteen fify fill find fire first five for former formerly forty found four from
    front full further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred ie if in inc indeed interest into is
    it its itself keep last latter latterly least less ltd made many may me meanwhile might mill
    mine more moreover most mostly move much must my myself name namely neither never nevertheless
    next nine no nobody none noone nor not nothing now nowhere of off often on once one only onto
    or other others otherwise our ours ourselves out over own part per perhaps please put rather re
    same see seem seemed seeming seems serious several she should show side since sincere six sixty
    so some somehow someone something sometime sometimes somewhere still such system take ten than
    that the their them themselves then thence there thereafter thereby therefore therein
    thereupon these they thickv thin third this those though three through throughout thru thus to
    together too top toward towards twelve twenty two un under until up upon us very via was we
    well were what whatever when whence whenever where whereafter whereas whereby wherein
    whereupon wherever whether which while whither who whoever whole whom whose why will with
    within without would yet you your yours yourself yourselves
    """.split()
)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _year(paper: Paper) -> str | None:
    return str(paper.published.year) if isinstance(paper.published, datetime) else None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _month(paper: Paper) -> str | None:
    """BibTeX's month macro (``jul``), which every style prints in its own language."""
    return _MONTHS[paper.published.month - 1] if isinstance(paper.published, datetime) else None


def _journal(paper: Paper) -> str | None:
    """The journal a non-arXiv paper appeared in: the feed's, else bioRxiv/medRxiv by link or DOI."""
    if _arxiv_id(paper):
        return None
    return clean_line(paper.venue.journal) or _preprint_server(paper)


def _pages(paper: Paper) -> tuple[str, str] | None:
    """``("651", "665")`` from ``651-665``/``651–665``; ``("102531", "")`` for an article number."""
    pages = clean_line(paper.venue.pages)
    if not pages:
        return None
    first, _, last = pages.replace("–", "-").replace("--", "-").partition("-")
    return first.strip(), last.strip()


def bibtex_key(paper: Paper) -> str:
    """arXiv's citation key: surname + year + first four non-stopword title words, alphanumerics only.

    ``Attention Is All You Need`` by Vaswani (2023) -> ``vaswani2023attentionneed``. Like arXiv, a
    title "word" is whatever lies between spaces, so ``--`` or ``:`` counts as one of the four and
    adds nothing; accented letters are kept (``rodríguezgálvez…``); a missing author or date becomes
    ``unknown``.
    """
    names = names_of(paper)
    surname = names[0].surname if names else "unknown"
    words = [w for w in clean_line(paper.title).split(" ") if w.lower() not in _STOPWORDS][:4]
    key = _alnum(_alnum(f"{surname}{_year(paper) or 'unknown'}{''.join(words)}").lower())
    return key or "unknown"


# --------------------------------------------------------------------------------------------
# Identifiers and links

_ARXIV_ID_CHARS = re.compile(r"[^A-Za-z0-9./\-]")
_VERSION = re.compile(r"v\d+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def _arxiv_id(paper: Paper) -> str | None:
    """The arXiv id without version, or None if the paper has none (or only junk)."""
    raw = _ARXIV_ID_CHARS.sub("", clean_line(paper.arxiv_id))
    raw = _VERSION.sub("", raw).strip("./-")
    return raw or None


def _doi(paper: Paper) -> str | None:
    """The bare DOI (``10.…``) the feed gave, or None."""
    doi = _DOI_PREFIX.sub("", clean_line(paper.links.doi)).strip()
    doi = re.sub(r"[\s{}\\\"<>]", "", doi)
    return doi if doi.startswith("10.") and "/" in doi else None


def _journal_doi(paper: Paper) -> str | None:
    """A DOI other than arXiv's own DataCite one (10.48550/arXiv.…), which arXiv leaves out."""
    doi = _doi(paper)
    return None if doi is None or doi.lower().startswith("10.48550/") else doi


def _preprint_server(paper: Paper) -> str | None:
    """ "bioRxiv"/"medRxiv" when the paper comes from one (by link or by its 10.1101 DOI)."""
    links = " ".join(filter(None, (paper.links.abs, paper.links.post, paper.links.pdf))).lower()
    if "medrxiv.org" in links:
        return "medRxiv"
    if "biorxiv.org" in links or (_doi(paper) or "").startswith("10.1101/"):
        return "bioRxiv"
    return None


def _abs_url(paper: Paper) -> str | None:
    """Where the citation points: the arXiv abstract page, else the DOI (stable), else the link."""
    arxiv_id = _arxiv_id(paper)
    if arxiv_id:
        return f"https://arxiv.org/abs/{arxiv_id}"
    doi = _doi(paper)
    if doi:
        return f"https://doi.org/{doi}"
    for candidate in (paper.first_link, paper.links.pdf):
        try:
            return check_url(clean_line(candidate) or None)
        except UnsafeURLError:
            continue
    return None


# --------------------------------------------------------------------------------------------
# BibTeX


def _bib_author(name: Name) -> str:
    value = _bib_value(name.full)
    # "Last, Jr, First" is the most BibTeX accepts; anything with more commas is kept as one name.
    return f"{{{value}}}" if value.count(",") > 2 else value


def bibtex(paper: Paper, key: str | None = None, state: PaperState | None = None) -> str:
    """One entry in arXiv's exact layout (no trailing newline), keyed ``key`` or :func:`bibtex_key`.

    arXiv papers are ``@misc`` with eprint/archivePrefix/primaryClass; journal papers (and
    bioRxiv/medRxiv ones) are ``@article`` with ``journal``, ``volume``, ``number``, ``pages`` and
    ``month`` where known; anything else is ``@misc`` with its DOI and link. A non-arXiv DOI is
    written bare, as BibTeX styles expect; for arXiv papers it keeps arXiv's URL form.
    """
    key = _alnum(key) if key is not None else bibtex_key(paper)
    authors = " and ".join(_bib_author(n) for n in names_of(paper))
    year = _year(paper)
    arxiv_id = _arxiv_id(paper)
    journal = _journal(paper)
    lines = [
        f"@{'article' if journal else 'misc'}{{{key or 'unknown'},",
        f"      title={{{_bib_value(paper.title)}}}, ",
    ]
    if authors:
        lines.append(f"      author={{{authors}}},")
    if journal:
        lines.append(f"      journal={{{_bib_value(journal)}}},")
        for name, value in (("volume", paper.venue.volume), ("number", paper.venue.issue)):
            if value := clean_line(value):
                lines.append(f"      {name}={{{_bib_value(value)}}},")
        if pages := _pages(paper):
            lines.append(f"      pages={{{_bib_value('--'.join(filter(None, pages)))}}},")
    if year:
        lines.append(f"      year={{{year}}},")
    if journal and (month := _month(paper)):
        lines.append(f"      month={month},")
    if arxiv_id:
        lines.append(f"      eprint={{{arxiv_id}}},")
        lines.append("      archivePrefix={arXiv},")
        category = re.sub(r"[^A-Za-z0-9.\-]", "", clean_line(paper.primary_category))
        if category:
            lines.append(f"      primaryClass={{{category}}},")
        journal_doi = _journal_doi(paper)
        if journal_doi:
            lines.append(f"      doi={{https://doi.org/{journal_doi}}},")
    elif doi := _doi(paper):
        lines.append(f"      doi={{{doi}}},")
    if state is not None and state.tags:
        tags = ", ".join(filter(None, (_bib_value(tag).replace(",", " ") for tag in state.tags)))
        if tags:
            lines.append(f"      keywords={{{tags}}},")
    if state is not None and (note := _bib_value(state.note)):
        lines.append(f"      note={{{note}}},")
    url = _abs_url(paper)
    if url:
        lines.append(f"      url={{{_bib_url(url)}}}, ")
    lines.append("}")
    return "\n".join(lines)


def _suffixes() -> Iterator[str]:
    """a, b, …, z, aa, ab, …: the letters arXiv-style keys get when they repeat."""
    width = 1
    while True:
        for n in range(26**width):
            letters = ""
            for _ in range(width):
                n, r = divmod(n, 26)
                letters = chr(ord("a") + r) + letters
            yield letters
        width += 1


def bibtex_keys(papers: Sequence[Paper]) -> list[str]:
    """Keys for a batch, unique: a repeated key gets ``a``, ``b``, … (its first use stays bare).

    A suffixed key never takes a key another paper in the batch has on its own.
    """
    natural = [bibtex_key(p) for p in papers]
    taken = set(natural)
    used: set[str] = set()
    keys: list[str] = []
    for key in natural:
        if key in used:
            key = next(key + s for s in _suffixes() if key + s not in taken and key + s not in used)
        used.add(key)
        keys.append(key)
    return keys


# --------------------------------------------------------------------------------------------
# Plain text (APA-like), Markdown, RIS


def _initials(given: str) -> str:
    """``Aidan N.`` -> ``A. N.``; ``Jean-Paul`` -> ``J.-P.``; ``JS`` (initials run together) -> ``J. S.``."""
    parts: list[str] = []
    for word in given.replace(".", ". ").split():
        if word.isupper() and word.isalpha() and 1 < len(word) <= 3:
            parts.extend(f"{ch}." for ch in word)
            continue
        pieces = [_first_letter(piece) for piece in word.split("-")]
        if any(pieces):
            parts.append("-".join(f"{p}." for p in pieces if p))
    return " ".join(parts)


def _first_letter(word: str) -> str:
    return next((ch for ch in word if ch.isalpha()), "")


def _apa_name(name: Name) -> str:
    if name.inverted:
        return name.full
    if not name.given:
        return name.surname
    initials = _initials(name.given)
    text = f"{name.surname}, {initials}" if initials else name.surname
    return f"{text}, {name.suffix}" if name.suffix else text


def _apa_authors(names: list[Name]) -> str:
    """APA 7: all names up to 20; beyond that the first 19, an ellipsis, then the last."""
    shown = [_apa_name(n) for n in names]
    if len(shown) == 1:
        return shown[0]
    if len(shown) > 20:
        return ", ".join(shown[:19]) + ", . . . " + shown[-1]
    return ", ".join(shown[:-1]) + ", & " + shown[-1]


def _sentence(text: str) -> str:
    """End with a full stop unless the text already ends with sentence punctuation."""
    return text if text.endswith((".", "?", "!")) else text + "."


def plain(paper: Paper) -> str:
    """APA-like reference: ``Surname, G., & Other, H. (2026). Title. arXiv:2605.30102.``"""
    names = names_of(paper)
    title = clean_line(paper.title) or "Untitled"
    when = f"({_year(paper) or 'n.d.'})."
    head = (
        f"{_sentence(_apa_authors(names))} {when} {_sentence(title)}"
        if names
        else f"{_sentence(title)} {when}"
    )
    tail: list[str] = []
    arxiv_id = _arxiv_id(paper)
    if arxiv_id:
        tail.append(f"arXiv:{arxiv_id}.")
        if journal_doi := _journal_doi(paper):
            tail.append(f"https://doi.org/{journal_doi}")
    else:
        if server := _preprint_server(paper):
            tail.append(f"{server}.")
        if url := _abs_url(paper):
            tail.append(url)
    return " ".join([head, *tail])


# A run of backslashes is looked at once, from its first one: without the lookbehind, 20k backslashes
# were rescanned from each of them (7.5 s).
_MD_LINK_TEXT = re.compile(r"(?<!\\)\\++(?=[\[\]]|$)")


def _md_escape(text: str) -> str:
    """Escape what would end a Markdown link text early: ``[``, ``]`` and backslashes before them."""
    text = _MD_LINK_TEXT.sub(lambda m: m.group(0) * 2, text)
    return text.replace("[", r"\[").replace("]", r"\]")


def _md_text(text: str) -> str:
    """Feed text as Markdown text: HTML escaped (a renderer passes ``<script>`` through as HTML)."""
    return html.escape(clean_line(text), quote=False)


_MD_URL = str.maketrans({"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", " ": "%20"})


def markdown(paper: Paper) -> str:
    """``[Title](abs url) — Authors, 2026``; more than five authors shorten to the first, et al.

    ``<``, ``>`` and ``&`` in the title and names are written as entities, so a renderer shows
    ``<script>`` rather than running it.
    """
    names = [_md_text(n.full) for n in names_of(paper)]
    title = _md_escape(_md_text(paper.title) or "Untitled")
    url = _abs_url(paper)
    link = f"[{title}]({url.translate(_MD_URL)})" if url else title
    who = ", ".join(names) if len(names) <= 5 else f"{names[0]} et al."
    extra = ", ".join(filter(None, (who, _year(paper))))
    return f"{link} — {extra}" if extra else link


def _ris_name(name: Name) -> str:
    if name.inverted or not name.given:
        return name.full
    text = f"{name.surname}, {name.given}"
    return f"{text}, {name.suffix}" if name.suffix else text


def ris(paper: Paper, state: PaperState | None = None) -> str:
    """One RIS record, ending with ``ER  - ``. arXiv preprints are ``GEN`` with publisher arXiv
    (RIS has no preprint type); journal papers (bioRxiv/medRxiv too) are ``JOUR`` with the journal,
    volume (``VL``), issue (``IS``), first and last page (``SP``/``EP``).
    """
    lines: list[tuple[str, str]] = []
    arxiv_id = _arxiv_id(paper)
    journal = _journal(paper)
    lines.append(("TY", "JOUR" if journal else "GEN"))
    lines.extend(("AU", _ris_name(n)) for n in names_of(paper))
    lines.append(("TI", clean_line(paper.title)))
    if journal:
        lines.extend((("T2", journal), ("JO", journal)))
        numbers = (("VL", paper.venue.volume), ("IS", paper.venue.issue))
        lines.extend((tag, value) for tag, value in numbers if value)
        if pages := _pages(paper):
            lines.extend((tag, value) for tag, value in zip(("SP", "EP"), pages, strict=True) if value)
        if paper.venue.publisher:
            lines.append(("PB", paper.venue.publisher))
    if year := _year(paper):
        lines.append(("PY", year))
        if journal and paper.published is not None:
            lines.append(("DA", paper.published.strftime("%Y/%m/%d")))
    if arxiv_id:
        lines.append(("PB", "arXiv"))
        lines.append(("DO", _journal_doi(paper) or f"10.48550/arXiv.{arxiv_id}"))
    elif doi := _doi(paper):
        lines.append(("DO", doi))
    if url := _abs_url(paper):
        lines.append(("UR", url))
    if arxiv_id:
        lines.append(("N1", f"arXiv:{arxiv_id}"))
    if state is not None:
        lines.extend(("KW", tag) for tag in state.tags if clean_line(tag))
        if clean_line(state.note):
            lines.append(("N1", state.note))
    lines.append(("ER", ""))
    return "\n".join(f"{tag}  - {clean_line(value)}" if value else f"{tag}  - " for tag, value in lines)


# --------------------------------------------------------------------------------------------
# Batches


def export(papers: Sequence[Paper], fmt: str, states: Mapping[str, PaperState] | None = None) -> str:
    """All ``papers`` in one format, in the given order, ending with a newline (empty if no papers).

    BibTeX keys are unique across the batch (see :func:`bibtex_keys`); Markdown is a bullet list;
    JSON is the list of :meth:`Paper.to_dict`. Same input, same bytes. With ``states``, the user's
    tags and note go along: BibTeX ``keywords`` and ``note``, RIS ``KW`` and ``N1``, JSON ``tags`` and
    ``note``.
    """
    with_state = states
    states = states or {}
    name = fmt.strip().lower()
    if name not in FORMATS:
        raise CiteError(f"unknown citation format {fmt!r} (known: {', '.join(FORMATS)})")
    if name == "json":
        import json

        rows = clean_data([_with_state(p, with_state) for p in papers])
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if not papers:
        return ""
    if name == "bibtex":
        blocks = [
            bibtex(p, key, states.get(p.id)) for p, key in zip(papers, bibtex_keys(papers), strict=True)
        ]
    elif name == "ris":
        blocks = [ris(p, states.get(p.id)) for p in papers]
    elif name == "markdown":
        return "".join(f"* {markdown(p)}\n" for p in papers)
    else:
        blocks = [plain(p) for p in papers]
    return "\n\n".join(blocks) + "\n"


def _with_state(paper: Paper, states: Mapping[str, PaperState] | None) -> dict[str, object]:
    """:meth:`Paper.to_dict`, plus the user's ``tags`` and ``note`` when states were given."""
    data = paper.to_dict()
    if states is not None:
        state = states.get(paper.id) or PaperState()
        data["tags"] = list(state.tags)
        data["note"] = state.note
    return data
