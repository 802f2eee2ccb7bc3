"""Decisions, offers and versions as the API and the pages read them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.decisioning import schemas, service
from smecredit.decisioning.models import Decision, PolicyVersion, ScorecardVersion
from smecredit.kernel.errors import DomainError
from smecredit.kernel.text import Text


def _ref(row: PolicyVersion | ScorecardVersion | None) -> schemas.VersionRef | None:
    if row is None:
        return None
    return schemas.VersionRef(id=row.id, code=row.code, version=row.version, sha256=row.sha256)


FINAL_OUTCOMES = {"approved": "approved", "offer_accepted": "approved", "offer_declined": "approved",
                  "declined": "declined", "withdrawn": "withdrawn"}


def final_outcome(status: str) -> str:
    """Where the application stands now, whoever decided: a referred decision stays `referred` in its
    record, while people approve or decline it afterwards."""
    return FINAL_OUTCOMES.get(status, "pending")


def decision_fields(db: Session, decision: Decision) -> dict:
    result = service.intact_result(decision)  # a record changed by hand: 503, never shown as the platform's
    status = db.execute(select(Application.status).where(Application.id == decision.application_id)).scalar_one()
    return dict(
        id=decision.id, application_id=decision.application_id, outcome=decision.outcome,
        final_outcome=final_outcome(status), route=decision.route,
        score=decision.score, grade=decision.grade, pd=decision.pd, limit=decision.limit_amount,
        approved_amount=decision.approved_amount, annual_rate=decision.annual_rate, apr=decision.apr,
        repayment_method=decision.repayment_method, term_months=decision.term_months,
        reasons=[schemas.ReasonOut(code=r["code"], message=schemas.TextOut(**r["message"]))
                 for r in result.get("reasons") or []],
        policy_version=_ref(service.policy_version_of(db, decision)),
        scorecard_version=_ref(service.scorecard_version_of(db, decision)),
        elapsed_ms=decision.elapsed_ms, decision_date=decision.decision_date, created_at=decision.created_at)


def decision_out(db: Session, decision: Decision) -> schemas.DecisionOut:
    return schemas.DecisionOut(**decision_fields(db, decision))


def decision_record_out(db: Session, decision: Decision) -> schemas.DecisionRecordOut:
    return schemas.DecisionRecordOut(**decision_fields(db, decision), inputs=service.inputs_of(decision),
                                     result=service.result_of(decision), inputs_sha256=decision.inputs_sha256,
                                     result_sha256=decision.result_sha256)


# --- the application's page (stage 3's page shows stage 4's part through `_application.html`) -------------

def route_label(route: str | None) -> Text:
    from smecredit.decisioning.outcomes import ROUTE_LABELS

    return ROUTE_LABELS.get(route or "", Text(route or "—", route or "—"))


APPLICANT_REASON_KINDS = frozenset({"knockout", "referral", "data_missing", "limit"})
OUTCOME_TEXTS = {
    "approved": Text("自动批准", "Approved automatically"),
    "declined": Text("自动拒绝", "Declined automatically"),
    "referred": Text("转人工审批", "Referred to people"),
}
PAYMENT_MODE_TEXTS = {"entrusted": Text("受托支付", "Paid to the supplier (受托支付)"),
                      "self": Text("自主支付", "Paid to the borrower (自主支付)")}
VOTE_TEXTS = {"approve": Text("同意", "For"), "decline": Text("反对", "Against")}


def staff_names(db: Session, user_ids) -> dict[int, str]:
    """Display names of the staff behind stored user ids: pages name people as colleagues know them
    (李强), not by their login or the masked name the applicant's timeline keeps (审***)."""
    from sqlalchemy import select

    from smecredit.identity.models import User

    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def elapsed_text(ms) -> Text:
    """How long the decision took, as people read it: 0.8 毫秒 (under 0.1: <0.1 毫秒)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    try:
        shown = Decimal(str(ms)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return Text("—", "—")
    if shown <= 0:
        return Text("<0.1 毫秒", "<0.1 ms")
    return Text(f"{shown} 毫秒", f"{shown} ms")


def _reason_texts(result: dict, *, applicant: bool) -> list[Text]:
    out = []
    for r in result.get("reasons") or []:
        if not isinstance(r, dict) or "message" not in r:
            continue
        if applicant and r.get("kind") not in APPLICANT_REASON_KINDS:
            continue
        out.append(Text(r["message"]["zh"], r["message"]["en"]))
    return out


def _authority_note(db: Session, application, user, decision) -> Text | None:
    """Whether the reader may act at the current stage, and if not, why (the same answer the
    service gives: shown before they try)."""
    from smecredit.decisioning import authority, reviews

    stage = reviews.STAGE_OF_STATE.get(application.status)
    if stage is None or decision is None:
        return None
    try:
        matrix = service.authority_of(db, decision)
    except Exception:  # noqa: BLE001 - a damaged policy version: the service will say so when they act
        return None
    amount = decision.approved_amount or application.amount
    voted = reviews.voters_this_round(application.steps) if stage == "committee" else ()
    refused = authority.may_act(matrix, stage=stage, roles=[r.value for r in user.roles], amount=amount,
                                grade=decision.grade, user_id=user.id,
                                prepared_by=reviews._prepared_by(application, everyone=stage != "review"),
                                reviewed_by=reviews._reviewed_by(db, application) if stage != "review" else (),
                                voted_by=voted)
    if refused is None:
        return None
    if stage == "approval" and refused.code in reviews.TO_COMMITTEE:
        return refused.message.prefixed("同意后将提交贷审会：", "Approving sends it to the credit committee: ")
    return refused.message


def _committee(db: Session, application, decision, votes) -> dict | None:
    """While the credit committee sits: this round's votes against its quorum and majority."""
    from smecredit.decisioning import reviews

    if application.status != "committee":
        return None
    try:
        matrix = service.authority_of(db, decision)
    except DomainError:  # a damaged policy version (503 elsewhere): the votes still show
        return None
    round_ = reviews._round(application)
    this_round = [v for v in votes if v.round == round_]
    return {"round": round_, "cast": len(this_round), "for": sum(1 for v in this_round if v.vote == "approve"),
            "quorum": matrix.committee_quorum, "share": f"{matrix.committee_approve_share * 100:.0f}"}


def application_context(db: Session, application, user, *, staff: bool) -> dict:
    """What `decisioning/_application.html` shows: the decision (applicants: the outcome in plain
    words), the offer with its schedule preview, the reviews, votes and overrides (staff)."""
    from sqlalchemy import select

    from smecredit.decisioning import offers
    from smecredit.decisioning.models import CommitteeVote, DecisionOverride, DecisionReview
    from smecredit.products.vocabulary import REPAYMENT_METHODS, label_of

    decision = service.latest_decision(db, application.id)
    if decision is None:
        return {"decision": None}
    try:
        result = service.result_of(decision)
    except ValueError:  # a hand-damaged record: the page still opens (replay says what changed)
        result = {}
    offer = offers.offer_of(db, application.id)
    from smecredit.decisioning import report

    ctx = {
        "pd_text": report.probability(decision.pd) if decision.pd is not None else None,
        "elapsed_text": elapsed_text(decision.elapsed_ms),
        "decision": decision, "result": result, "outcome_text": OUTCOME_TEXTS.get(decision.outcome),
        "route_text": route_label(decision.route),
        "reasons": _reason_texts(result, applicant=not staff), "offer": offer,
        "offer_status": offers.status_of(offer) if offer else None, "offer_statuses": offers.OFFER_STATUSES,
        "method_text": label_of(REPAYMENT_METHODS, offer.repayment_method if offer else decision.repayment_method),
        "payment_text": PAYMENT_MODE_TEXTS.get((offer.payment_mode if offer else None) or result.get("payment_mode") or ""),
        "preview": result.get("schedule_preview"), "fees": result.get("fees") or [], "vote_texts": VOTE_TEXTS,
    }
    if staff:
        reviews_done = list(db.execute(select(DecisionReview).where(DecisionReview.application_id == application.id)
                                       .order_by(DecisionReview.id)).scalars())
        votes = list(db.execute(select(CommitteeVote).where(CommitteeVote.application_id == application.id)
                                .order_by(CommitteeVote.id)).scalars())
        overrides = list(db.execute(select(DecisionOverride).where(DecisionOverride.application_id == application.id)
                                    .order_by(DecisionOverride.id)).scalars())
        ctx.update({
            "policy_row": service.policy_version_of(db, decision), "card_row": service.scorecard_version_of(db, decision),
            "reviews_done": reviews_done, "votes": votes, "overrides": overrides,
            "names": staff_names(db, [r.user_id for r in reviews_done] + [v.user_id for v in votes]
                                 + [o.user_id for o in overrides]),
            "authority_note": _authority_note(db, application, user, decision),
            "committee": _committee(db, application, decision, votes),
        })
    return ctx
