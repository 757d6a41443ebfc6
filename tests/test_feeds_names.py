"""Author fields -> people: every habit feeds have, and a property test over generated lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader_tui.feeds.names import AUTHORS_MAX, NAME_MAX, people, split_list


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("A. Smith, B. Jones and C. Wu", ["A. Smith", "B. Jones", "C. Wu"]),
        ("Inoda, Toshio", ["Toshio Inoda"]),
        ("van der Berg, Jan", ["Jan van der Berg"]),
        ("Smith, John, Jr.", ["John Smith Jr."]),
        ("Chan, King Wai", ["King Wai Chan"]),  # nameparser's job titles are switched off
        ("Brandão S, Saeedi H, Brandt A.", ["S. Brandão", "H. Saeedi", "A. Brandt"]),
        ("Smith JR, Doe A", ["J. R. Smith", "A. Doe"]),
        ("Alpha Beta; Gamma Delta; Epsilon Zeta;", ["Alpha Beta", "Gamma Delta", "Epsilon Zeta"]),
        ("Smith, Jane; Doe, John", ["Jane Smith", "John Doe"]),
        ("LAPALU, N., SIMON, A., O'Connell, R. J.", ["N. LAPALU", "A. SIMON", "R. J. O'Connell"]),
        ("范存祥,林志斌,俞雅丽", ["范存祥", "林志斌", "俞雅丽"]),
        ("刘广纯，刘子轩、杨定", ["刘广纯", "刘子轩", "杨定"]),
        ("The Brazil Flora Group", ["The Brazil Flora Group"]),
        ("ATLAS Collaboration, G. Aad, B. Abbott", ["ATLAS Collaboration", "G. Aad", "B. Abbott"]),
        ("Jane Roe (jane.roe@uni.example), John Doe <jd@lab.example>", ["Jane Roe", "John Doe"]),
        ("jane.roe@uni.example", []),
        ("A. Smith, B. Jones, et al.", ["A. Smith", "B. Jones"]),
        ("A. Smith et al", ["A. Smith"]),
        ("Rachel M. Binks, \nMargaret Heslewood", ["Rachel M. Binks", "Margaret Heslewood"]),
        ("Xiao JIN", ["Xiao JIN"]),  # three capitals: a surname, not initials
        ("Fran\\c{c}ois Rodr\\'iguez", ["François Rodríguez"]),
        ("José Ortega y Gasset", ["José Ortega y Gasset"]),
        ("", []),
    ],
)
def test_split_list(field: str, names: list[str]) -> None:
    assert split_list(field) == names


def test_one_field_per_author_keeps_every_author_in_order() -> None:
    assert people(["Xiao Jin", "Wenxiang Li", "Guitang Wang"]) == ["Xiao Jin", "Wenxiang Li", "Guitang Wang"]
    assert people(["Inoda, Toshio", "Smith, Jane"]) == ["Toshio Inoda", "Jane Smith"]


def test_caps() -> None:
    assert len(people([f"Person {i}" for i in range(AUTHORS_MAX + 10)])) == AUTHORS_MAX
    (name,) = split_list("x" * 10_000)
    assert len(name) == NAME_MAX


# --- property: whatever habit a list is written in, the same people come out, in order ----------------

_GIVEN = st.sampled_from(["Jane", "John", "Toshio", "María José", "Wei", "Patrícia", "Jean-Luc", "Ana"])
_SURNAME = st.sampled_from(["Smith", "Inoda", "García", "Müller", "O'Connell", "Nguyen", "Brandão", "Okafor"])
_PEOPLE = st.lists(st.tuples(_GIVEN, _SURNAME), min_size=1, max_size=8, unique_by=lambda p: p[1])


@given(
    _PEOPLE,
    st.sampled_from(["comma", "and", "semicolon", "inverted-semicolon", "one-per-field", "vancouver"]),
)
def test_every_habit_gives_the_same_people(persons: list[tuple[str, str]], habit: str) -> None:
    natural = [f"{given} {surname}" for given, surname in persons]
    if habit == "comma":
        got = people([", ".join(natural)])
    elif habit == "and":
        got = people([", ".join(natural[:-1]) + " and " + natural[-1] if len(natural) > 1 else natural[0]])
    elif habit == "semicolon":
        got = people(["; ".join(natural) + ";"])
    elif habit == "inverted-semicolon":
        got = people(["; ".join(f"{surname}, {given}" for given, surname in persons)])
    elif habit == "one-per-field":
        got = people([f"{surname}, {given}" for given, surname in persons])
    else:  # Vancouver: surname and initials
        initials = ["".join(part[0] for part in given.replace("-", " ").split()) for given, _ in persons]
        got = people(
            [", ".join(f"{surname} {ini}" for (_, surname), ini in zip(persons, initials, strict=True))]
        )
        assert [name.rsplit(" ", 1)[-1] for name in got] == [surname for _, surname in persons]
        return
    assert got == natural


def test_et_al_in_capitals_and_suffixes_are_read_wherever_they_stand() -> None:
    assert split_list("Ada Lovelace, Charles Babbage ET AL.") == ["Ada Lovelace", "Charles Babbage"]
    assert split_list("Smith, John, Jr.; Doe, Jane") == ["John Smith Jr.", "Jane Doe"]
    assert split_list("Pieter Abbeel, Peter Stone et al") == ["Pieter Abbeel", "Peter Stone"]
