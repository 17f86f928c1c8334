"""The lecture's story (``vrest story``): the steps computed (:mod:`.steps`, with :mod:`.records`,
:mod:`.context`, :mod:`.runs` and :mod:`.questions`), their sentences (:mod:`.text`), figures
(:mod:`.plot`) and reports (:mod:`.report`).
"""

from vrest.story.records import DEFAULT_PRESET, Step, Story, Trace
from vrest.story.steps import run_story, story_cell

__all__ = ["DEFAULT_PRESET", "Step", "Story", "Trace", "run_story", "story_cell"]
