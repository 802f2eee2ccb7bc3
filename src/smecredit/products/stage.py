"""Stage 2, products: the versioned product catalogue, the LPR table, matching and quotes."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="products",
    order=20,
    label=Text("贷款产品与智能匹配", "Products and matching"),
    models="smecredit.products.models",
    events="smecredit.products.events",
    routers=("smecredit.products.pages:router", "smecredit.products.api:router",
             "smecredit.products.api:matches_router", "smecredit.products.api:rates_router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("find_loan", "/my/matches", Text("找贷款产品", "Find a loan"), perms.MY_ENTERPRISES, "search",
                 ((perms.MY_ENTERPRISES, Text("按企业的信用画像匹配产品，看清每个产品是否符合及原因，一键申请",
                                              "Products matched to your credit profile, with the reasons, and apply in one click")),)),
        MenuItem("products", "/products", Text("贷款产品", "Loan products"), perms.PRODUCTS_VIEW, "box-seam",
                 ((perms.PRODUCTS_EDIT, Text("维护产品要素与准入规则、审批新版本（四眼原则）、维护 LPR 表",
                                             "Maintain terms and rules, approve new versions (four eyes), keep the LPR table")),
                  (perms.PRODUCTS_VIEW, Text("产品要素、准入条件、申请材料清单与参考利率",
                                             "Terms, who may borrow, document checklists and indicative rates")))),
    ),
    notices={
        "product_drafted": Text("已保存为待审批版本，请另一位风险经理审批", "Saved as a draft; another risk manager approves it"),
        "product_approved": Text("已批准，将于生效日起执行", "Approved; it takes effect on its date"),
        "product_rejected": Text("已驳回", "Rejected"),
        "rate_saved": Text("利率已保存", "Rate saved"),
    },
    setup="smecredit.products.setup:load_defaults",
    demo="smecredit.products.demo:seed_demo",
)
