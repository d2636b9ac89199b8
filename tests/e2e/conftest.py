"""A real `tm serve` on a free loopback port with a fresh memory, and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

TM = str(Path(sys.executable).with_name("tm"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "e2e-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tm_env(tmp_path, tiny_marian):
    """The environment the test's `tm serve` runs in: run `tm` commands with it on its memory."""
    return {
        **os.environ,
        "TM_DB": str(tmp_path / "memory.db"),
        "TM_HOME": str(tmp_path / "home"),
        "TM_MODEL": str(tiny_marian),
        "TM_BEAMS": "1",
    }


def add_user(env: dict[str, str], name: str, role: str) -> None:
    """Create an account with the test password through `tm user add`."""
    subprocess.run(
        [TM, "user", "add", name, "--role", role, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def server(tmp_path, tm_env):
    """Start `tm serve` with a new memory, an admin and a translator; yield its base URL."""
    env = tm_env
    subprocess.run([TM, "init"], env=env, check=True, capture_output=True)
    for name, role in (("ada", "admin"), ("tom", "translator")):
        add_user(env, name, role)
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([TM, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError((tmp_path / "serve.log").read_text()) from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (the README's test command does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
