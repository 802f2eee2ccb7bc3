"""User administration use cases: create, roles, enable/disable, unlock, passwords, search.

Each public function is one use case: it writes its rows and its audit event and flushes; the
caller (request or command) commits them together. Pages, API and command line call the same
functions, so separation of duties (`identity.duties`), the last-administrator rule and ending a
user's sessions apply to every door alike. Sign-in lives in `identity.login`, sessions and tokens
in `identity.sessions`, self-service sign-up in `identity.onboarding`.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Iterator

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.identity import events, sessions
from smecredit.identity.duties import check_compatible
from smecredit.identity.login import authenticate  # noqa: F401  (sign-in lives in identity.login)
from smecredit.identity.mobile import looks_like_mobile, normalise_mobile
from smecredit.identity.models import Branch, User, UserRole
from smecredit.identity.passwords import check_strength, hash_password, verify_password
from smecredit.identity.roles import Role
from smecredit.identity.sessions import actor_of  # noqa: F401  (other stages import it from here)
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import contains_pattern
from smecredit.kernel.errors import Conflict, Invalid, not_found
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.pii import blind_index
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
STATUSES = ("active", "locked", "disabled")


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not (3 <= len(name) <= 64) or not set(name) <= USERNAME_CHARS:
        raise Invalid("invalid_username", Text("用户名须为 3–64 位小写字母、数字或 . _ -", "User name must be 3–64 characters of a–z, 0–9, '.', '_' or '-'"), "username")
    if looks_like_mobile(name):
        # User names appear in the audit log and on screens; a mobile number there would be
        # personal information in clear.
        raise Invalid("username_is_mobile", Text("用户名不能是手机号码", "The user name must not be a mobile number"), "username")
    return name


def get_user(db: Session, *, username: str) -> User:
    user = db.execute(select(User).where(User.username == (username or "").strip().lower())).scalar_one_or_none()
    if user is None:
        raise not_found(Text("用户", "User"), "username")
    return user


def list_users(db: Session, *, role: Role | None = None) -> list[User]:
    return search_users(db, role=role, limit=None)[1]


#: Sort keys of the user lists and their natural direction ("-key" reverses; see `web.lists`).
USER_SORTS = {"username": "asc", "name": "asc", "last_login": "desc", "newest": "desc"}
#: The branch filter's value for "belongs to no branch" (branch codes are the lender's own codes).
NO_BRANCH = "_none"


def users_query(*, role: Role | None = None, status: str | None = None, q: str | None = None,
                branch: str | None = None, sort: str = "username"):
    """The one query behind the users pages, API, exports and command line: users by role, status
    ("active", "locked", "disabled"), branch (a code, or `NO_BRANCH`) and text (user name or name;
    an exact mobile number also finds its owner), in the order `sort` asks (user name breaks ties)."""
    now = utcnow()
    query = select(User)
    if role is not None:
        query = query.where(User.role_rows.any(UserRole.role == role.value))
    if status == "disabled":
        query = query.where(User.is_active.is_(False))
    elif status == "locked":
        query = query.where(User.is_active.is_(True), User.locked_until > now)
    elif status == "active":
        query = query.where(User.is_active.is_(True), or_(User.locked_until.is_(None), User.locked_until <= now))
    if branch == NO_BRANCH:
        query = query.where(User.branch_code.is_(None))
    elif branch:
        query = query.where(User.branch_code == branch)
    text = (q or "").strip().lower()[:100]
    if text:
        pattern = contains_pattern(text)
        matches = [User.username.like(pattern, escape="\\"), func.lower(User.display_name).like(pattern, escape="\\")]
        if looks_like_mobile(text):
            matches.append(User.mobile_index == blind_index(normalise_mobile(text)))
        query = query.where(or_(*matches))
    key = sort.lstrip("-") if sort.lstrip("-") in USER_SORTS else "username"
    descending = (USER_SORTS[key] == "desc") != sort.startswith("-")
    column = {"username": User.username, "name": User.display_name, "last_login": User.last_login_at,
              "newest": User.created_at}[key]
    # Never signed in sorts last either way (databases disagree on where NULL goes by default).
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return query.order_by(ordered, User.username) if key != "username" else query.order_by(ordered)


def count_users(db: Session, **filters) -> int:
    query = users_query(**filters).order_by(None)
    return db.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def page_of_users(db: Session, *, limit: int | None, offset: int = 0, **filters) -> list[User]:
    query = users_query(**filters).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.execute(query).scalars())


def search_users(db: Session, *, role: Role | None = None, status: str | None = None, q: str | None = None,
                 branch: str | None = None, sort: str = "username", limit: int | None = 50,
                 offset: int = 0) -> tuple[int, list[User]]:
    """(total, one page) of `users_query`."""
    filters = {"role": role, "status": status, "q": q, "branch": branch, "sort": sort}
    return count_users(db, **filters), page_of_users(db, limit=limit, offset=offset, **filters)


def iterate_users(db: Session, *, cap: int, **filters) -> Iterator[User]:
    """`users_query`'s rows, at most ``cap``, read in batches (exports)."""
    query = users_query(**filters).limit(cap).execution_options(yield_per=500)
    yield from db.execute(query).scalars()


def _wanted_roles(roles: Iterable[Role]) -> set[Role]:
    wanted = {Role(r) for r in roles}
    if not wanted:
        raise Invalid("no_role", Text("至少选择一个岗位", "Choose at least one role"), "roles")
    check_compatible(wanted)
    return wanted


def _set_role_rows(user: User, wanted: set[Role]) -> None:
    user.role_rows = [UserRole(role=r.value) for r in Role if r in wanted]


def create_user(
    db: Session,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[Role],
    must_change_password: bool = False,
) -> User:
    settings = get_settings()
    username = normalise_username(username)
    display_name = clean_text(display_name, "display_name", max_len=100) or username
    wanted = _wanted_roles(roles)
    check_strength(password, username=username, min_length=settings.password_min_length)
    if db.execute(select(func.count()).select_from(User).where(User.username == username)).scalar():
        raise Conflict("username_taken", Text(f"用户名 {username} 已存在", f"User name {username} is taken"), "username")
    now = utcnow()
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        is_active=True,
        failed_logins=0,
        must_change_password=must_change_password,
        preferred_lang="zh",
        created_at=now,
        password_changed_at=now,
    )
    _set_role_rows(user, wanted)
    db.add(user)
    try:
        db.flush()
    except IntegrityError:  # a parallel request took the name between our check and the insert
        raise Conflict("username_taken", Text(f"用户名 {username} 已存在", f"User name {username} is taken"),
                       "username") from None
    record(db, actor, events.UserCreated(entity_id=user.id, username=username, display_name=display_name,
                                         roles=sorted(r.value for r in user.roles)))
    return user


# --- the last administrator ------------------------------------------------------------------------

LAST_ADMIN = Conflict("last_admin", Text("这是最后一个有效的系统管理员账号，不能停用或取消其管理员岗位",
                                         "This is the last active administrator: it cannot be disabled or lose the admin role"),
                      "username")


def _active_admins_after_locking(db: Session) -> int:
    """Lock every active administrator's row, then count them afresh. Two administrators removing
    each other in parallel are serialised here, so the second sees the first's change (a new
    statement reads what committed meanwhile) and at least one administrator always remains."""
    admins = select(UserRole.user_id).where(UserRole.role == Role.ADMIN.value)
    if db.get_bind().dialect.name == "sqlite":
        # SQLite has one writer at a time: a no-op write takes the write lock before we count.
        db.execute(update(User).where(User.id.in_(admins)).values(is_active=User.is_active)
                   .execution_options(synchronize_session=False))
    db.execute(select(User.id).where(User.id.in_(admins), User.is_active.is_(True)).with_for_update()).all()
    return db.execute(select(func.count()).select_from(User)
                      .where(User.id.in_(admins), User.is_active.is_(True))).scalar_one()


def _guard_last_admin(db: Session, user: User) -> None:
    if Role.ADMIN in user.roles and user.is_active and _active_admins_after_locking(db) <= 1:
        db.refresh(user, ["is_active", "role_rows"])
        if Role.ADMIN in user.roles and user.is_active:
            raise LAST_ADMIN


def set_roles(db: Session, *, actor: Actor, username: str, roles: Iterable[Role],
              keep_session_id: int | None = None, keep_token_id: int | None = None) -> User:
    """Give the user exactly these roles. A change ends the user's other sessions and tokens (what
    they may do changed); the ones named stay (an administrator's own request)."""
    user = get_user(db, username=username)
    wanted = _wanted_roles(roles)
    before = sorted(r.value for r in user.roles)
    if Role.ADMIN not in wanted:
        _guard_last_admin(db, user)
    _set_role_rows(user, wanted)
    db.flush()
    after = sorted(r.value for r in user.roles)
    record(db, actor, events.UserRolesChanged(entity_id=user.id, username=user.username, before=before, after=after))
    if before != after:
        sessions.end_sessions_and_tokens(db, actor=actor, user=user, reason="roles_changed",
                                         keep_session_id=keep_session_id, keep_token_id=keep_token_id)
    return user


def set_active(db: Session, *, actor: Actor, username: str, active: bool) -> User:
    user = get_user(db, username=username)
    if not active and actor.user_id == user.id:
        raise Invalid("cannot_disable_self", Text("不能停用自己的账号", "You cannot disable your own account"), "username")
    if not active:
        _guard_last_admin(db, user)
    user.is_active = active
    kind = events.UserEnabled if active else events.UserDisabled
    record(db, actor, kind(entity_id=user.id, username=user.username))
    if not active:
        sessions.end_sessions_and_tokens(db, actor=actor, user=user, reason="disabled")
    return user


def unlock(db: Session, *, actor: Actor, username: str) -> User:
    user = get_user(db, username=username)
    user.failed_logins = 0
    user.locked_until = None
    record(db, actor, events.UserUnlocked(entity_id=user.id, username=user.username))
    return user


TEMPORARY_ALPHABET = string.ascii_letters + string.digits


def generate_temporary_password(username: str = "") -> str:
    """16 random characters with every class the strength rule counts (upper, lower, digit, symbol),
    never containing the user name."""
    while True:
        core = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(12))
        password = f"{secrets.choice(string.ascii_uppercase)}{core}-{secrets.randbelow(10)}{secrets.choice(string.ascii_lowercase)}"
        if not username or username.lower() not in password.lower():
            return password


def reset_password(db: Session, *, actor: Actor, username: str, new_password: str, must_change: bool = True) -> User:
    """An administrator sets a temporary password: it opens nothing but the change-password form
    until the user sets their own; every session and token of the user ends."""
    settings = get_settings()
    user = get_user(db, username=username)
    check_strength(new_password, username=user.username, min_length=settings.password_min_length)
    _set_password(user, new_password, must_change=must_change)
    record(db, actor, events.PasswordReset(entity_id=user.id, username=user.username, must_change=must_change))
    sessions.end_sessions_and_tokens(db, actor=actor, user=user, reason="password_reset")
    return user


def _set_password(user: User, password: str, *, must_change: bool) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None


def change_own_password(db: Session, *, user: User, old_password: str, new_password: str,
                        keep_session_id: int | None = None, keep_token_id: int | None = None) -> tuple[int, int]:
    """The user changes their own password; every other session and token of theirs ends (the
    one they changed it from stays). Returns how many sessions and tokens ended."""
    settings = get_settings()
    if not verify_password(user.password_hash, old_password):
        raise Invalid("wrong_password", Text("原密码不正确", "The current password is wrong"), "old_password")
    if old_password == new_password:
        raise Invalid("same_password", Text("新密码不能与原密码相同", "The new password must differ"), "new_password")
    try:
        check_strength(new_password, username=user.username, min_length=settings.password_min_length)
    except Invalid as error:
        raise error.with_field("new_password") from None
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    actor = actor_of(user)
    record(db, actor, events.PasswordChanged(entity_id=user.id, username=user.username))
    return sessions.end_sessions_and_tokens(db, actor=actor, user=user, reason="password_changed",
                                            keep_session_id=keep_session_id, keep_token_id=keep_token_id)


def set_language(db: Session, *, user: User, lang: str) -> None:
    # A display preference, not a business fact: not worth an audit event.
    user.preferred_lang = "en" if lang == "en" else "zh"


# --- branches (网点) -------------------------------------------------------------------------------

def list_branches(db: Session) -> list[Branch]:
    return list(db.execute(select(Branch).order_by(Branch.code)).scalars())


def save_branch(db: Session, *, actor: Actor, code: str, name: str, region_code: str | None = None) -> Branch:
    """Add a branch or rename it (its code never changes: users and enterprises refer to it)."""
    code = clean_text(code, "code", required=True, max_len=20, label=Text("网点代码", "Branch code"))
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise Invalid("invalid_branch_code", Text("网点代码只能包含字母、数字、- 和 _", "A branch code holds letters, digits, - and _ only"),
                      "code")
    name = clean_text(name, "name", required=True, max_len=100, label=Text("网点名称", "Branch name"))
    region = (region_code or "").strip() or None
    if region is not None and not (region.isascii() and region.isdigit() and len(region) == 6):
        raise Invalid("invalid_region", Text("行政区划代码须为 6 位数字", "The region code has 6 digits"), "region_code")
    branch = db.get(Branch, code) or Branch(code=code)
    branch.name, branch.region_code = name, region
    db.add(branch)
    db.flush()
    record(db, actor, events.BranchSaved(entity_id=code, name=name, region_code=region))
    return branch


def set_branch(db: Session, *, actor: Actor, username: str, branch_code: str | None) -> User:
    """Place a member of staff in a branch (officers of one branch share its portfolio); None: none."""
    user = get_user(db, username=username)
    code = (branch_code or "").strip() or None
    if code is not None and db.get(Branch, code) is None:
        raise Invalid("unknown_branch", Text(f"没有网点 {code}", f"No branch {code}"), "branch_code")
    if code is not None and Role.APPLICANT in user.roles:
        raise Invalid("applicant_branch", Text("申请企业用户不属于网点", "Applicant users belong to no branch"), "branch_code")
    before = user.branch_code
    if before != code:
        user.branch_code = code
        db.flush()
        record(db, actor, events.UserBranchChanged(entity_id=user.id, username=user.username, before=before, after=code))
    return user
