"""Stage 1, identify: enterprises, their data and credit profiles."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="enterprises",
    order=10,
    label=Text("客户识别与信用评估", "Identify the enterprise"),
    models="smecredit.enterprises.models",
    events="smecredit.enterprises.events",
    routers=("smecredit.enterprises.pages:router", "smecredit.enterprises.mapping_pages:router",
             "smecredit.enterprises.api:router",
             "smecredit.enterprises.api:mappings_router", "smecredit.enterprises.api:rules_router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("my_enterprise", "/my/enterprises", Text("我的企业", "My enterprise"), perms.MY_ENTERPRISES, "building",
                 ((perms.MY_ENTERPRISES, Text("登记企业、授权数据查询、查看我们持有的数据",
                                              "Register your enterprise, authorise data enquiries, see the data we hold")),)),
        MenuItem("enterprises", "/enterprises", Text("企业客户", "Enterprises"), perms.ENTERPRISE_LIST, "buildings",
                 ((perms.ENTERPRISE_EDIT, Text("检索企业、代客登记、采集数据与信用画像",
                                               "Search enterprises, register on behalf, data and credit profiles")),
                  (perms.ENTERPRISE_LIST, Text("检索并查阅企业资料与信用画像",
                                               "Search and read enterprises and their credit profiles")))),
        MenuItem("bank_mappings", "/bank-mappings", Text("流水列映射", "Statement mappings"), perms.BANK_MAPPINGS_EDIT,
                 "table", ((perms.BANK_MAPPINGS_EDIT, Text("各银行流水导出的列映射",
                                                           "Column mappings of each bank's statement export")),)),
    ),
    notices={
        "registered": Text("企业已登记", "Enterprise registered"),
        "authorised": Text("已记录征信查询授权", "Credit enquiry authorisation recorded"),
        "pulled": Text("数据已采集，信用画像已更新", "Data pulled; the credit profile was updated"),
        "uploaded": Text("文件已导入，信用画像已更新", "File imported; the credit profile was updated"),
        "computed": Text("信用画像已重新计算", "Credit profile recomputed"),
        "claimed": Text("该企业已有人登记：您的认领已提交客户经理核实", "Someone registered that enterprise already: your claim went to a loan officer"),
        "ownership_confirm": Text("已核实企业归属", "Ownership confirmed"),
        "ownership_reject": Text("已驳回认领", "Claim rejected"),
        "taken": Text("已认领到您的客户名下", "Taken into your portfolio"),
        "assigned": Text("已转交", "Handed over"),
        "withdrawn": Text("授权已撤回，此后不再查询", "Authorisation withdrawn; nothing more will be queried"),
    },
    demo="smecredit.enterprises.demo:seed_demo",
    commands=(("enterprises", "smecredit.enterprises.cli:app"),),
)
