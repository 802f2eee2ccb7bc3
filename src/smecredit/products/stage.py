"""Stage 2, products: the versioned product catalogue, the LPR table, matching and quotes."""

from pathlib import Path

from smecredit.kernel.text import Text
from smecredit.stages import Stage

STAGE = Stage(
    name="products",
    order=20,
    label=Text("贷款产品与智能匹配", "Products and matching"),
    models="smecredit.products.models",
    events="smecredit.products.events",
    routers=(),
    templates=Path(__file__).resolve().parent / "templates",
    setup="smecredit.products.setup:load_defaults",
)
