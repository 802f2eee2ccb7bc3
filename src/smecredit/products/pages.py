"""Stage 2 pages: the product catalogue and each product's terms; an enterprise's match page (the
need → every product eligible or not, with reasons, limit, rate range, rank, and the one-click
apply form); the product editor with four-eyes approval; the LPR table.

Access to the enterprise is the route's dependency (`PAGES.matching`); use-case errors are shown
next to the form the user was in.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.enterprises.access import Action
from smecredit.enterprises.models import Enterprise
from smecredit.enterprises.records import enterprises_of, may
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import DomainError, Invalid, NotFound, not_found
from smecredit.kernel.text import Text
from smecredit.products import catalogue, limits, matching, rates, vocabulary
from smecredit.products.definition import differences, parse_json
from smecredit.products.deps import PAGES, ProductCode
from smecredit.products.eligibility import VARIABLES
from smecredit.products.fit import format_value
from smecredit.products.product_list import SPEC, rows_of
from smecredit.web import forms, lists
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.i18n import request_lang
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
MINE = Allow(perms.MY_ENTERPRISES)

templates.env.globals.update(
    product_kinds=vocabulary.KINDS, repayment_labels=vocabulary.REPAYMENT_METHODS, guarantee_label=vocabulary.guarantee_label,
    payment_modes=vocabulary.PAYMENT_MODES, file_type_labels=vocabulary.FILE_TYPES, tenor_labels=vocabulary.TENORS,
    version_status=catalogue.status_label, limit_methods=limits.METHODS, limit_sources=limits.SOURCE_LABELS,
    feature_value=format_value, label_of=vocabulary.label_of,
)

def data_link(enterprise_id: int, key: str) -> tuple[str, Text]:
    """Where the stage-1 data behind a missing feature is provided, on the enterprise's page."""
    variable = VARIABLES.get(key)
    if variable is None or variable.record:
        return f"/enterprises/{enterprise_id}#counterparties", Text("登记上下游", "List counterparties")
    if variable.source_kind is None:
        return f"/enterprises/{enterprise_id}#facts", Text("补充基本信息", "Complete the facts")
    return f"/enterprises/{enterprise_id}#data", Text("采集或上传数据", "Pull or upload the data")


def data_links(enterprise_id: int, keys) -> list[tuple[str, Text]]:
    found: dict[str, Text] = {}
    for key in keys:
        href, label = data_link(enterprise_id, key)
        found.setdefault(href, label)
    return list(found.items())


def author_label(username: str | None) -> str | Text:
    """Who wrote or approved a version; the default catalogue's versions were loaded by the install."""
    if username == "system":
        return Text("系统（默认产品目录）", "System (default catalogue)")
    return username or "—"


templates.env.globals.update(author_label=author_label, rule_variables=VARIABLES)


# --- the catalogue ------------------------------------------------------------------------------------------

@router.get("/products")
def product_list(request: Request, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    state = lists.state_from(request, SPEC)
    rows = rows_of(catalogue.current_versions(db, business_date()), state)
    pages = max(1, -(-len(rows) // SPEC.page_size))
    if state.page > pages:
        state = replace(state, page=pages)
    start = (state.page - 1) * SPEC.page_size
    view = lists.ListPage(SPEC, state, rows[start:start + SPEC.page_size], len(rows), request_lang(request), "/products",
                          can_export=False)
    can_edit = perms.PRODUCTS_EDIT.held_by(user.roles)
    pending = catalogue.pending(db) if perms.PRODUCTS_APPROVE.held_by(user.roles) else []
    return render(request, "products/list.html", {"view": view, "can_edit": can_edit, "pending": pending})


@router.get("/products/new")
def new_product(request: Request, user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    template = catalogue.current_versions(db, business_date())
    text = json.dumps(template[0].definition.to_dict(), ensure_ascii=False, indent=2) if template else "{}"
    return _editor(request, code=None, text=text, note=None)


def _rate_ranges(db: Session, definition, on: date) -> list[dict[str, Any]]:
    """The indicative rate range for each tenor the product's terms can reach."""
    out = []
    tenors = {definition.pricing.tenor_for(definition.min_term_months), definition.pricing.tenor_for(definition.max_term_months)}
    for tenor in ("1y", "5y+"):
        if tenor in tenors:
            reference = rates.reference_rate(db, on=on, tenor=tenor)
            out.append({"tenor": tenor, "reference": reference, "min": reference + definition.pricing.spread_min,
                        "max": reference + definition.pricing.spread_max})
    return out


@router.get("/products/{code}")
def product_detail(request: Request, code: ProductCode, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    on = business_date()
    version = catalogue.current_version(db, code, on)
    versions = catalogue.versions_of(db, version.product_code) if perms.PRODUCTS_EDIT.held_by(user.roles) else []
    return render(request, "products/detail.html", {
        "v": version, "d": version.definition, "ranges": _rate_ranges(db, version.definition, on), "versions": versions,
        "can_edit": perms.PRODUCTS_EDIT.held_by(user.roles), "staff": perms.PRODUCTS_EDIT.held_by(user.roles),
        "can_match_mine": perms.MY_ENTERPRISES.held_by(user.roles)})


# --- matching ---------------------------------------------------------------------------------------------

TYPED_INPUTS = {i.key: i for m in limits.METHODS.values() for i in m.typed_inputs}


def _uses(key: str, versions) -> list[Text]:
    return [v.definition.name for v in versions if any(i.key == key for i in limits.METHODS[v.definition.limit.method].typed_inputs)]


@router.get("/enterprises/{enterprise_id}/matches")
def matches(request: Request, enterprise: Enterprise = PAGES.matching, user: User = Depends(PAGES.match),
            db: Session = REQUEST_DB):
    on = business_date()
    query = request.query_params
    versions = catalogue.current_versions(db, on)
    asked = {k: (query.get(k) or "").strip()[:40] for k in ("amount", "term_months")}
    asked["purpose"] = (query.get("purpose") or "").strip()[:200]
    typed = {k: (query.get(k) or "").strip()[:40] for k in TYPED_INPUTS}
    ctx: dict[str, Any] = {"e": enterprise, "asked": asked, "typed": typed, "results": None, "status_code": 200,
                           "inputs": [(spec, _uses(key, versions)) for key, spec in TYPED_INPUTS.items() if _uses(key, versions)],
                           "can_apply": may(user, enterprise, Action.EDIT), "data_links": data_links,
                           "query": urlencode({k: v for k, v in {**asked, **typed}.items() if v})}
    if any(asked.values()):
        try:
            need = matching.need_of(asked["amount"], asked["term_months"], asked["purpose"],
                                    {k: v for k, v in typed.items() if v})
            ctx["results"] = matching.match(db, enterprise=enterprise, need=need, on=on)
            ctx["need"] = need
        except DomainError as error:
            if not isinstance(error, Invalid):
                raise
            found, status = forms.failed(request, db, error)
            ctx.update(found)
            ctx["status_code"] = status
    status = ctx.pop("status_code")
    return render(request, "products/matches.html", ctx, status_code=status)


WC_SPEC = lists.ListSpec(
    name="working-capital", title=Text("流动资金贷款需求量测算", "Working-capital need"),
    columns=(lists.Column("item", Text("项目", "Item"), lambda r: r.label),
             lists.Column("value", Text("数值", "Value"), lambda r: r.value, numeric=True, number_format="#,##0.00"),
             lists.Column("unit", Text("单位", "Unit"), lambda r: r.unit),
             lists.Column("source", Text("来源或公式", "Source or formula"), lambda r: r.source)),
    sorts={"item": "asc"}, default_sort="item",
)


def _working_capital(request: Request, db: Session, enterprise: Enterprise, product: str):
    """The need from the query (as on the match page) and the working-capital result of ``product``."""
    query = request.query_params
    need = matching.need_of((query.get("amount") or "").strip()[:40], (query.get("term_months") or "").strip()[:40],
                            (query.get("purpose") or "").strip()[:200],
                            {k: (query.get(k) or "").strip()[:40] for k in TYPED_INPUTS if (query.get(k) or "").strip()})
    found = next((r for r in matching.match(db, enterprise=enterprise, need=need) if r.product_code == product[:40]), None)
    if found is None:
        raise not_found(Text("产品", "Product"), "product")
    return need, found


@router.get("/enterprises/{enterprise_id}/matches/working-capital")
def working_capital(request: Request, product: str = "working_capital_loan", enterprise: Enterprise = PAGES.matching,
                    user: User = Depends(PAGES.match), db: Session = REQUEST_DB):
    if not (request.query_params.get("amount") or "").strip():
        # opened without a stated need (a bookmark, a link from elsewhere): the need is asked on the match page
        return RedirectResponse(f"/enterprises/{enterprise.id}/matches", status_code=303)
    need, result = _working_capital(request, db, enterprise, product)
    rows = result.limit.rows if result.limit else ()
    query = str(request.query_params)
    return render(request, "products/working_capital.html", {"e": enterprise, "r": result, "need": need, "rows": rows,
                                                             "query": query})


@router.get("/enterprises/{enterprise_id}/matches/working-capital.{fmt}")
def working_capital_export(request: Request, fmt: Literal["xlsx", "csv"], product: str = "working_capital_loan",
                           enterprise: Enterprise = PAGES.matching, user: User = Depends(PAGES.match),
                           db: Session = REQUEST_DB):
    _need, result = _working_capital(request, db, enterprise, product)
    rows = list(result.limit.rows) if result.limit else []
    if not rows:
        raise Invalid("no_computation", Text("该产品没有可下载的测算（不符合条件或缺少要素）",
                                             "Nothing to download: the product is not eligible or inputs are missing"), "product")
    return lists.export_response(WC_SPEC, fmt=fmt, lang=request_lang(request), rows=lambda: iter(rows), total=len(rows),
                                 when=utcnow())


@router.get("/my/matches")
def my_matches(request: Request, user: User = Depends(MINE), db: Session = REQUEST_DB):
    """The applicant's way in from the home page: straight to the match page of their enterprise,
    or a choice when they have several."""
    mine = enterprises_of(db, user=user)
    if len(mine) == 1:
        return RedirectResponse(f"/enterprises/{mine[0].id}/matches", status_code=303)
    return render(request, "products/my_matches.html", {"enterprises": mine})


# --- editing, four eyes -------------------------------------------------------------------------------------

def _editor(request: Request, *, code: str | None, text: str, note: str | None, base=None, error: DomainError | None = None,
            db: Session | None = None):
    ctx: dict[str, Any] = {"code": code, "text": text, "note": note or "", "base": base, "field_list": []}
    status = 200
    if error is not None:
        found, status = forms.failed(request, db, error)
        ctx.update(found)
        ctx["field_list"] = error.details.get("errors", []) if isinstance(error.details, dict) else []
        if base is None and code and db is not None:
            # a refused edit of an existing product: the page still names it and the version it starts from
            try:
                ctx["base"] = next(iter(catalogue.versions_of(db, code[:40])), None)
            except NotFound:
                pass
    return render(request, "products/edit.html", ctx, status_code=status)


@router.get("/products/{code}/edit")
def edit_product(request: Request, code: ProductCode, user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    versions = catalogue.versions_of(db, code)
    base = versions[0]  # the newest version, whatever its status: edits build on the latest text
    return _editor(request, code=base.product_code, text=json.dumps(base.definition.to_dict(), ensure_ascii=False, indent=2),
                   note=None, base=base)


MAX_DEFINITION_CHARS = 100_000


@router.post("/products/versions")
async def save_version(request: Request, user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    form = await request.form()
    text = form.get("definition")
    text = text if isinstance(text, str) else ""
    note = form.get("note") if isinstance(form.get("note"), str) else None
    code = form.get("code") if isinstance(form.get("code"), str) and form.get("code") else None
    try:
        if len(text) > MAX_DEFINITION_CHARS:
            raise Invalid("too_long", Text(f"产品定义最多 {MAX_DEFINITION_CHARS} 个字符", f"At most {MAX_DEFINITION_CHARS} characters"),
                          "definition")
        definition = parse_json(text)
        row = catalogue.draft(db, user=user, code=code or definition.code, data=definition, note=note)
    except DomainError as error:
        return _editor(request, code=code, text=text, note=note, error=error, db=db)
    return RedirectResponse(f"/products/versions/{row.id}?notice=product_drafted", status_code=303)


@router.get("/products/versions/{version_id}")
def version_page(request: Request, version_id: EntityId, user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    return _version(request, db, user, catalogue.version_by_id(db, version_id))


def _version(request: Request, db: Session, user: User, row, extra: dict | None = None, status_code: int = 200):
    current = None
    try:
        current = catalogue.current_version(db, row.product_code, business_date())
    except DomainError:
        pass
    changes = differences(current.definition if current else None, row.definition)
    return render(request, "products/version.html", {
        "v": row, "d": row.definition, "current": current, "changes": changes, "today": business_date(),
        "can_decide": perms.PRODUCTS_APPROVE.held_by(user.roles) and row.status == "draft" and row.author_id != user.id,
        "own": row.author_id == user.id, "definition_text": json.dumps(row.definition.to_dict(), ensure_ascii=False, indent=2),
        **(extra or {})}, status_code=status_code)


@router.post("/products/versions/{version_id}/approve")
async def approve(request: Request, version_id: EntityId, user: User = Depends(PAGES.approve), db: Session = REQUEST_DB):
    form = await request.form()
    found = forms.values(form, "effective_from", "note")
    try:
        data = forms.build(_ApproveForm, found)
        catalogue.approve(db, user=user, version_id=version_id, effective_from=data.effective_from, note=data.note)
    except DomainError as error:
        return _decision_failed(request, db, user, version_id, error)
    return RedirectResponse(f"/products/versions/{version_id}?notice=product_approved", status_code=303)


@router.post("/products/versions/{version_id}/reject")
async def reject(request: Request, version_id: EntityId, user: User = Depends(PAGES.approve), db: Session = REQUEST_DB):
    form = await request.form()
    found = forms.values(form, "note")
    try:
        catalogue.reject(db, user=user, version_id=version_id, note=found.get("note"))
    except DomainError as error:
        return _decision_failed(request, db, user, version_id, error)
    return RedirectResponse(f"/products/versions/{version_id}?notice=product_rejected", status_code=303)


def _decision_failed(request: Request, db: Session, user: User, version_id: int, error: DomainError):
    found, status = forms.failed(request, db, error)
    row = catalogue.version_by_id(db, version_id)
    return _version(request, db, user, row, extra=found, status_code=status)


class _ApproveForm(BaseModel):
    effective_from: date
    note: str | None = Field(default=None, max_length=500)


class _RateForm(BaseModel):
    tenor: str = Field(max_length=4)
    effective_from: date
    published_on: date
    rate: Decimal


# --- the LPR table --------------------------------------------------------------------------------------------

def _rates_page(request: Request, db: Session, user: User, extra: dict | None = None, status_code: int = 200):
    rows = rates.table(db)
    by_date: dict[date, dict[str, Any]] = {}
    for r in rows:
        entry = by_date.setdefault(r.effective_from, {"effective_from": r.effective_from, "published_on": r.published_on,
                                                      "changed_by": r.changed_by})
        entry[r.tenor] = r.rate.quantize(rates.PLACES)
    today = business_date()
    current = {}
    for tenor in vocabulary.TENORS:
        try:
            current[tenor] = rates.reference_rate(db, on=today, tenor=tenor)
        except DomainError:
            current[tenor] = None
    return render(request, "products/rates.html", {
        "rows": sorted(by_date.values(), key=lambda e: e["effective_from"], reverse=True), "current": current,
        "can_edit": perms.RATES_EDIT.held_by(user.roles), "today": today, **(extra or {})}, status_code=status_code)


@router.get("/reference-rates")
def rate_table(request: Request, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    return _rates_page(request, db, user)


@router.post("/reference-rates")
async def set_rate(request: Request, user: User = Depends(PAGES.rates), db: Session = REQUEST_DB):
    form = await request.form()
    found = forms.values(form, "tenor", "effective_from", "published_on", "rate")
    try:
        data = forms.build(_RateForm, found)
        rates.set_rate(db, user=user, tenor=data.tenor, effective_from=data.effective_from, published_on=data.published_on,
                       rate=data.rate)
    except DomainError as error:
        found_ctx, status = forms.failed(request, db, error)
        return _rates_page(request, db, user, extra={**found_ctx, "form": found}, status_code=status)
    return RedirectResponse("/reference-rates?notice=rate_saved", status_code=303)
