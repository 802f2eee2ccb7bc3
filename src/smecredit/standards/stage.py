"""The standards library plugs in its commands and the macros other stages include (pure rules; no tables or pages)."""

from pathlib import Path

from smecredit.kernel.text import Text
from smecredit.stages import Stage

STAGE = Stage(
    name="standards",
    order=2,
    label=Text("国家标准", "Published standards"),
    commands=(("standards", "smecredit.standards.cli:app"),),
    # Macros other stages include (the working-capital sizing table); no pages of its own.
    templates=Path(__file__).resolve().parent / "templates",
)
