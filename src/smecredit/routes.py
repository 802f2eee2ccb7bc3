"""Which routers the application serves: every stage's, from the stage registry."""

from __future__ import annotations

from fastapi import FastAPI

from smecredit.stages import all_stages, load
from smecredit.web.templating import add_template_dir


def include_all(app: FastAPI) -> None:
    for stage in all_stages():
        if stage.templates is not None:
            add_template_dir(stage.templates)
        for reference in stage.routers:
            app.include_router(load(reference))
