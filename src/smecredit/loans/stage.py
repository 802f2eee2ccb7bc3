"""Stage 5a, loans: contract, disbursement, schedules, repayments, penalty interest, daily accrual
and accounting. Pure cores: `schedules`, `ledger`, `accounting`, `access`."""

from pathlib import Path

from smecredit.identity import permissions as perms
from smecredit.kernel.text import Text
from smecredit.stages import Stage
from smecredit.web.menu import MenuItem

STAGE = Stage(
    name="loans",
    order=50,
    label=Text("放款、还款与核算", "Loans: disbursement, repayment and accounting"),
    models="smecredit.loans.models",
    events="smecredit.loans.events",
    routers=("smecredit.loans.pages:router", "smecredit.loans.api:router", "smecredit.loans.api:changes_router",
             "smecredit.loans.api:dues_router", "smecredit.loans.api:accounting_router",
             "smecredit.loans.api:transactions_router", "smecredit.loans.guarantee_pages:router"),
    templates=Path(__file__).resolve().parent / "templates",
    menu=(
        MenuItem("my_loans", "/my/loans", Text("我的贷款", "My loans"), perms.MY_LOANS, "cash-coin",
                 ((perms.MY_LOANS, Text("确认借款合同、额度提款（随借随还）、查看还款计划、还款与提前结清",
                                        "Accept the contract, draw on a revolving line, see the schedule, repay "
                                        "and pay off")),)),
        MenuItem("loans", "/loans", Text("贷款台账", "Loan book"), perms.LOANS_LIST, "journal-text",
                 ((perms.LOANS_DISBURSE, Text("放款、代借款人额度提款、登记还款、申请冲正与溢缴款退还",
                                              "Disburse, draw on a line for the borrower, record payments, request reversals and refunds")),
                  (perms.LOANS_GUARANTEES, Text("重发保证合同链接、补充生成保证合同",
                                                "Send a guarantee link again, make the missing guarantee contracts")),
                  (perms.LOANS_LIST, Text("查看贷款、还款计划、交易与分录", "Read loans, schedules, transactions and the journal")))),
        MenuItem("loan_dues", "/loan-dues", Text("到期还款", "Dues by date"), perms.LOANS_DUES, "calendar-event",
                 ((perms.LOANS_DUES, Text("今日到期、未来7天与已逾期的还款，可导出用于提醒",
                                          "Instalments due today, in the next 7 days and overdue; export them for reminders")),)),
        MenuItem("loan_transactions", "/loan-transactions", Text("交易流水", "Transactions"), perms.LOANS_OPERATE,
                 "list-columns", ((perms.LOANS_OPERATE, Text("按日期、类型查看放款、收款、冲正等交易，导出 XLSX/CSV",
                                                             "Disbursements, payments received, reversals… by date and kind; XLSX/CSV")),)),
        MenuItem("loan_changes", "/loan-change-requests", Text("待审批变更", "Approvals"), perms.LOANS_APPROVE_CHANGES,
                 "check2-square",
                 ((perms.LOANS_APPROVE_CHANGES, Text("复核冲正、展期、重组、核销与溢缴款退还申请（四眼原则）",
                                                     "Check reversals, extensions, restructurings, write-offs and refunds of credit (four-eyes)")),)),
        MenuItem("trial_balance", "/accounting/trial-balance", Text("科目余额表", "Trial balance"), perms.ACCOUNTING_READ,
                 "table", ((perms.ACCOUNTING_READ, Text("按日期查看科目余额，下载 XLSX", "Account balances by date, as XLSX")),)),
        MenuItem("sandbox_bank", "/loans-sandbox-bank", Text("沙箱银行", "Sandbox bank"), perms.LOANS_OPERATE, "bank",
                 ((perms.LOANS_OPERATE, Text("查看放款与扣款的银行流水", "The bank's ledger of disbursements and debits")),)),
    ),
    notices={
        "accounts_given": Text("账户已保存，请阅读并确认借款合同", "Accounts saved: read and accept the contract"),
        "contract_accepted": Text("借款合同已确认，等待放款", "Contract accepted: awaiting disbursement"),
        "disbursed": Text("已放款", "Disbursed"),
        "drawn": Text("提款成功，款项已划入收款账户", "Drawn: the money was paid to the payee account"),
        "payment_recorded": Text("还款已登记，贷款已按交易记录重新计算", "Payment recorded; the loan was recomputed"),
        "reversal_requested": Text("冲正申请已提交，待第二人审批后生效", "Reversal requested: it takes effect once a second person approves"),
        "change_requested": Text("变更申请已提交，待第二人审批后生效", "Change requested: it takes effect once a second person approves"),
        "change_approved": Text("已批准，变更已执行，贷款已按交易记录重新计算", "Approved: the change was applied and the loan recomputed"),
        "change_rejected": Text("已驳回该变更申请", "The change request was rejected"),
        "change_cancelled": Text("已撤回该变更申请", "The change request was withdrawn"),
        "guarantee_link_resent": Text("已向保证人重新发送保证合同链接，旧链接已失效",
                                      "The link was sent to the guarantor again; the old one no longer works"),
        "guarantees_completed": Text("已补充生成保证合同并以短信发送链接", "The missing guarantee contracts were made and their links sent"),
        "guarantee_code_sent": Text("验证码已发送，请查看短信", "A code was sent: see your text messages"),
        "guarantee_accepted": Text("保证合同已确认，谢谢", "Guarantee contract accepted. Thank you"),
    },
    demo="smecredit.loans.demo:seed_demo",
    commands=(("schedule", "smecredit.loans.cli:app"), ("eod", "smecredit.loans.cli:eod_app")),
)
