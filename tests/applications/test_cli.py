"""`smecredit applications diagram` prints the generated diagram and refreshes the document."""

from __future__ import annotations

from typer.testing import CliRunner

from smecredit.applications import states
from smecredit.cli import app


def test_diagram_prints_and_writes(tmp_path, monkeypatch):
    runner = CliRunner()
    shown = runner.invoke(app, ["applications", "diagram"])
    assert shown.exit_code == 0 and "stateDiagram-v2" in shown.output and "documents_requested" in shown.output
    doc = tmp_path / "docs" / "applications.md"
    doc.parent.mkdir()
    doc.write_text(f"# x\n\n{states.DIAGRAM_BEGIN}\nold\n{states.DIAGRAM_END}\n\nafter\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    written = runner.invoke(app, ["applications", "diagram", "--write"])
    assert written.exit_code == 0, written.output
    text = doc.read_text(encoding="utf-8")
    assert states.diagram_block() in text and "old" not in text and text.endswith("after\n")
