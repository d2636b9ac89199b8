"""Log in and out, the user's own account page, and the admin's page of accounts."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

from tm import webhooks
from tm.errors import NotFound, TMError
from tm.store.records import MIN_PASSWORD, ROLES, WEBHOOK_EVENTS, User, Webhook
from tm.textcheck import check_typed, is_blank
from web import services
from web.security import new_token_secret, roles, start_session

bp = Blueprint("auth", __name__)

_dummy_hashes: dict[str, str] = {}
_dummy_lock = threading.Lock()


def _dummy_hash(accounts: list[User]) -> str:
    """Return a hash of a random password made the way most accounts' hashes are made."""
    methods = Counter(u.password_hash.split("$", 1)[0] for u in accounts)
    method = methods.most_common(1)[0][0] if methods else "scrypt"
    with _dummy_lock:
        if method not in _dummy_hashes:
            try:
                _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
            except ValueError:  # a method this werkzeug does not make: use its default
                _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16))
        return _dummy_hashes[method]


def _check_login(name: str, password: str) -> User | None:
    """Return the active account of a name and password, taking as long for a name that is not there."""
    accounts = services().store.accounts
    everyone = accounts.all()
    user = next((u for u in everyone if u.name == name), None) if name else None
    # an unknown name checks a dummy hash of the same method: the answer's time does not tell names
    stored = user.password_hash if user is not None else _dummy_hash(everyone)
    ok = check_password_hash(stored, password)
    return user if ok and user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form and check a name and password."""
    store = services().store
    first_start = not store.accounts.all()
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        key = (name, request.remote_addr or "")
        throttle = services().throttle
        if throttle.blocked(key):
            error = "Too many wrong passwords. Wait a minute and try again."
            return render_template("login.html", error=error, first_start=first_start), 429
        user = _check_login(name, request.form.get("password", ""))
        if user is not None:
            throttle.clear(key)
            start_session(user)
            return redirect(local_path(request.args.get("next", "")) or url_for("documents.index"))
        throttle.fail(key)
        error = "Wrong name or password."
    return render_template("login.html", error=error, first_start=first_start), (401 if error else 200)


def local_path(target: str) -> str | None:
    """Return target if it is a path on this site, None otherwise (never send a user elsewhere).

    Browsers drop tabs and line breaks and read a backslash as a slash, so `/\t/evil.example`
    or `/\\evil.example` would leave the site: any of those, or a scheme or host, is refused.
    """
    if not target.startswith("/") or any(c.isspace() or ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """End the session at once: the cookie is worth nothing afterwards, wherever it was copied."""
    if g.session is not None:
        services().store.accounts.end_session(g.session.id)
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account")
def account(new_secret: str | None = None, new_hook: Webhook | None = None) -> ResponseReturnValue:
    """The user's own page: sessions, API tokens, webhooks, a new password, log out everywhere."""
    store = services().store
    accounts = store.accounts
    hooks = store.webhooks.for_owner(g.user.name)
    return render_template(
        "account.html",
        sessions=accounts.sessions(g.user.id),
        current=g.session.id,
        min_password=MIN_PASSWORD,
        tokens=accounts.tokens(g.user.id),
        new_secret=new_secret,
        webhooks=[(h, store.webhooks.deliveries(h.id, limit=5)) for h in hooks],
        webhook_events=WEBHOOK_EVENTS,
        new_hook=new_hook,
    )


@bp.route("/account/tokens", methods=["POST"])
def create_token() -> ResponseReturnValue:
    """Make a personal API token; its secret is on this answer only (never in a cookie or a redirect)."""
    name = request.form.get("name", "").strip()
    if is_blank(name) or len(name) > 100:
        flash("Give the token a name of 1 to 100 characters: what it is for (e.g. the CMS).", "error")
        return redirect(url_for("auth.account"))
    secret = new_token_secret()
    services().store.accounts.add_token(g.user.id, check_typed(name, "token name"), secret)
    return account(new_secret=secret)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own API tokens at once."""
    revoked = services().store.accounts.revoke_token(token_id, user_id=g.user.id)
    flash(f"Token “{revoked.name}” revoked: calls with it are refused from now on.", "ok")
    return redirect(url_for("auth.account"))


@bp.route("/account/webhooks", methods=["POST"])
def create_webhook() -> ResponseReturnValue:
    """Register a webhook; its secret is on this answer only, like a token's."""
    try:
        hook = webhooks.register(
            services().store, g.user, request.form.get("url", ""), request.form.getlist("events")
        )
    except TMError as e:
        flash(f"The webhook was not made: {e}", "error")
        return redirect(url_for("auth.account"))
    return account(new_hook=hook)


def _own_webhook(hook_id: int) -> Webhook:
    """Return one of the user's webhooks; 404 for anyone else's, as for one that is not there."""
    try:
        hook = services().store.webhooks.get(hook_id)
    except NotFound:
        abort(404)
    if hook.owner != g.user.name:
        abort(404)
    return hook


@bp.route("/account/webhooks/<int:hook_id>/ping", methods=["POST"])
def ping_webhook(hook_id: int) -> ResponseReturnValue:
    """Send a ping to one of one's webhooks; its delivery shows below it."""
    hook = _own_webhook(hook_id)
    if not hook.active:
        flash("This webhook is paused; resume it (PATCH /api/v1/webhooks/ID) to ping it.", "error")
        return redirect(url_for("auth.account"))
    webhooks.ping(services().store, hook)
    services().deliverer.notify()
    flash(f"Ping queued for {hook.url}; reload to see how it went.", "ok")
    return redirect(url_for("auth.account"))


@bp.route("/account/webhooks/<int:hook_id>/delete", methods=["POST"])
def delete_webhook(hook_id: int) -> ResponseReturnValue:
    """Delete one of one's webhooks with its deliveries."""
    hook = _own_webhook(hook_id)
    services().store.webhooks.delete(hook.id)
    flash(f"Webhook to {hook.url} deleted: nothing more is sent to it.", "ok")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["POST"])
def change_password() -> ResponseReturnValue:
    """Change one's own password; this session stays, every other one ends."""
    current = request.form.get("current", "")
    new = request.form.get("password", "")
    if not check_password_hash(g.user.password_hash, current):
        flash("Your current password is not right; nothing was changed.", "error")
    elif len(new) < MIN_PASSWORD or new != request.form.get("repeat", ""):
        flash(f"Type the new password twice, with at least {MIN_PASSWORD} characters.", "error")
    else:
        services().store.accounts.update(
            g.user.id, password_hash=generate_password_hash(new), keep_session=g.session.id
        )
        flash("Password changed. You were logged out everywhere else.", "ok")
    return redirect(url_for("auth.account"))


@bp.route("/account/logout-everywhere", methods=["POST"])
def logout_everywhere() -> ResponseReturnValue:
    """End every session of the user, this one included."""
    services().store.accounts.end_sessions(g.user.id)
    session.clear()
    flash("You were logged out everywhere.", "ok")
    return redirect(url_for("auth.login"))


@bp.route("/admin/users", methods=["GET", "POST"])
@roles("admin")
def users() -> ResponseReturnValue:
    """List accounts; create one."""
    store = services().store
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        role = request.form.get("role", "")
        if not name or len(password) < MIN_PASSWORD or role not in ROLES:
            flash(
                f"A user needs a name, a role and a password of at least {MIN_PASSWORD} characters.", "error"
            )
        else:
            try:
                store.accounts.add(name, generate_password_hash(password), role)
                flash(f"Created {name} ({role}).", "ok")
            except TMError as e:
                flash(str(e), "error")
        return redirect(url_for("auth.users"))
    return render_template("users.html", users=store.accounts.all(), roles=ROLES)


@bp.route("/admin/users/<int:user_id>", methods=["POST"])
@roles("admin")
def update_user(user_id: int) -> ResponseReturnValue:
    """Change an account's role, password or active flag; any of these ends its sessions."""
    store = services().store
    target = store.accounts.get(user_id)
    if target is None:
        abort(404)
    role = request.form.get("role") or None
    active = request.form.get("active")
    password = request.form.get("password", "")
    if role is not None and role not in ROLES:
        abort(400, f"role must be one of {', '.join(ROLES)}")
    if active not in (None, "0", "1"):  # anything else must not lock an account by accident
        abort(400, "active must be 1 (active) or 0 (locked)")
    if target.id == g.user.id and (active == "0" or (role and role != "admin")):
        flash("You cannot lock yourself out: ask another admin.", "error")
        return redirect(url_for("auth.users"))
    if password and len(password) < MIN_PASSWORD:
        flash(f"Passwords have at least {MIN_PASSWORD} characters.", "error")
        return redirect(url_for("auth.users"))
    store.accounts.update(
        user_id,
        role=role,
        active=None if active is None else active == "1",
        password_hash=generate_password_hash(password) if password else None,
        # an admin's own new password keeps the session they made it in
        keep_session=g.session.id if target.id == g.user.id else None,
    )
    flash(f"Updated {target.name}.", "ok")
    return redirect(url_for("auth.users"))
