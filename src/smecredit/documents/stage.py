"""The document store plugs into the platform: its table only (no pages or menu; the stages that
take uploads call `documents.store`)."""

from smecredit.kernel.text import Text
from smecredit.stages import Stage

STAGE = Stage(
    name="documents",
    order=3,
    label=Text("文件存储", "Document store"),
    models="smecredit.documents.models",
)
