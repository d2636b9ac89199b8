"""Log in and out; the admin's page of accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash, generate_password_hash

from tm.errors import TMError
from tm.store.records import MIN_PASSWORD, ROLES
from web import services
from web.security import csrf_token, roles

bp = Blueprint("auth", __name__)


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
        user = store.accounts.find(name)
        if user and user.active and check_password_hash(user.password_hash, request.form.get("password", "")):
            throttle.clear(key)
            session.clear()
            session["user_id"] = user.id
            csrf_token()
            target = request.args.get("next", "")
            # only local paths: never send a user elsewhere after login
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("documents.index")
            return redirect(target)
        throttle.fail(key)
        error = "Wrong name or password."
    return render_template("login.html", error=error, first_start=first_start), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """End the session."""
    session.clear()
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
    """Change an account's role, password or active flag."""
    store = services().store
    target = store.accounts.get(user_id)
    if target is None:
        abort(404)
    role = request.form.get("role") or None
    active = request.form.get("active")
    password = request.form.get("password", "")
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
    )
    flash(f"Updated {target.name}.", "ok")
    return redirect(url_for("auth.users"))
