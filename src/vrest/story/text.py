"""Sentences for ``vrest story``, generated from the story's numbers.

:func:`narrate` takes the plain dict of :meth:`vrest.story.Story.to_dict` and adds, to every step,
the lecture's claim and two or more sentences saying what happened and why; to every question an
answer; and a short summary. Each sentence is ``{"text": ..., "refs": [...]}`` where every ref
names the JSON path of a number it quotes, the format used and the text shown, so that anyone
(and the tests) can check that every number in the report comes from the JSON. Wording changes
with the numbers (directions, comparisons), never the other way round.

Number formats and quoting are in :mod:`.quote`, the step sentences in :mod:`.step_text`,
the answers in :mod:`.answer_text`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from vrest.story.answer_text import answer
from vrest.story.quote import FORMATS, ION_LABEL, Quote, lookup
from vrest.story.step_text import step_sentences


def narrate(story: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``story`` (Story.to_dict()) with claims, sentences, answers and a summary."""
    data = copy.deepcopy(dict(story))
    for i, _ in enumerate(data["steps"]):
        claim, body = step_sentences(data, f"steps/{i}")
        data["steps"][i]["claim"], data["steps"][i]["sentences"] = claim, body
    claim, body = step_sentences(data, "real")
    data["real"]["claim"], data["real"]["sentences"] = claim, body
    for i, _ in enumerate(data.get("questions", [])):
        data["questions"][i]["answer"] = answer(data, i)
    return data


def sentences(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every sentence of a narrated story (claims, step sentences, answers), in report order."""
    out: list[dict[str, Any]] = []
    for step in [*data["steps"], data["real"]]:
        out += [step["claim"]] if step.get("claim") else []
        out += step.get("sentences", [])
    for q in data.get("questions", []):
        out += q.get("answer", [])
    return out


__all__ = ["FORMATS", "ION_LABEL", "Quote", "answer", "lookup", "narrate", "sentences"]
