"""Real-browser journeys: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Chromium flags for a closed network and a root sandbox (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# bypass_csp lets the tests inject axe-core; the portal's own pages keep their policy.
CONTEXT = {"locale": "fr-FR", "timezone_id": "Africa/Casablanca", "bypass_csp": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop in this thread while the tests' own ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _page(browser, request, **context_options):
    context = browser.new_context(**CONTEXT, **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser, request):
    yield from _page(browser, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(browser, request):
    yield from _page(browser, request, **PHONE)


def axe_start(page) -> None:
    """Start axe-core on the current page without waiting for it: several tabs can be checked at once.

    Injected here unless the context already adds it to every page (`context.add_init_script`), which
    spares parsing it again on each page of a long run.
    """
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    page.evaluate(
        "() => { window.axeRun = axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']}); }"
    )


def axe_violations(page) -> list[str]:
    """The serious and critical WCAG 2.x A/AA violations of the run `axe_start` began, one line each."""
    violations = page.evaluate("async () => (await window.axeRun).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(f"{node['target'][0]} {node['html'][:160]}" for node in violation["nodes"][:3])
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


def assert_accessible(page):
    """No serious or critical WCAG 2.x A/AA violation reported by axe-core on the current page."""
    axe_start(page)
    serious = axe_violations(page)
    assert not serious, "\n".join(serious)


def log_in(page, live_server, username: str, password: str) -> None:
    """Sign in through the portal's login page, as a CRT official does."""
    page.goto(live_server.url + "/comptes/login/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
