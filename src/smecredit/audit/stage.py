"""The audit log plugs in: events, checkpoints, proofs; pages, API and commands."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="audit",
    order=1,
    label=Text("审计日志", "Audit log"),
    models="smecredit.audit.models",
    events="smecredit.audit.events",
    routers=("smecredit.audit.pages:router", "smecredit.audit.api:router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("audit", "/audit", Text("审计日志", "Audit log"), perms.AUDIT_READ, "shield-check",
                 ((perms.AUDIT_READ, Text("防篡改审计日志，按人员、对象、动作、时间检索",
                                          "Tamper-evident log; filter by actor, entity, action, time")),)),
    ),
    notices={"/audit/checkpoints?created": Text("已生成新的签名检查点", "A new signed checkpoint was made"),
             "/audit/checkpoints?cosigned": Text("已保存见证人副署", "The witness's cosignature was stored")},
    commands=(("audit", "smecredit.audit.cli:app"),),
)
