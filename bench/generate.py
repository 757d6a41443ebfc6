"""Realistic fake papers for benchmarks: the store and UI benchmarks need thousands of papers that look
like real arXiv listings (size, shape, non-ASCII names) without shipping thousands of real ones.

A typical paper here has a ~2.5 KB ``summary_html``, 5 authors, 3 categories, arXiv links and one or two
feeds, which is what a day of arXiv RSS looks like after parsing. Output is deterministic per seed.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from reader_tui.model import Links, Paper

_CATEGORIES = [
    "cs.LG", "cs.AI", "cs.CL", "cs.CV", "cs.RO", "cs.CR", "cs.DC", "cs.IR", "stat.ML", "stat.ME",
    "math.OC", "math.ST", "q-bio.GN", "q-bio.NC", "eess.SP", "physics.comp-ph", "quant-ph", "econ.EM",
]  # fmt: skip
_FIRST = [
    "Wei", "Anna", "José", "Yuki", "Mohammed", "Priya", "Lars", "Chloé", "Ivan", "Ngozi", "Hiroshi", "Sofía",
    "Jiahui", "Emre", "Zoë", "Rahul", "Björn", "Fatima", "Kwame", "Olga", "Tomás", "Mei", "Arjun", "Léa",
]  # fmt: skip
_LAST = [
    "Zhang", "Müller", "García", "Tanaka", "Khan", "Patel", "Andersson", "Dubois", "Petrov", "Okafor",
    "Suzuki", "Fernández", "Li", "Yılmaz", "Smith", "Gupta", "Nyström", "Haddad", "Mensah", "Ivanova",
    "Wang", "Chen", "Kumar", "Rossi", "Nakamura", "Schmidt",
]  # fmt: skip
_WORDS = (
    "learning neural network model data training approach method results performance propose novel "
    "framework algorithm task graph transformer attention language large robust efficient scalable "
    "optimization gradient inference distribution sample estimate benchmark dataset experiments show "
    "state-of-the-art generalization representation latent diffusion reinforcement policy agent reward "
    "convergence theoretical analysis bound prior posterior Bayesian causal structure sequence protein "
    "genome cell signal image video multimodal retrieval privacy federated adversarial uncertainty"
).split()
_FEEDS = [
    "https://rss.arxiv.org/rss/cs.LG",
    "https://rss.arxiv.org/rss/cs.AI",
    "https://rss.arxiv.org/rss/stat.ML",
    "https://export.arxiv.org/api/query?search_query=cat:cs.CL",
    "https://huggingface.co/papers/rss",
]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _summary_html(rng: random.Random, target: int = 2500) -> str:
    parts: list[str] = []
    size = 0
    while size < target:
        para = " ".join(_sentence(rng, 8, 24) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.3:
            para += f' Code: <a href="https://github.com/x/{rng.randint(1, 9999)}">repo</a>.'
        chunk = f"<p>{para}</p>\n"
        parts.append(chunk)
        size += len(chunk)
    return "".join(parts)


def generate_papers(n: int, seed: int = 0) -> list[Paper]:
    """``n`` distinct papers with arXiv-style ids, newest first, the same for the same ``seed``."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 28, 20, 0, tzinfo=UTC) - timedelta(days=400 * seed)  # ids differ per seed
    papers: list[Paper] = []
    for i in range(n):
        published = start - timedelta(minutes=7 * i)
        arxiv_id = f"{published:%y%m}.{i % 100_000:05d}"
        version = rng.choice([1, 1, 1, 2, 3])
        categories = rng.sample(_CATEGORIES, 3)
        feeds = rng.sample(_FEEDS, rng.choice([1, 1, 2]))
        comment = f"{rng.randint(8, 40)} pages, {rng.randint(1, 12)} figures" if rng.random() < 0.6 else None
        papers.append(
            Paper(
                id=arxiv_id,
                title=_sentence(rng, 6, 14).rstrip("."),
                arxiv_id=arxiv_id,
                version=version,
                authors=[f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(5)],
                categories=categories,
                summary_html=_summary_html(rng),
                links=Links(
                    abs=f"https://arxiv.org/abs/{arxiv_id}",
                    pdf=f"https://arxiv.org/pdf/{arxiv_id}v{version}",
                ),
                published=published,
                feeds=feeds,
                announce_type=rng.choice(["new", "new", "cross", "replace"]),
                comment=comment,
            )
        )
    return papers
