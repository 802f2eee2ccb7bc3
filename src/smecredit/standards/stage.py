"""The standards library plugs in its commands (pure rules; no tables or pages)."""

from smecredit.kernel.text import Text
from smecredit.stages import Stage

STAGE = Stage(
    name="standards",
    order=2,
    label=Text("国家标准", "Published standards"),
    commands=(("standards", "smecredit.standards.cli:app"),),
)
