"""The lecture's story (``vrest story``): the steps computed (:mod:`.steps`), their sentences
(:mod:`.text`), figures (:mod:`.plot`) and reports (:mod:`.report`).
"""

from vrest.story.steps import DEFAULT_PRESET, Step, Story, Trace, run_story, story_cell

__all__ = ["DEFAULT_PRESET", "Step", "Story", "Trace", "run_story", "story_cell"]
