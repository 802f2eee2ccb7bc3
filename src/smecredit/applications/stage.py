"""Stage 3, apply: online applications with their documents, 补件 and progress."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="applications",
    order=30,
    label=Text("申请材料准备与提交", "Apply online"),
    models="smecredit.applications.models",
    events="smecredit.applications.events",
    routers=(),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(),
    notices={},
    demo=None,
    commands=(),
)
