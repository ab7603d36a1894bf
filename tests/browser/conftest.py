"""Browser tests: the real app served over HTTP, driven in Debian's headless Chromium by Playwright.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium. ``make test`` runs
these when Chromium is present and says loudly when it is not; ``.ci/run`` installs Chromium and sets
REQUIRE_BROWSER=1, which turns a missing browser into a failure instead of a skip.
"""
import os
import shutil

import pytest

from ..conftest import serve_in_thread

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
MISSING = f"Chromium not found at {CHROMIUM}: browser tests NOT RUN (apt-get install chromium, or run .ci/run)"


def _have_browser():
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    # What a browser test checks is what the page does in the browser (its scripts, forms, dialogs and
    # layout); the services under it are those the API and console tests run on both databases. So they
    # run once, in the SQLite pass (pytest.ini's database_independent).
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.database_independent)
    if _have_browser():
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(MISSING)
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=MISSING))


def pytest_terminal_summary(terminalreporter):
    if not _have_browser():
        terminalreporter.write_sep("!", MISSING, red=True, bold=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait for the page to get there; on a 2-core machine running two test workers a page
    # that posts a form and redirects has been seen to take over Playwright's default 5 s. Waiting
    # longer costs nothing when the page is right, and a wrong page still fails.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app on a real port; yields its base URL."""
    server, base_url = serve_in_thread(app)
    app.config["PUBLIC_BASE_URL"] = base_url
    yield base_url
    server.shutdown()
    app.config["PUBLIC_BASE_URL"] = "https://msb.example.cn"


@pytest.fixture
def external_requests():
    """Collects every request a page makes to anything but this machine (there must be none)."""
    return []


def watch_requests(page, base_url, external):
    page.on("request", lambda request: None if request.url.startswith((base_url, "data:", "blob:")) else external.append(request.url))


def lose_the_first_answer(page, pattern):
    """The first request matching ``pattern`` reaches the server, but its answer is lost on the way back
    (a phone between two cell towers); later ones go through. Returns the Idempotency-Keys sent."""
    keys = []

    def route(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(pattern, route)
    return keys


@pytest.fixture
def desktop(browser, live_server, external_requests):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watch_requests(page, live_server, external_requests)
    yield page
    context.close()


def phone_page(browser, live_server, external, width=390, height=844, scale=3, **options):
    """A page in a phone-sized context of its own (touch, Chinese), whose requests leaving the app are
    collected in ``external``; ``options`` go to the context (a time zone, a user agent). Close it with
    ``page.context.close()``."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale,
                                  is_mobile=True, has_touch=True, locale="zh-CN", **options)
    page = context.new_page()
    watch_requests(page, live_server, external)
    return page


@pytest.fixture
def phone(browser, live_server, external_requests):
    page = phone_page(browser, live_server, external_requests, user_agent=(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"))
    yield page
    page.context.close()


LIVE_REFRESH_MS = 5000  # how often the console's live views ask the server again (static/console/activities*.js)


def next_live_refresh(page):
    """Brings the console's next live refresh forward instead of waiting up to 5 s for it. The page's clock
    must have been installed (``page.clock.install()``) before the page loaded; it shares the clock with
    every page of its context."""
    page.clock.fast_forward(LIVE_REFRESH_MS)


def drawn_width(image):
    """The natural width of the <img> located by ``image`` once the browser is done with it (it may
    still be loading when the page around it is ready): 0 if it was refused, by the page's security
    policy say, or broken."""
    image.page.wait_for_function("img => img.complete", arg=image.element_handle())
    return image.evaluate("img => img.naturalWidth")
