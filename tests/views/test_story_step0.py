"""The story's step 0 sentence comes from the same numbers as its table (squid: more listed
anions than cations in the bath, so Cl- cannot be equal inside and out)."""

from __future__ import annotations

import re

import pytest

from vrest.story.step_text import step_sentences
from vrest.story.steps import run_story


@pytest.mark.parametrize("preset", ["squid", "lecture"])
def test_step0_sentence_matches_its_table(preset: str) -> None:
    story = run_story(preset, questions=False)
    data = story.to_dict()
    _, sentences = step_sentences(data, "/steps/0")
    text = " ".join(s["text"] for s in sentences)
    end = story.steps[0].end
    for ion, label in (("Na", "Na+"), ("K", "K+"), ("Cl", "Cl-"), ("Ca", "Ca2+")):
        c = end["inside_mM"][ion]
        assert re.search(rf"\b{c:.3g} mM {re.escape(label)}", text), (ion, text)
    differ = [i for i in ("Na", "K", "Cl", "Ca") if end["inside_mM"][i] != end["outside_mM"][i]]
    if differ:
        assert "every E is" not in text
        for ion in differ:
            assert f"E_{ion} = {end['E_mV'][ion]:+.1f} mV" in text
            assert f"{end['outside_mM'][ion]:.3g} mM outside" in text
    else:
        assert "every E is 0.0 mV" in text
